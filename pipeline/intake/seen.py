"""What the analyst saw that the cell values alone do not say: the month a 0.00 cell shows
(2023.10 stored as 2023.1) and the #N/A a failed formula shows, in the workbooks read in the
contained process (the guard's scan could not look at them: an xlsx it cannot place, a legacy
.xls), and the columns they hid in any xlsx or .xls. Each is a refinement: when it cannot be read, the cells calamine read stand as they are.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import zipfile
from xml.parsers import expat

from pipeline.intake.error_cells import FORMULA_ERRORS, show_errors
from pipeline.intake.xlsx_formats import (
    decimal_places,
    decimal_styles,
    hidden_columns,
    place,
    sheet_files,
    show_decimals,
)

log = logging.getLogger(__name__)


def marked_cells(data: bytes) -> tuple[dict, dict]:
    """({sheet: {(row, col): decimals}}, {sheet: {(row, col): "#N/A"}}) of an xlsx read in
    the child: the cells whose number format shows more decimals than stored (see
    `xlsx_formats`) and the cells whose formula failed (see `error_cells`), which the guard's
    scan finds in its own pass for the workbooks it can place. Here every sheet's XML is parsed
    in full, once for both, so the month a `0.00` cell shows and a `#N/A` do not depend on how
    the writer spelt its tags (a namespace prefix, cells or rows without `r`).

    Cells are placed as calamine places them (`xlsx_formats.place`). Run only in the contained
    reader, the child that may die alone. ({}, {}) for anything else or odd XML."""
    if not data.startswith(b"PK\x03\x04"):
        return {}, {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            styles = zf.read("xl/styles.xml") if "xl/styles.xml" in zf.namelist() else b""
        places = decimal_styles(styles) if styles else {}
        decimals, errors = {}, {}
        for sheet, opened in sheet_files(data):
            with opened() as fh:
                shown, failed = _marks(fh, places)
            if shown:
                decimals[sheet] = shown
            if failed:
                errors[sheet] = failed
        return decimals, errors
    except Exception:  # odd XML: calamine decides whether the file is readable at all
        log.info("number formats and error cells not read", exc_info=True)
        return {}, {}


def _marks(fh, places: dict[int, int]) -> tuple[dict, dict]:
    """One sheet's (decimals shown, error cells) in one expat pass."""
    shown: dict[tuple[int, int], int] = {}
    failed: dict[tuple[int, int], str] = {}
    at = {"row": -1, "col": -1, "error": False, "in_v": False}
    text: list[str] = []

    def start(tag: str, attrs: dict) -> None:
        local = place(tag, attrs, at)
        if local == "c":
            style = attrs.get("s", "")
            if style.isdigit() and int(style) in places:
                shown[(at["row"], at["col"])] = places[int(style)]
            at["error"] = attrs.get("t") == "e"
        elif local == "v" and at["error"]:
            at["in_v"] = True
            text.clear()

    def end(tag: str) -> None:
        if at["in_v"] and tag.rsplit(":", 1)[-1] == "v":
            at["in_v"] = False
            value = "".join(text).strip()
            if value in FORMULA_ERRORS:
                failed[(at["row"], at["col"])] = value

    def chars(data: str) -> None:
        if at["in_v"]:
            text.append(data)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.ParseFile(fh)
    return shown, failed


def hidden_cols(data: bytes) -> dict:
    """`xlsx_formats.hidden_columns` of an xlsx; {} for anything else or odd XML."""
    if not data.startswith(b"PK\x03\x04"):
        return {}
    try:
        return hidden_columns(data)
    except Exception:  # a refinement: without it every column is read, as before
        log.info("hidden columns not read", exc_info=True)
        return {}


