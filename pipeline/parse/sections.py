"""A sheet holding several tables one under another, each with its own header: 一、外出流动党员
with one set of columns, then 二、返乡流动党员 with another. Each table is read from its own
header down; read with the first table's columns, the second's names land in the ID column.

A header repeated unchanged (a printed register's page breaks) is no new table: the layout
drops it as before.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.parse.headers import SYNONYMS, clean_text, map_header

# Words a header row starts with, as typed.
_HEADER_WORDS = frozenset(w for words in SYNONYMS.values() for w in words)


def split_tables(sheet, header_index: int | None, min_fields: int) -> list:
    """The sheet itself, or one sheet per table (rows from the table's own title rows down,
    `first_row` and merged cells shifted, so Excel row numbers stay true)."""
    rows = sheet.rows
    if header_index is None or len(rows) <= header_index + 2:
        return [sheet]
    starts = _table_starts(rows, header_index, min_fields)
    if not starts:
        return [sheet]
    parts = []
    bounds = [0, *starts, len(rows)]
    for top, end in zip(bounds, bounds[1:], strict=False):
        merged = [
            (r0 - top, c0, r1 - top, c1)
            for r0, c0, r1, c1 in getattr(sheet, "merged", []) or []
            if top <= r0 and r1 < end
        ]
        first_row = getattr(sheet, "first_row", 0) + top
        parts.append(replace(sheet, rows=rows[top:end], merged=merged, first_row=first_row))
    return parts


def _table_starts(rows: list[list[object]], header_index: int, min_fields: int) -> list[int]:
    starts, current = [], _signature(rows[header_index])
    for index in range(header_index + 2, len(rows)):
        if not _may_open_a_header(rows[index]):
            continue
        signature = _signature(rows[index])
        fields = {f for f in signature if f and f != "seq"}
        if "name" not in fields or len(fields) < min_fields or signature == current:
            continue  # not a header, or the same header again (a page break)
        starts.append(_title_top(rows, index, starts[-1] if starts else header_index))
        current = signature
    return starts


def _may_open_a_header(row: list[object]) -> bool:
    """A row whose first cell is a header word (序号, 姓名, 所在党支部 …): the only rows worth
    mapping cell by cell. One look per row keeps a 100,000-row sheet quick."""
    for value in row:
        if value is None or value == "":
            continue
        return isinstance(value, str) and value.strip() in _HEADER_WORDS
    return False


def _signature(row: list[object]) -> tuple:
    """Which field each column of a header row names."""
    return tuple(map_header(cell) for cell in row)


def _title_top(rows: list[list[object]], index: int, floor: int) -> int:
    """The new table's first row: its header, with the heading and blank rows right above it
    (二、返乡流动党员) that belong to it rather than to the members above."""
    top = index
    while top - 1 > floor and _few_cells(rows[top - 1]):
        top -= 1
    return top


def _few_cells(row: list[object]) -> bool:
    present = [v for v in row if v is not None and clean_text(v) != ""]
    return len(present) <= 1
