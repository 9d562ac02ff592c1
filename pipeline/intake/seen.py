"""What the analyst saw that the cell values alone do not say: the month a 0.00 cell shows
(2023.10 stored as 2023.1) in the workbooks read in the contained process (the guard's scan
could not look at them: an xlsx it cannot place, a legacy .xls), and the columns they hid in
any xlsx. Each is a refinement: when it cannot be read, the cells calamine read stand as they are.
"""

from __future__ import annotations

import io
import logging
import re

from pipeline.intake.xlsx_formats import (
    decimal_places,
    hidden_columns,
    parse_decimal_cells,
    show_decimals,
)

log = logging.getLogger(__name__)


def shown_decimals(data: bytes) -> dict:
    """The cells showing more decimals than stored (see `xlsx_formats`) of a workbook read in
    the child: the guard's scan found none for it (it could not place its cells)."""
    if not data.startswith(b"PK\x03\x04"):
        return {}
    try:
        return parse_decimal_cells(data)
    except Exception:  # odd XML: calamine decides whether the file is readable at all
        log.info("number formats not read", exc_info=True)
        return {}


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
        import xlrd

        book = xlrd.open_workbook(
            file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO()
        )
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
        import xlrd

        book = xlrd.open_workbook(
            file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO()
        )
        for sheet in sheets:
            if sheet.hidden:
                continue
            info = book.sheet_by_name(sheet.name).colinfo_map
            cols = frozenset(c for c, col in info.items() if col.hidden and c < 16_384)
            if cols:
                sheet.hidden_cols = cols
    except Exception:  # a refinement: without it every column is read, as before
        log.info("xls hidden columns not read", exc_info=True)
