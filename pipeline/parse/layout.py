"""Recover the table inside a township's sheet: header rows, merged cells, non-data rows.

Input is a reader's `Sheet` (name, rows, merged ranges, first_row); output is plain frames whose
columns are canonical field names, each row carrying its sheet and Excel row number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.clean.normalize import is_blank, to_text
from pipeline.parse.branch_hints import sheet_branch
from pipeline.parse.context_hints import township_from_text, wave_from_text
from pipeline.parse.dittos import fill_dittos
from pipeline.parse.header_rows import MIN_HEADER_FIELDS, find_header, is_subheader, map_columns
from pipeline.parse.headers import (
    clean_text,
    map_header,
)
from pipeline.parse.row_kinds import (
    absent_cells,
    branch_heading,
    heading_above,
    is_column_numbers,
    is_instruction_row,
    is_non_data,
    is_present,
    starts_with_trigger,
)
from pipeline.parse.sections import split_tables

# Columns a template pre-fills on every line; a row with nothing else is an unused line.
_CONTEXT_FIELDS = frozenset({"township", "branch", "census_wave"})


_EXAMPLE_SHEET = re.compile(r"示例|样例|样表|范例|例表|填表说明|填写说明")


@dataclass
class ColumnMap:
    sheet: str
    label: str  # header text as the analyst sees it, two levels joined with '/'
    field: str | None  # canonical field, None when the column is not understood
    index: int | None = None  # 0-based column in the sheet (A = 0), where it is known
    hidden: bool = False  # a column the analyst hid (its own notice: `hidden_lost`)


@dataclass
class SheetTable:
    sheet: str
    members: pd.DataFrame  # canonical columns + sheet, excel_row, sheet_branch/township/wave
    columns: list[ColumnMap]
    context_text: str  # title and filling rows above the header
    notices: list[str] = field(default_factory=list)  # what the analyst should know


@dataclass
class Workbook:
    tables: list[SheetTable] = field(default_factory=list)
    branch_totals: pd.DataFrame | None = None  # branch, members_total, sheet, excel_row
    context_text: str = ""
    footer_text: str = ""  # rows below the members (signatures, 填报时间)
    hidden_sheets: list[str] = field(default_factory=list)  # not read: not part of the submission
    example_sheets: list[str] = field(default_factory=list)  # 填表说明, 示例: nobody in them
    skipped_sheets: list[str] = field(default_factory=list)  # visible, but no register in them

    @property
    def notices(self) -> list[str]:
        """Every sheet not read, and why; then what reading the others changed."""
        return [
            *(f"隐藏的工作表“{n}”未读取（隐藏表不属于本次上报）" for n in self.hidden_sheets),
            *(f"工作表“{n}”是填表说明或示例，未读取" for n in self.example_sheets),
            *(f"工作表“{n}”中没有可识别的表头，未读取" for n in self.skipped_sheets),
            *(n for table in self.tables for n in table.notices),
        ]

    @property
    def columns(self) -> list[ColumnMap]:
        return [column for table in self.tables for column in table.columns]

    @property
    def unmapped(self) -> list[str]:
        return [f"{c.sheet}:{c.label}" for c in self.columns if c.field is None]


def fill_merged(
    rows: list[list[object]], merged: list[tuple[int, int, int, int]], start: int
) -> list[list[object]]:
    """Rows with each merged range's top-left value copied down the rows it covers.

    Down its first column only: a cell merged across a data row holds one value (a branch
    heading over the whole row, a note, "国外" over the 省/市/县 columns), not that value in
    every column. Only the rows a merge touches are copied; the reader's rows are never modified.
    """
    rows = list(rows)
    copied: set[int] = set()
    for r0, c0, r1, _c1 in merged:
        if r1 < start or r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else None
        for r in range(max(r0, start), min(r1, len(rows) - 1) + 1):
            if r not in copied:
                rows[r] = list(rows[r])
                copied.add(r)
            if c0 < len(rows[r]):
                rows[r][c0] = value
    return rows


def read_table(
    sheet, chosen: dict[str, str] | None = None
) -> tuple[str, pd.DataFrame, list[ColumnMap], str] | None:
    """('members'|'totals', frame, columns, context) for one sheet, or None when it has no table.

    `chosen` maps header keys to fields an analyst chose for columns the rules do not know."""
    rows = sheet.rows
    header_index = find_header(rows)
    if header_index is None:
        return None
    lengths = set(map(len, rows))
    width = max(lengths, default=0)
    if len(lengths) > 1:  # CSV lines may be ragged; workbooks are not
        rows = [r if len(r) == width else [*r, *[None] * (width - len(r))] for r in rows]
    sub = (
        rows[header_index + 1]
        if header_index + 1 < len(rows) and is_subheader(rows[header_index + 1])
        else None
    )
    merged = list(getattr(sheet, "merged", []) or [])
    hidden = getattr(sheet, "hidden_cols", frozenset())
    below = header_index + 2
    if sub is not None and below < len(rows) and is_subheader(rows[below]):
        # Three header rows: the top one only groups columns (流出情况 over 流入地 over 省/市/县),
        # and a cell merged down from it (姓名) stands in the middle row too.
        middle = list(sub)
        for r0, c0, r1, _c1 in merged:
            if (
                r0 == header_index
                and r1 > header_index
                and c0 < len(middle)
                and is_blank(middle[c0])
            ):
                middle[c0] = rows[header_index][c0]
        mapping = map_columns(middle, rows[below], merged, header_index + 1, chosen, hidden)
        data_start = below + 1
    else:
        mapping = map_columns(rows[header_index], sub, merged, header_index, chosen, hidden)
        data_start = header_index + (2 if sub is not None else 1)
    if data_start < len(rows) and is_column_numbers(rows[data_start]):
        data_start += 1
    while data_start < len(rows) and is_instruction_row(rows[data_start]):
        data_start += 1  # a template's 填写要求 row: (必填) | (18位) | (如2021.03)
    rows = fill_merged(rows, merged, data_start)
    context = " ".join(str(v) for r in rows[:header_index] for v in r if not is_blank(v))
    fields = [f for _, f in mapping]
    columns = [
        ColumnMap(sheet.name, label, f, c, c in hidden)
        for c, (label, f) in enumerate(mapping)
        if label or f
    ]
    kind = "totals" if "members_total" in fields and "name" not in fields else "members"
    name_col = fields.index("name") if "name" in fields else None
    seq_col = fields.index("seq") if "seq" in fields else None

    offset = getattr(sheet, "first_row", 0) + 1
    keep_cols = [(c, f) for c, f in enumerate(fields) if f and f != "seq"]
    extra_cols = [(c, label) for c, (label, f) in enumerate(mapping) if f is None and label]
    header_name = rows[header_index][name_col] if name_col is not None else None
    context_cols = {c for c, f in enumerate(fields) if f in _CONTEXT_FIELDS}
    body = rows[data_start:]
    matrix = np.empty((len(body), width), dtype=object)
    matrix[:] = body if body else matrix
    filled = (matrix != "") & (matrix != None)  # noqa: E711 — elementwise on an object array
    counted = filled.copy()
    if seq_col is not None:
        counted[:, seq_col] = False
    count = counted.sum(axis=1)
    first = matrix[np.arange(len(body)), filled.argmax(axis=1)] if len(body) else matrix[:, 0]
    # Only these rows can be anything but a member; the rest are decided without Python.
    suspect = (count <= max(2, len(context_cols))) | starts_with_trigger(first)
    if name_col is not None:
        # a row of spaces must not become a "missing name" reject
        suspect |= absent_cells(matrix[:, name_col], filled[:, name_col])
    keep = count > 0
    block = np.full(len(body), None, dtype=object)
    for i in np.flatnonzero(suspect):
        row = body[i]
        present = [c for c in np.flatnonzero(counted[i]) if is_present(row[c])]
        if is_non_data(row, present, name_col, seq_col) or all(c in context_cols for c in present):
            keep[i] = False
            # A block heading names the branch below it; it may sit in the 序号 column.
            alone = present or (
                [seq_col] if seq_col is not None and is_present(row[seq_col]) else []
            )
            if len(alone) == 1:
                block[i] = branch_heading(row[alone[0]])
    if name_col is not None and header_name not in (None, ""):
        repeated = matrix[:, name_col] == header_name  # the header repeated above a new block
        keep &= ~repeated
        for i in np.flatnonzero(repeated[:-1]) + 1:  # and its column-number row
            if is_column_numbers(body[i]):
                keep[i] = False
    first_heading = heading_above(rows, header_index)
    if first_heading is not None and len(block) and block[0] is None:
        block[0] = first_heading
    block_branch = pd.Series(block).ffill().to_numpy()
    rows_kept = np.flatnonzero(keep)
    frame = pd.DataFrame(
        matrix[np.ix_(rows_kept, [c for c, _ in keep_cols])],  # one block: no copy per column
        columns=[f for _, f in keep_cols],
        dtype=object,
        copy=False,  # a fresh array already: the frame may keep it
    )
    if extra_cols:
        frame["extra"] = [
            {label: to_text(body[i][c]) for c, label in extra_cols if is_present(body[i][c])}
            or None
            for i in rows_kept
        ]
    frame.attrs["dittos"] = fill_dittos(frame, [f for _, f in keep_cols])
    frame.attrs["hidden_lost"] = [
        label
        for c, (label, f) in enumerate(mapping)
        if c in hidden and f is None and label and map_header(label) in fields
    ]
    # below the last member: signature and filling rows (填报时间：…), for the wave if need be
    last = int(rows_kept[-1]) + 1 if len(rows_kept) else 0
    frame.attrs["footer"] = " ".join(
        str(v) for r in body[last : last + 10] for v in r if is_present(v)
    )
    frame["excel_row"] = rows_kept + data_start + offset
    frame["block_branch"] = block_branch[rows_kept]
    frame["sheet"] = sheet.name
    return kind, frame, columns, context


def parse_workbook(sheets, chosen: dict[str, str] | None = None) -> Workbook:
    """Every sheet's table; raises nothing, an empty result means no recognisable header.

    Hidden sheets (a stale copy, last year's register) are not part of the submission: they
    are named in the book's notices and never read. `chosen`: see `read_table`."""
    book = Workbook()
    totals = []
    for sheet in sheets:
        if getattr(sheet, "hidden", False):
            book.hidden_sheets.append(sheet.name)
            continue
        if _EXAMPLE_SHEET.search(clean_text(sheet.name)):
            book.example_sheets.append(sheet.name)
            continue  # the template's filled-in example (张三) is nobody
        parts = split_tables(sheet, find_header(sheet.rows), MIN_HEADER_FIELDS)
        tables = [t for t in (read_table(part, chosen) for part in parts) if t is not None]
        if not tables:
            book.skipped_sheets.append(sheet.name)
            continue
        for table in tables:
            _add_table(book, totals, sheet, table)
    if totals:
        book.branch_totals = pd.concat(totals, ignore_index=True)
    return book


def _add_table(book: Workbook, totals: list, sheet, table) -> None:
    """One table of a sheet into the book (a sheet may hold several, `split_tables`)."""
    kind, frame, columns, context = table
    filled = frame.attrs.pop("dittos", {})
    book.footer_text = " ".join(t for t in (book.footer_text, frame.attrs.pop("footer", "")) if t)
    book.context_text = " ".join(t for t in (book.context_text, context) if t)
    # A sheet's own title, else its name, speaks for its rows before the file's does:
    # a workbook may hold one sheet per township or per census wave.
    frame["sheet_township"] = township_from_text(context) or township_from_text(sheet.name)
    frame["sheet_wave"] = wave_from_text(context) or wave_from_text(sheet.name)
    if kind == "totals":
        totals.append(frame)
    else:
        has_blocks = bool(frame["block_branch"].notna().any())
        frame["sheet_branch"] = sheet_branch(sheet.name, context, has_blocks)
        notices = _ditto_notices(filled, columns) + [
            f"工作表“{sheet.name}”中隐藏的列“{label}”未读取（已读取内容相同的可见列）"
            for label in frame.attrs.pop("hidden_lost", [])
        ]
        book.tables.append(SheetTable(sheet.name, frame, columns, context, notices))


def _ditto_notices(filled: dict[str, int], columns: list[ColumnMap]) -> list[str]:
    labels = {c.field: c.label for c in columns if c.field}
    return [
        f"工作表“{columns[0].sheet}”的“{labels.get(f, f)}”列有 {n} 个“〃”或“同上”，已按上一行填写"
        for f, n in filled.items()
        if n
    ]
