"""The fix-list (问题清单): a township's own workbook handed back with its rejected rows marked.

The township corrects the marked cells and resubmits; the corrected file then replaces the
earlier version (spec §4). Rows are never inserted or deleted here, so every Excel row number
in the fix-list is the one the quarantine reports. The added 问题说明 column is an ordinary
unmapped column to ingestion: reported, never an error, so a township may leave it in.

Reading stays with calamine (`readers.read_sheets`, which also applies the file-safety
guards); openpyxl is used only to write.
"""

from __future__ import annotations

import io
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline import config
from pipeline.ingest.batch import file_hash
from pipeline.intake.readers import Sheet, read_sheets
from pipeline.parse.header_rows import find_header, is_subheader, map_columns
from pipeline.warehouse.store import connect_readonly

log = logging.getLogger(__name__)

REASON_HEADER = "问题说明"
REASON_SEPARATOR = "；"
# Excel's own "bad" style, so the marks read as errors to anyone used to Excel.
BAD_FILL = PatternFill(fill_type="solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
BAD_FONT_COLOR = "FF9C0006"
HEADER_FILL = PatternFill(fill_type="solid", start_color="FFFFEB9C", end_color="FFFFEB9C")
_HEADER_NOTE = (
    "本列由系统生成：标红的行未能入库，请按说明改正后重新上报。"
    "改正后本列可删除，也可保留（系统不读取本列）。"
)
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class FixlistError(Exception):
    """A fix-list that cannot be made; the message is Chinese and meant for the analyst."""


@dataclass(frozen=True)
class Problem:
    sheet: str
    excel_row: int
    field: str | None
    column_label: str | None
    reason: str


# ------------------------------------------------------------------------------ pure planning


@dataclass(frozen=True)
class SheetPlan:
    """Where the marks go in one sheet: 1-based Excel coordinates."""

    header_row: int | None  # None: no header found, marks cover whole rows
    header_rows: int  # 1, or 2 under a two-level header
    reason_col: int
    cells: dict[int, set[int]]  # excel_row → columns to highlight (empty set: the whole row)
    reasons: dict[int, str]  # excel_row → 问题说明 text


def column_index(sheet: Sheet) -> tuple[int | None, int, dict[str, int]]:
    """(header Excel row, header depth, column label → 1-based column) as ingestion labels them.

    Labels come from `header_rows.map_columns`, so they match the quarantine's column_label exactly,
    two-level headers included ("流入地/省"). A label that names two columns maps to neither.
    """
    index = find_header(sheet.rows)
    if index is None:
        return None, 1, {}
    rows = sheet.rows
    sub = rows[index + 1] if index + 1 < len(rows) and is_subheader(rows[index + 1]) else None
    mapping = map_columns(rows[index], sub, list(sheet.merged), index)
    seen: dict[str, int | None] = {}
    for c, (label, _field) in enumerate(mapping, start=1):
        if label:
            seen[label] = None if label in seen else c
    labels = {label: c for label, c in seen.items() if c is not None}
    return index + sheet.first_row + 1, 2 if sub is not None else 1, labels


def used_width(sheet: Sheet) -> int:
    """Columns up to the last one holding anything (calamine pads rows to the used range)."""
    width = 0
    for row in sheet.rows:
        for c in range(len(row) - 1, width - 1, -1):
            if row[c] is not None and row[c] != "":
                width = c + 1
                break
    return width


def plan_sheet(sheet: Sheet, problems: list[Problem]) -> SheetPlan:
    header_row, depth, labels = column_index(sheet)
    cells: dict[int, set[int]] = defaultdict(set)
    whole_row: set[int] = set()
    reasons: dict[int, list[str]] = defaultdict(list)

    # Reasons read left to right like the row itself; problems without a column come last.
    def position(p: Problem) -> tuple[int, int]:
        return p.excel_row, labels.get(p.column_label or "", 1 << 20)

    for p in sorted(problems, key=position):
        column = labels.get(p.column_label or "")
        if column is None:
            whole_row.add(p.excel_row)
        else:
            cells[p.excel_row].add(column)
        text = _with_column(p)
        if text not in reasons[p.excel_row]:
            reasons[p.excel_row].append(text)
    for row in whole_row:
        cells[row] = set()
    return SheetPlan(
        header_row=header_row,
        header_rows=depth,
        reason_col=used_width(sheet) + 1,
        cells=dict(cells),
        reasons={row: REASON_SEPARATOR.join(texts) for row, texts in reasons.items()},
    )


def _with_column(p: Problem) -> str:
    """'日期2031-05-01晚于普查时间' names no column; with several reasons on a row it must."""
    label = p.column_label
    if not label or label.split("/")[-1] in p.reason or label in p.reason:
        return p.reason
    return f"{label}：{p.reason}"


# ------------------------------------------------------------------------------ warehouse


def load_problems(db_path: Path | str, file_hash_or_name: str) -> tuple[str, str, list[Problem]]:
    """(file_hash, file_name, problems) for one ingested file.

    A name resolves to its most recently loaded version: a township that resubmitted under the
    same name wants the fix-list of what it sent last.
    """
    con = connect_readonly(db_path)
    try:
        key = file_hash_or_name.strip()
        found = None
        if _HEX64.match(key.lower()):
            found = con.execute(
                "select file_hash, file_name from source_files where file_hash = ?", [key.lower()]
            ).fetchone()
        if found is None:
            found = con.execute(
                "select file_hash, file_name from source_files where file_name = ? "
                "order by loaded_at desc limit 1",
                [key],
            ).fetchone()
        if found is None:
            raise FixlistError(f"数据库中没有这个文件的入库记录：{file_hash_or_name}")
        rows = con.execute(
            "select sheet, excel_row, field, column_label, reason from quarantine "
            "where file_hash = ? order by sheet, excel_row, field",
            [found[0]],
        ).fetchall()
    finally:
        con.close()
    return found[0], found[1], [Problem(*row) for row in rows]


# ------------------------------------------------------------------------------ writing


def build_fixlist(db_path: Path | str, file_hash_or_name: str, raw_path: Path | str) -> bytes:
    """The original workbook as .xlsx with bad cells highlighted and a 问题说明 column.

    `raw_path` must hold the very bytes that were ingested: the row numbers in the quarantine
    belong to that version and no other.
    """
    raw_path = Path(raw_path)
    digest, _name, problems = load_problems(db_path, file_hash_or_name)
    if file_hash(raw_path.read_bytes()) != digest:
        raise FixlistError(
            "原始文件与入库记录不一致（文件已被修改或不是同一版本），无法生成问题清单"
        )
    sheets = read_sheets(raw_path)  # the file-safety guards run before openpyxl sees the bytes
    book, titles = _open_for_writing(raw_path, sheets)
    by_sheet: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        by_sheet[p.sheet].append(p)
    for sheet in sheets:
        if sheet.name not in by_sheet:
            continue
        ws = book[titles[sheet.name]]
        _apply(ws, plan_sheet(sheet, by_sheet[sheet.name]), width=used_width(sheet))
        _activate(book, ws)
    unknown = set(by_sheet) - {s.name for s in sheets}
    if unknown:
        log.warning("quarantine names sheets missing from the workbook: %d", len(unknown))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def find_raw(digest: str, file_name: str, raw_dir: Path | str | None = None) -> Path | None:
    """The file under data/raw holding exactly these bytes, or None.

    Uploads are stored under their own name or a numbered variant (`store_upload`), so files
    sharing the stem are hashed first and the rest of the folder only if none matches.
    """
    raw_dir = Path(raw_dir or config.raw_dir())
    if not raw_dir.is_dir():
        return None
    stem = Path(file_name).stem
    files = [p for p in raw_dir.rglob("*") if p.is_file() and not p.name.startswith((".", "~$"))]
    files.sort(key=lambda p: (p.name != file_name, not p.stem.startswith(stem), p.name))
    for path in files:
        try:
            if file_hash(path.read_bytes()) == digest:
                return path
        except OSError:
            continue
    return None


def fixlist_for(
    db_path: Path | str, file_hash_or_name: str, raw_dir: Path | str | None = None
) -> tuple[str, bytes]:
    """(download name, .xlsx bytes) for an ingested file, finding its original in data/raw."""
    digest, name, _problems = load_problems(db_path, file_hash_or_name)
    raw = find_raw(digest, name, raw_dir)
    if raw is None:
        raise FixlistError(
            f"在原始文件夹中找不到“{name}”的原件（可能已被移走或改动），无法生成问题清单"
        )
    return fixlist_name(name), build_fixlist(db_path, digest, raw)


def fixlist_name(file_name: str) -> str:
    """Download name: keeps the original stem, whose township and wave hints ingestion reads."""
    return f"{Path(file_name).stem}_问题清单.xlsx"


def _open_for_writing(raw_path: Path, sheets: list[Sheet]):
    """(workbook, reader sheet name → worksheet title). The original workbook when openpyxl can
    open it, keeping its styles, widths and merges; otherwise a copy rebuilt from the rows."""
    if raw_path.suffix.lower() in {".xlsx", ".xlsm"}:
        try:
            book = openpyxl.load_workbook(raw_path)
            if all(s.name in book.sheetnames for s in sheets):
                return book, {s.name: s.name for s in sheets}
        except Exception as exc:  # noqa: BLE001 — a workbook openpyxl dislikes is rebuilt instead
            log.info(
                "openpyxl could not open %s (%s); rebuilding", raw_path.name, type(exc).__name__
            )
    return _rebuild(sheets)


def _rebuild(sheets: list[Sheet]):
    book = openpyxl.Workbook()
    book.remove(book.active)
    titles: dict[str, str] = {}
    for sheet in sheets:
        title = _sheet_title(sheet.name, set(titles.values()))
        titles[sheet.name] = title
        ws = book.create_sheet(title)
        for r, row in enumerate(sheet.rows, start=sheet.first_row + 1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c, value=_cell_value(value))
                if isinstance(value, datetime):
                    cell.number_format = (
                        "yyyy-mm-dd hh:mm" if value.time() != time() else "yyyy-mm-dd"
                    )
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(value, str):
                    cell.number_format = "@"  # keep ID and phone numbers as typed
                    _as_text(cell)
        for r0, c0, r1, c1 in sheet.merged:
            ws.merge_cells(
                start_row=r0 + sheet.first_row + 1,
                start_column=c0 + 1,
                end_row=r1 + sheet.first_row + 1,
                end_column=c1 + 1,
            )
        width = used_width(sheet)
        for c in range(1, width + 1):
            ws.column_dimensions[get_column_letter(c)].width = 14
    return book, titles


def _as_text(cell) -> None:
    """openpyxl stores any string starting with '=' as a live formula (HYPERLINK, DDE, …): a
    township's cell goes back as the text it was, never as something Excel runs."""
    if cell.data_type == "f":
        cell.data_type = "s"


def _cell_value(value: object) -> object:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # calamine reads every number as float; 序号 1.0 should stay 1
    if isinstance(value, timedelta):
        return str(value)
    return value


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_TITLE_BAD.sub("_", name).strip("'")[:31] or "Sheet"
    title, n = base, 1
    while title in taken:
        n += 1
        title = f"{base[:28]}_{n}"
    return title


def _apply(ws, plan: SheetPlan, *, width: int) -> None:
    col = plan.reason_col
    letter = get_column_letter(col)
    if plan.header_row is not None:
        head = ws.cell(row=plan.header_row, column=col, value=REASON_HEADER)
        head.fill = HEADER_FILL
        head.font = Font(bold=True, color=BAD_FONT_COLOR)
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.comment = Comment(_HEADER_NOTE, "普查数据系统", width=300, height=90)
        if plan.header_rows == 2:
            ws.merge_cells(
                start_row=plan.header_row,
                start_column=col,
                end_row=plan.header_row + 1,
                end_column=col,
            )
    ws.column_dimensions[letter].width = 48
    for row, columns in plan.cells.items():
        targets = columns or range(1, width + 1)
        for c in targets:
            _mark(ws.cell(row=row, column=c))
        note = ws.cell(row=row, column=col, value=plan.reasons.get(row, ""))
        _as_text(note)
        _mark(note)
        note.alignment = Alignment(wrap_text=True, vertical="center")


def _activate(book, ws) -> None:
    """Open on a marked sheet: the township should land on its problems, not on a summary."""
    for other in book.worksheets:
        other.sheet_view.tabSelected = other is ws
    book.active = book.worksheets.index(ws)


def _mark(cell) -> None:
    cell.fill = BAD_FILL
    font = cell.font
    cell.font = Font(
        name=font.name, size=font.size, bold=font.bold, italic=font.italic, color=BAD_FONT_COLOR
    )
