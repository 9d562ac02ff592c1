"""Turns a register (members + planted rows) into sheets of cells, then into files.

A `FileSpec` says how one township secretary lays out a register; `build_sheets`
follows it and records, for every planted row, the Excel row number an analyst
would see, so the demo manifest can point at it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
import xlwt

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class Col:
    header: str
    field: str
    group: str | None = None  # top header of a two-level header


@dataclass(frozen=True)
class ExcelDate:
    value: date
    num_format: str


@dataclass
class FileSpec:
    name: str
    township: str
    wave: str
    columns: list[Col]
    layout: str  # one line for the report
    fmt: str = "xlsx"  # xlsx | xls | csv-gb18030 | csv-utf-8-sig
    sheet: str = "Sheet1"
    title: str | None = None
    fill_row: str | None = None
    blank_after_title: bool = False
    per_branch: bool = False
    branch_title: str | None = None  # per-branch sheets: "{township}{branch}…"
    order: str = "branch"  # branch | shuffle
    merge_branch: bool = False
    block_gaps: bool = False
    total_row: bool = False
    notes: tuple[str, ...] = ()
    signature: str | list[str] | None = None
    summary: bool = False
    outflow_style: str = "iso"
    day_style: str = "iso"
    birth_style: str = "iso_month"
    yes_no: tuple[str, str] = ("是", "否")
    cert_yes_no: tuple[str, str] | None = None
    phone_numeric: bool = False
    dest: str = "full"  # full | free | split (province / city / county columns)
    fullwidth_every: int = 0
    lost_words: tuple[str, ...] = ("失联",)
    bad: tuple[str, ...] = ()
    vocab_field: str = "status"
    vocab_word: str = "待核实"
    warn: tuple[str, ...] = ()
    # The township's last N branches did not submit this wave (register and summary sheet).
    missing_branches: int = 0

    @property
    def fields(self) -> set[str]:
        return {c.field for c in self.columns}

    def header_of(self, fld: str) -> str:
        return next(c.header for c in self.columns if c.field == fld).strip()


@dataclass
class Row:
    member: Any  # demo.Member
    raw: dict[str, Any] = field(default_factory=dict)  # cells that bypass formatting
    plant: dict | None = None  # why the row should be quarantined (or warned about)
    where: tuple[str, int] | None = None  # (sheet, Excel row), set by build_sheets
    cells: dict[str, Any] = field(default_factory=dict)  # field → cell as written


@dataclass
class SheetData:
    name: str
    rows: list[list[Any]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    header_rows: set[int] = field(default_factory=set)


MONTH_STYLES = {"dot_month", "dot_month_np", "cn_month", "iso_month", "excel_cn"}


def fmt_date(d: date | None, style: str) -> Any:
    if d is None:
        return None
    return {
        "dot_month": lambda: f"{d.year}.{d.month:02d}",
        "dot_month_np": lambda: f"{d.year}.{d.month}",
        "cn_month": lambda: f"{d.year}年{d.month}月",
        "iso_month": lambda: f"{d:%Y-%m}",
        "compact": lambda: f"{d:%Y%m%d}",
        "compact_num": lambda: int(f"{d:%Y%m%d}"),
        "slash": lambda: f"{d.year}/{d.month}/{d.day}",
        "iso": lambda: d.isoformat(),
        "excel": lambda: ExcelDate(d, "yyyy-mm-dd"),
        "excel_cn": lambda: ExcelDate(d, 'yyyy"年"m"月"'),
    }[style]()


def _cell(spec: FileSpec, row: Row, fld: str, seq: int) -> Any:
    if fld in row.raw:
        return row.raw[fld]
    m = row.member
    yes, no = spec.yes_no
    place = m.place
    value: Any
    match fld:
        case "seq":
            return seq
        case "name" | "gender" | "branch" | "occupation" | "inflow_org" | "enterprise":
            value = getattr(m, fld)
        case "id":
            value = m.id_number
        case "township":
            value = spec.township
        case "birth":
            value = fmt_date(m.birth, spec.birth_style)
        case "outflow":
            value = fmt_date(m.outflow, spec.outflow_style)
        case "last_contact" | "return_date":
            value = fmt_date(getattr(m, fld), spec.day_style)
        case "dues":
            value = fmt_date(m.dues, "dot_month")
        case "dest":
            value = (
                ""
                if place is None
                else (
                    place.free[seq % len(place.free)]
                    if spec.dest == "free" and place.free
                    else place.full
                )
            )
        case "dest_province" | "dest_city" | "dest_county":
            value = "" if place is None else getattr(place, fld.removeprefix("dest_"))
        case "scope":
            value = "" if place is None else place.scope
        case "phone":
            value = int(m.phone) if spec.phone_numeric and m.phone.isdigit() else m.phone
        case "status":
            value = spec.lost_words[seq % len(spec.lost_words)] if m.lost else "正常"
        case "certificate":
            value = (spec.cert_yes_no or spec.yes_no)[0 if m.certificate else 1]
        case "returned":
            value = yes if m.returned else no
        case "industry":
            value = m.industry
        case "jobs":
            value = m.jobs
        case "remark":
            value = m.remark
        case _:
            raise KeyError(fld)
    if (
        isinstance(value, str)
        and spec.fullwidth_every
        and fld in {"outflow", "return_date"}
        and seq % spec.fullwidth_every == 0
    ):
        value = value.translate(FULL_WIDTH)
    return value


def _emit_header(sheet: SheetData, cols: list[Col]) -> None:
    top = len(sheet.rows)
    grouped = any(c.group for c in cols)
    if not grouped:
        sheet.rows.append([c.header for c in cols])
        sheet.header_rows.add(top)
        return
    upper: list[Any] = [None] * len(cols)
    lower: list[Any] = [None] * len(cols)
    i = 0
    while i < len(cols):
        group = cols[i].group
        if group is None:
            upper[i] = cols[i].header
            sheet.merges.append((top, i, top + 1, i))
            i += 1
            continue
        j = i
        while j < len(cols) and cols[j].group == group:
            lower[j] = cols[j].header
            j += 1
        upper[i] = group
        sheet.merges.append((top, i, top, j - 1))
        i = j
    sheet.rows += [upper, lower]
    sheet.header_rows |= {top, top + 1}


def _banner(sheet: SheetData, text: str, width: int) -> None:
    r = len(sheet.rows)
    sheet.rows.append([text] + [None] * (width - 1))
    sheet.merges.append((r, 0, r, width - 1))


def _one_sheet(
    spec: FileSpec, name: str, cols: list[Col], rows: list[Row], title: str | None
) -> SheetData:
    sheet = SheetData(name)
    width = len(cols)
    if title:
        _banner(sheet, title, width)
    if spec.fill_row:
        _banner(sheet, spec.fill_row, width)
    if spec.blank_after_title:
        sheet.rows.append([None] * width)
    _emit_header(sheet, cols)
    branch_col = next((i for i, c in enumerate(cols) if c.field == "branch"), None)
    run_start = None
    for seq, row in enumerate(rows, start=1):
        prev = rows[seq - 2].member.branch if seq > 1 else None
        new_block = row.member.branch != prev
        if spec.block_gaps and new_block and seq > 1:
            sheet.rows.append([None] * width)
        cells = [_cell(spec, row, c.field, seq) for c in cols]
        r = len(sheet.rows)
        if spec.merge_branch and branch_col is not None:
            if new_block or run_start is None:
                run_start = r
            else:
                cells[branch_col] = None
                sheet.merges = [mg for mg in sheet.merges if mg[:2] != (run_start, branch_col)]
                sheet.merges.append((run_start, branch_col, r, branch_col))
        sheet.rows.append(cells)
        row.where = (name, r + 1)
        row.cells = {c.field: v for c, v in zip(cols, cells, strict=True)}
        if row.plant is not None:
            row.plant.update(sheet=name, excel_row=r + 1)
    if spec.total_row:
        sheet.rows.append(["合计", f"{len(rows)}人"] + [None] * (width - 2))
    if spec.notes or spec.signature:
        sheet.rows.append([None] * width)
    for note in spec.notes:
        _banner(sheet, note, width)
    if isinstance(spec.signature, str):
        sheet.rows.append([spec.signature] + [None] * (width - 1))
    elif spec.signature:
        sheet.rows.append(list(spec.signature) + [None] * (width - len(spec.signature)))
    return sheet


def build_sheets(spec: FileSpec, rows: list[Row], totals: dict[str, int] | None) -> list[SheetData]:
    if not spec.per_branch:
        sheets = [_one_sheet(spec, spec.sheet, spec.columns, rows, spec.title)]
    else:
        cols = [c for c in spec.columns if c.field != "branch"]
        sheets = []
        for branch in dict.fromkeys(r.member.branch for r in rows):
            block = [r for r in rows if r.member.branch == branch]
            title = (
                spec.branch_title.format(township=spec.township, branch=branch)
                if spec.branch_title
                else None
            )
            sheets.append(_one_sheet(spec, branch, cols, block, title))
    if spec.summary and totals is not None:
        summary = SheetData("支部情况", [["支部名称", "党员总数"]], header_rows={0})
        summary.rows += [[b, n] for b, n in totals.items()]
        summary.rows.append(["合计", sum(totals.values())])
        sheets.append(summary)
    return sheets


# ---------------------------------------------------------------- writers


def write_xlsx(path: Path, sheets: list[SheetData], created: datetime) -> None:
    wb = xlsxwriter.Workbook(str(path))
    # A fixed creation time keeps the bytes identical from run to run.
    wb.set_properties({"created": created, "author": "乡镇党委组织办"})
    title = wb.add_format({"bold": True, "align": "center", "valign": "vcenter"})
    header = wb.add_format(
        {"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True}
    )
    body = wb.add_format({"valign": "vcenter"})
    date_fmts: dict[str, Any] = {}
    for sh in sheets:
        ws = wb.add_worksheet(sh.name)
        ws.set_column(0, 40, 12)
        covered = {
            (r, c)
            for r1, c1, r2, c2 in sh.merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
        }
        for r1, c1, r2, c2 in sh.merges:
            value = sh.rows[r1][c1]
            fmt = header if r1 in sh.header_rows else (title if r1 < 2 and c2 > c1 else body)
            ws.merge_range(r1, c1, r2, c2, "" if value is None else value, fmt)
        for r, cells in enumerate(sh.rows):
            for c, value in enumerate(cells):
                if value is None or (r, c) in covered:
                    continue
                if isinstance(value, ExcelDate):
                    if value.num_format not in date_fmts:
                        date_fmts[value.num_format] = wb.add_format(
                            {"num_format": value.num_format}
                        )
                    ws.write_datetime(
                        r,
                        c,
                        datetime.combine(value.value, datetime.min.time()),
                        date_fmts[value.num_format],
                    )
                elif isinstance(value, str):
                    ws.write_string(r, c, value, header if r in sh.header_rows else None)
                else:
                    ws.write_number(r, c, value)
    wb.close()


def write_xls(path: Path, sheets: list[SheetData]) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    date_styles: dict[str, xlwt.XFStyle] = {}
    for sh in sheets:
        ws = wb.add_sheet(sh.name)
        covered = {
            (r, c)
            for r1, c1, r2, c2 in sh.merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
        }
        for r1, c1, r2, c2 in sh.merges:
            value = sh.rows[r1][c1]
            ws.write_merge(r1, r2, c1, c2, "" if value is None else value)
        for r, cells in enumerate(sh.rows):
            for c, value in enumerate(cells):
                if value is None or (r, c) in covered:
                    continue
                if isinstance(value, ExcelDate):
                    if value.num_format not in date_styles:
                        date_styles[value.num_format] = xlwt.easyxf(num_format_str=value.num_format)
                    ws.write(r, c, value.value, date_styles[value.num_format])
                else:
                    ws.write(r, c, value)
    wb.save(str(path))


def write_csv(path: Path, sheet: SheetData, encoding: str) -> None:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    for cells in sheet.rows:
        if any(isinstance(v, ExcelDate) for v in cells):
            raise TypeError("a CSV cannot hold an Excel date cell")
        out.writerow(["" if v is None else v for v in cells])
    path.write_bytes(buf.getvalue().encode(encoding))


def write_file(path: Path, spec: FileSpec, sheets: list[SheetData], created: datetime) -> None:
    if spec.fmt == "xlsx":
        write_xlsx(path, sheets, created)
    elif spec.fmt == "xls":
        write_xls(path, sheets)
    else:
        write_csv(path, sheets[0], spec.fmt.removeprefix("csv-"))
