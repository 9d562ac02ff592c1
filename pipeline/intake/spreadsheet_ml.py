"""Excel 2003's XML Spreadsheet (SpreadsheetML), as older systems "export to Excel": a `.xls`
that is XML text (`<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">`).

Excel and WPS open such a file as a workbook, so townships send it as one. Each <Worksheet> is a
sheet: its rows and cells placed as Excel places them (`ss:Index` skips ahead), merged cells
from `ss:MergeAcross`/`ss:MergeDown`, hidden sheets and columns as the analyst hid them, and
every value typed as calamine types a workbook's (String → text, Number → float, DateTime →
datetime, a failed formula → its error text). Parsed with the standard library's expat, which
resolves no external entity; a document type declaration is refused outright, and the cells
are placed sparsely and bounded (`config.MAX_SHEET_CELLS`) before any grid is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from xml.parsers import expat

from pipeline import config
from pipeline.intake.error_cells import FORMULA_ERRORS
from pipeline.intake.sniff import BAD_ENCODING, CORRUPT, FileRejected

SPREADSHEET_ML = "urn:schemas-microsoft-com:office:spreadsheet"
_EXCEL = "urn:schemas-microsoft-com:office:excel"
_SEP = "\x1f"  # expat joins a namespace and a local name with this
MAX_SHEETS = 1_000  # a county workbook has a sheet per township or branch: hundreds at most
TOO_MANY_SHEETS = (
    f"工作表过多（超过 {MAX_SHEETS:,} 个），为安全起见未读取；请按乡镇拆分成几个文件后再上传"
)
TOO_LARGE = (
    "表格范围过大：“{sheet}”延伸到第 {rows:,} 行、第 {cols:,} 列（上限合计 {limit:,} 个单元格），"
    "为安全起见未读取；请用 Excel 打开后另存为 .xlsx，检查后再上传"
)


@dataclass
class _Sheet:
    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden: bool = False
    hidden_spans: list[tuple[int, int]] = field(default_factory=list)  # (first, last) columns
    height: int = 0
    width: int = 0


class _Reader:
    """expat handlers: where the parse is (sheet, row, column, inside which element)."""

    def __init__(self) -> None:
        self.sheets: list[_Sheet] = []
        self.sheet: _Sheet | None = None
        self.row = -1
        self.col = -1
        self.next_col = 0  # where a <Column> without ss:Index goes
        self.cell_col = 0  # the current cell's own column (a merged cell spans to self.col)
        self.data_type: str | None = None  # inside a cell's <Data>: its ss:Type
        self.text: list[str] = []
        self.in_comment = 0
        self.in_visible = False
        self.in_cell = False
        self.total = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        space, _, local = tag.rpartition(_SEP)
        ss = {k.rpartition(_SEP)[2]: v for k, v in attrs.items()}
        if local == "Worksheet" and space == SPREADSHEET_ML:
            if len(self.sheets) >= MAX_SHEETS:
                raise FileRejected(TOO_MANY_SHEETS)
            self.sheet = _Sheet(ss.get("Name") or f"工作表{len(self.sheets) + 1}")
            self.sheets.append(self.sheet)
            self.row, self.next_col = -1, 0
        elif self.sheet is None:
            return
        elif local == "Column" and space == SPREADSHEET_ML:
            at = _index(ss.get("Index"), self.next_col)
            span = _count(ss.get("Span"))
            if ss.get("Hidden") in ("1", "true") and at < 16_384:
                # a span, not its columns: a sheet may repeat a 16,384-column span at will
                self.sheet.hidden_spans.append((at, min(at + span, 16_383)))
            self.next_col = at + span + 1
        elif local == "Row" and space == SPREADSHEET_ML:
            self.row = _index(ss.get("Index"), self.row + 1)
            self.col = -1
        elif local == "Cell" and space == SPREADSHEET_ML:
            self.row = max(self.row, 0)  # a cell outside any <Row> is in the first
            self.cell_col = self.col = _index(ss.get("Index"), self.col + 1)
            across, down = _count(ss.get("MergeAcross")), _count(ss.get("MergeDown"))
            self._grow(self.row + down, self.col + across)
            if across or down:
                self.sheet.merged.append((self.row, self.col, self.row + down, self.col + across))
            self.col += across  # the next cell follows the merged area
            self.in_cell = True
        elif local == "Comment":
            self.in_comment += 1
        elif local == "Data" and space == SPREADSHEET_ML and self.in_cell and not self.in_comment:
            self.data_type = ss.get("Type", "String")
            self.text = []
        elif local == "Visible" and space == _EXCEL:
            self.in_visible, self.text = True, []

    def end(self, tag: str) -> None:
        space, _, local = tag.rpartition(_SEP)
        if local == "Comment":
            self.in_comment = max(0, self.in_comment - 1)
        elif local == "Cell" and space == SPREADSHEET_ML:
            self.in_cell = False
        elif local == "Data" and space == SPREADSHEET_ML and self.data_type is not None:
            value = _typed(self.data_type, "".join(self.text))
            if value != "":
                self.sheet.cells[(self.row, self.cell_col)] = value
            self.data_type = None
        elif local == "Visible" and space == _EXCEL and self.in_visible:
            self.in_visible = False
            if "".join(self.text).strip() in ("SheetHidden", "SheetVeryHidden"):
                self.sheet.hidden = True
        elif local == "Worksheet" and space == SPREADSHEET_ML:
            self.sheet = None

    def chars(self, data: str) -> None:
        if self.data_type is not None or self.in_visible:
            self.text.append(data)

    def _grow(self, row: int, col: int) -> None:
        sheet = self.sheet
        height, width = max(sheet.height, row + 1), max(sheet.width, col + 1)
        if height != sheet.height or width != sheet.width:
            self.total += height * width - sheet.height * sheet.width
            if height * width > config.MAX_SHEET_CELLS or self.total > config.MAX_SHEET_CELLS:
                raise FileRejected(
                    TOO_LARGE.format(
                        sheet=sheet.name, rows=height, cols=width, limit=config.MAX_SHEET_CELLS
                    )
                )
            sheet.height, sheet.width = height, width


def _hidden(sheet: _Sheet) -> frozenset[int]:
    """The hidden columns within the sheet's width, from spans merged first: as many spans as a
    sheet repeats cost their sorting, never a column each."""
    cols: set[int] = set()
    reach = -1
    for first, last in sorted(sheet.hidden_spans):
        last = min(last, sheet.width - 1)
        first = max(first, reach + 1)
        if first <= last:
            cols.update(range(first, last + 1))
        reach = max(reach, last)
    return frozenset(cols)


def _index(text: str | None, default: int) -> int:
    """A 1-based ss:Index as a 0-based position; the next position when absent or odd."""
    if text is not None and text.strip().isdigit() and int(text) >= 1:
        return int(text) - 1
    return default


def _count(text: str | None) -> int:
    return int(text) if text is not None and text.strip().isdigit() else 0


def _typed(kind: str, text: str) -> object:
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text.strip()
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(text.strip()[:19])
        except ValueError:
            return text.strip()
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    if kind == "Error":
        return text.strip() if text.strip() in FORMULA_ERRORS else ""
    return text


def _refuse_doctype(*_args) -> None:
    raise FileRejected(CORRUPT)  # no DTD: no entity of any kind, internal or external


def read_spreadsheet_ml(data: bytes) -> list[tuple[str, list[list[object]], list, bool, frozenset]]:
    """(name, rows, merged, hidden, hidden columns) for each worksheet, in workbook order."""
    try:
        reader = _parsed(data)
    except (expat.ExpatError, ValueError):
        declared = _DECLARED.search(data[:200])
        if declared is None:
            raise FileRejected(CORRUPT) from None
        try:
            reader = _parsed(_decoded(data, declared.group(1).decode("ascii").lower()))
        except (expat.ExpatError, ValueError):
            raise FileRejected(CORRUPT) from None
    out = []
    for sheet in reader.sheets:
        if sheet.hidden:
            out.append((sheet.name, [], [], True, frozenset()))
            continue
        rows = [[""] * sheet.width for _ in range(sheet.height)]
        for (r, c), value in sheet.cells.items():
            rows[r][c] = value
        out.append((sheet.name, rows, sorted(sheet.merged), False, _hidden(sheet)))
    return out


_DECLARED = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([\w-]+)["']""")


def _parsed(source: bytes | str) -> _Reader:
    reader = _Reader()
    parser = expat.ParserCreate(namespace_separator=_SEP)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.chars
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.Parse(source, True)
    return reader


def _decoded(data: bytes, encoding: str) -> str:
    """A document declaring an encoding expat lacks (GB2312, GBK): decoded here, its
    declaration dropped, parsed as text."""
    encoding = "gb18030" if encoding in ("gb2312", "gbk", "x-gbk") else encoding
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise FileRejected(BAD_ENCODING) from None
    return _DECLARATION.sub("", text, count=1)


_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