def xls_shown_decimals(data: bytes, sheets: list) -> None:
    """The same for a legacy .xls (2023.10 typed into a 0.00 cell is stored 2023.1): calamine
    gives no number formats, so xlrd reads them, only when some cell could be such a month."""
    candidates = {
        sheet.name: [
            (r, c)
            for r, row in enumerate(sheet.rows)
            for c, value in enumerate(row)
            if isinstance(value, float) and 1900 <= value < 2100 and f"{value:.2f}"[-2:] == "10"
        ]
        for sheet in sheets
        if not sheet.hidden
    }
    if not any(candidates.values()):
        return
    try:
        book = _xls_book(data)
        for sheet in sheets:
            if not candidates.get(sheet.name):
                continue
            xls_sheet = book.sheet_by_name(sheet.name)
            cells = {}
            for r, c in candidates[sheet.name]:
                xf = book.xf_list[xls_sheet.cell_xf_index(r, c)]
                fmt = book.format_map.get(xf.format_key)
                places = decimal_places(fmt.format_str) if fmt is not None else None
                if places:
                    cells[(r, c)] = places
            show_decimals(sheet.rows, cells)
    except Exception:  # formats are a refinement: the cells calamine read stand
        log.info("xls number formats not read", exc_info=True)


_COLINFO = re.compile(rb"\x7d\x00\x0c\x00")  # BIFF8 COLINFO: 12 bytes, options at 8–9


def xls_hidden_cols(data: bytes, sheets: list) -> None:
    """The columns an analyst hid in a legacy .xls (last year's 联系状态 kept beside this
    year's), as `hidden_cols` gives them for an xlsx; through xlrd, only when the bytes hold a
    COLINFO record whose hidden bit is set."""
    if not any(len(data) > m.end() + 8 and data[m.end() + 8] & 1 for m in _COLINFO.finditer(data)):
        return
    try:
        book = _xls_book(data)
        for sheet in sheets:
            if sheet.hidden:
                continue
            info = book.sheet_by_name(sheet.name).colinfo_map
            cols = frozenset(c for c, col in info.items() if col.hidden and c < 16_384)
            if cols:
                sheet.hidden_cols = cols
    except Exception:  # a refinement: without it every column is read, as before
        log.info("xls hidden columns not read", exc_info=True)


# BIFF8 records of an error value: BOOLERR (0x0205, 8 bytes, flag 1 = error) and a FORMULA
# (0x0006) whose cached result is an error (result byte 0 = 2, bytes 6–7 = 0xFFFF).
_XLS_HINT = re.compile(
    rb"\x05\x02\x08\x00.{6}[\x00-\x2f]\x01|\x06\x00..[\s\S]{6}\x02[\s\S]{5}\xff\xff", re.S
)


def xls_error_cells(data: bytes, sheets: list) -> None:
    """The cells whose formula failed in a legacy .xls (calamine reads them as empty), through
    xlrd, only when its bytes hold an error record; put back as `error_cells.show_errors` does."""
    if not _XLS_HINT.search(data):
        return
    try:
        import xlrd

        book = _xls_book(data)
        for sheet in sheets:
            if sheet.hidden or not sheet.rows:
                continue
            xls_sheet = book.sheet_by_name(sheet.name)
            cells: dict[tuple[int, int], str] = {}
            for r in range(min(xls_sheet.nrows, len(sheet.rows))):
                types = xls_sheet.row_types(r)
                if xlrd.XL_CELL_ERROR not in types:
                    continue
                for c, kind in enumerate(types):
                    if kind == xlrd.XL_CELL_ERROR:
                        text = xlrd.error_text_from_code.get(xls_sheet.cell_value(r, c))
                        if text in FORMULA_ERRORS:
                            cells[(r, c)] = text
            show_errors(sheet.rows, cells)
    except Exception:  # a refinement: the cells calamine read stand
        log.info("xls error cells not read", exc_info=True)


@functools.lru_cache(maxsize=1)
def _xls_book(data: bytes):
    """A legacy .xls opened by xlrd once for its formats, hidden columns and error cells, which
    each open it only when their bytes call for it (the contained child reads one file)."""
    import xlrd

    return xlrd.open_workbook(
        file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO()
    )
