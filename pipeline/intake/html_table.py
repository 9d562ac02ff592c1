"""A web page holding a table, as government systems "export to Excel": an HTML file named .xls.

Excel opens such a file as a sheet, so analysts send it as one. Each outermost <table> is read
as a sheet (工作表1, 工作表2 …): its rows and cells with their colspan/rowspan as merged cells,
every value as the text shown (an ID number keeps its 18 characters, as in a CSV). Nothing is
fetched or run: the standard library's HTML tokenizer only.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from pipeline import config
from pipeline.intake.sniff import BAD_ENCODING, FileRejected, decode_text

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_SPACES = re.compile(r"[ \t\r\n\f]+")
# A span beyond any register (Excel's own limits) is a hostile page, not a census.
_MAX_COLSPAN, _MAX_ROWSPAN = 16_384, 65_536
_MAX_HTML_CELLS = 2_000_000  # a page's spans multiply its few bytes: far above any register
TOO_LARGE = (
    "网页表格范围过大（合并单元格或行列数超过 {limit:,} 个单元格），为安全起见未读取；"
    "请用 Excel 打开后另存为 .xlsx，检查后再上传"
)


def decode_page(data: bytes) -> str:
    """The page's text: its declared charset (gb2312 and gbk read as GB18030), else sniffed."""
    declared = _CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "replace").lower()
        name = "gb18030" if name in ("gb2312", "gbk", "x-gbk") else name
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    decoded = decode_text(data)
    if decoded is None:
        raise FileRejected(BAD_ENCODING)
    return decoded[0]


class _Tables(HTMLParser):
    """Outermost tables as lists of rows of (text, colspan, rowspan); a nested table's text
    joins the cell holding it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self.depth = 0
        self.cell: list[str] | None = None
        self.spans = (1, 1)
        self.skip = 0  # inside <script>/<style>: no cell text
        self.count = 0  # cells read: bounded while parsing, before any grid is built

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.tables.append([])
        elif self.depth != 1:
            if tag == "br" and self.cell is not None:
                self.cell.append("\n")
        elif tag == "tr":
            self._close_cell()
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._close_cell()
            if not self.tables[-1]:
                self.tables[-1].append([])
            found = dict(attrs)
            self.cell = []
            self.spans = (
                _span(found.get("colspan"), _MAX_COLSPAN),
                _span(found.get("rowspan"), _MAX_ROWSPAN),
            )
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag == "table":
            if self.depth == 1:
                self._close_cell()
            self.depth = max(0, self.depth - 1)
        elif self.depth == 1 and tag in ("td", "th", "tr"):
            self._close_cell()

    def handle_data(self, data):
        if self.cell is not None and not self.skip:
            self.cell.append(data)

    def _close_cell(self) -> None:
        if self.cell is not None:
            self.count += 1
            if self.count > _MAX_HTML_CELLS:
                raise FileRejected(TOO_LARGE.format(limit=_MAX_HTML_CELLS))
            lines = (_SPACES.sub(" ", line).strip() for line in "".join(self.cell).split("\n"))
            self.tables[-1][-1].append(("\n".join(line for line in lines if line), *self.spans))
            self.cell = None


def _span(value: str | None, limit: int) -> int:
    try:
        return min(max(int(str(value).strip()), 1), limit)
    except ValueError:
        return 1


def read_html(data: bytes) -> list[tuple[str, list[list[object]], list[tuple[int, int, int, int]]]]:
    """(sheet name, rows, merged ranges) per outermost table of the page."""
    parser = _Tables()
    parser.feed(decode_page(data))
    parser.close()
    if parser.tables and parser.tables[-1]:
        parser._close_cell()  # a page cut off inside its last cell
    return [
        (f"工作表{i}", *_grid(table)) for i, table in enumerate(parser.tables, start=1) if table
    ]


def _grid(table) -> tuple[list[list[object]], list[tuple[int, int, int, int]]]:
    """Rows placed as a browser places them: a cell goes to the first column no rowspan from
    above still holds, and its spans become merged ranges."""
    limit = min(config.MAX_SHEET_CELLS, _MAX_HTML_CELLS)
    taken: set[tuple[int, int]] = set()  # cells a rowspan from a row above holds
    placed: list[tuple[int, int, str]] = []
    merged, width, area = [], 0, 0
    for r, row in enumerate(table):
        c = 0
        for text, colspan, rowspan in row:
            while (r, c) in taken:
                c += 1
            area += colspan * rowspan
            if area > limit or (c + colspan) * (r + rowspan) > limit:
                raise FileRejected(TOO_LARGE.format(limit=limit))
            taken.update((r + dr, c + dc) for dr in range(1, rowspan) for dc in range(colspan))
            placed.append((r, c, text))
            if colspan > 1 or rowspan > 1:
                merged.append((r, c, r + rowspan - 1, c + colspan - 1))
            c += colspan
            width = max(width, c)
    height = max([len(table), *(r1 + 1 for _r0, _c0, r1, _c1 in merged)])
    if width * height > limit:
        raise FileRejected(TOO_LARGE.format(limit=limit))
    rows: list[list[object]] = [[""] * width for _ in range(height)]
    for r, c, text in placed:
        rows[r][c] = text
    return rows, sorted(merged)
