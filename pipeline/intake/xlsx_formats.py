"""Which xlsx cells show more decimals than their stored number: `2023.10` typed into a cell
formatted `0.00` is stored as 2023.1, but the analyst sees (and meant) October.

Pure functions over the workbook's small parts (styles.xml, workbook.xml and its rels); the
sheets themselves are matched while `cell_guard` streams them anyway, so no sheet is read twice
(or parsed once, with their error cells, by `seen.marked_cells` in the contained reader).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO

# Built-in number formats showing two decimals: 2 = 0.00, 4 = #,##0.00
_BUILTIN_PLACES = {2: 2, 4: 2}
_NUM_FMT = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*?\bnumFmtId="(\d+)"[^>]*?\bformatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)/?>")
_XF_FMT = re.compile(rb'\bnumFmtId="(\d+)"')
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
# A fixed-decimal code (first section, padding and colours removed): 0.00, #,##0.00, 0.00_
_FIXED = re.compile(r"^#?,?#*0\.(0{2,})$")


def decimal_places(code: str) -> int | None:
    first = code.split(";")[0]
    first = re.sub(r'\[[^\]]*\]|_.|\\.|"[^"]*"|\s', "", first.replace("&quot;", '"'))
    found = _FIXED.match(first)
    return len(found.group(1)) if found else None


def decimal_styles(styles_xml: bytes) -> dict[int, int]:
    """cell style index (the `s` of a cell) → decimals shown, for fixed formats of 2+ decimals."""
    custom = {}
    for fmt_id, code in _NUM_FMT.findall(styles_xml):
        places = decimal_places(code.decode("utf-8", "replace"))
        if places:
            custom[int(fmt_id)] = places
    block = _CELL_XFS.search(styles_xml)
    if block is None:
        return {}
    out = {}
    for index, attrs in enumerate(_XF.findall(block.group(1))):
        found = _XF_FMT.search(attrs)
        fmt_id = int(found.group(1)) if found else 0
        places = custom.get(fmt_id) or _BUILTIN_PLACES.get(fmt_id)
        if places:
            out[index] = places
    return out


def sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """zip part name (xl/worksheets/sheet1.xml) → sheet name, from workbook.xml and its rels."""
    targets = {}
    for attrs in _REL.findall(rels_xml):
        found = dict(_ATTR.findall(attrs))
        target = found.get(b"Target", b"").decode("utf-8", "replace")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[found.get(b"Id", b"").decode()] = re.sub(r"/\./", "/", target)
    out = {}
    for attrs in _SHEET.findall(workbook_xml):
        found = {k.split(b":")[-1]: v for k, v in _ATTR.findall(attrs)}
        rid = found.get(b"id", b"").decode()
        if rid in targets and b"name" in found:
            out[targets[rid]] = _unescape(found[b"name"].decode("utf-8", "replace"))
    return out


def _unescape(text: str) -> str:
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def styled_cell_pattern(styles: dict[int, int]) -> re.Pattern | None:
    """Matches a plain cell tag whose style shows decimals: groups column, row, style."""
    if not styles:
        return None
    ids = "|".join(str(i) for i in sorted(styles))
    return re.compile(
        rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: [a-rt-z][\w:]*="[^"]*")* s="('
        + ids.encode()
        + rb')"'
    )


def show_decimals(rows: list[list[object]], cells: dict[tuple[int, int], int]) -> None:
    """A year.month number whose shown decimals name a month the stored number does not
    becomes the text the analyst sees: 2023.1 in a 0.00 cell shows 2023.10, October. (2021.3
    shows 2021.30, no month: the format only padded it, and the number keeps its value, as do
    numbers that are no year.month.) Modifies `rows` in place."""
    for (r, c), places in cells.items():
        if r < len(rows) and c < len(rows[r]):
            value = rows[r][c]
            if isinstance(value, float) and 1900 <= value < 2100 and not value.is_integer():
                shown = f"{value:.{places}f}"
                if 10 <= int(shown.split(".")[1]) <= 12:
                    rows[r][c] = shown


_REF = re.compile(r"([A-Z]{1,3})([0-9]+)$")


def place(tag: str, attrs: dict, at: dict) -> str:
    """Follow a sheet's start tags as calamine places cells: `at` holds the row and column of
    the last <row> or <c> opened (at its `r`, else after the previous one); returns the tag's
    local name (a namespace prefix dropped)."""
    local = tag.rsplit(":", 1)[-1]
    if local == "row":
        r = attrs.get("r", "")
        at["row"] = int(r) - 1 if r.isdigit() else at["row"] + 1
        at["col"] = -1
    elif local == "c":
        ref = _REF.match(attrs.get("r", ""))
        if ref:
            col = 0
            for letter in ref[1]:
                col = col * 26 + ord(letter) - 64
            at["row"], at["col"] = int(ref[2]) - 1, col - 1
        else:
            at["col"] += 1
    return local


_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_HEAD_LIMIT = 1 << 20  # <cols> comes before the cells; a head this long holds no more of it


_WORKBOOK, _RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"


def sheet_files(data: bytes) -> Iterator[tuple[str, Callable[[], IO[bytes]]]]:
    """Each worksheet's name and an opener of its XML part, in workbook order; nothing for a
    zip without the workbook's parts list."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        if not {_WORKBOOK, _RELS} <= names:
            return
        for part, sheet in sheet_parts(zf.read(_WORKBOOK), zf.read(_RELS)).items():
            if part in names:
                yield sheet, partial(zf.open, part)


def hidden_columns(data: bytes) -> dict[str, frozenset[int]]:
    """{sheet name: 0-based columns the analyst hid}, from each sheet's <cols>, which precedes
    its cells: only the head of each sheet part is inflated. A hidden column is what they chose
    not to see (last year's 联系状态 kept beside this year's)."""
    out = {}
    for sheet, opened in sheet_files(data):
        head = b""
        with opened() as fh:
            while len(head) < _HEAD_LIMIT and not _SHEET_DATA.search(head[-65600:]):
                block = fh.read(65536)
                if not block:
                    break
                head += block
        cut = _SHEET_DATA.search(head)
        cols: set[int] = set()
        for attrs in _COL.findall(head[: cut.start()] if cut else head):
            found = {k.split(b":")[-1]: v for k, v in _ATTR.findall(attrs)}
            low, high = found.get(b"min", b""), found.get(b"max", b"")
            if found.get(b"hidden") in (b"1", b"true") and low.isdigit() and high.isdigit():
                cols.update(range(max(int(low), 1) - 1, min(int(high), 16_384)))
        if cols:
            out[sheet] = frozenset(cols)
    return out
