"""Cells whose formula failed (#N/A, #REF!, #VALUE! …): what the analyst sees in them.

calamine drops an error cell (an xlsx `<c t="e">`, an .xls error result) as if it were empty,
so a member whose 姓名 is `=VLOOKUP(…)` gone wrong vanished, and a 流入地 of `#REF!` read as
"not reported". Here the error cells are found (an xlsx's while `cell_guard` streams its sheets
anyway, or `seen.marked_cells` parses them in the contained reader; a legacy .xls's through
xlrd) and their text put back into the rows, where cleaning names
them (`clean.columnwise`): the same text a CSV saved from such a sheet holds.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

# What Excel and WPS show in a cell whose formula failed (Excel 365's newer ones included).
FORMULA_ERRORS = frozenset(
    {
        "#N/A",
        "#REF!",
        "#VALUE!",
        "#DIV/0!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#GETTING_DATA",
    }
)
_NEEDLE = b't="e"'
# A plain error cell as Excel, WPS and openpyxl write it: its reference, `t="e"`, an optional
# formula, the shown value. Groups: column, row, value.
_ERROR_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: [\w:]+="[^"]*")*? t="e"(?: [\w:]+="[^"]*")*>'
    rb"(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>([^<]{1,32})</v>"
)

Cells = dict[tuple[int, int], str]


def collect(data: bytes, found: Cells) -> None:
    """Error cells in a piece of sheet XML into `found` as (row, col) → shown text, 0-based."""
    # every error starts with '#', which sheet XML seldom holds: memchr finds it at memory
    # speed, where the tag's own `t="e"` (its last byte '"' everywhere) cost 0.08 s a 100 MB sheet
    if b"#" not in data or _NEEDLE not in data:
        return
    for col, row, value in _ERROR_CELL.findall(data):
        text = value.decode("ascii", "replace").strip()
        if text in FORMULA_ERRORS:
            found[(int(row) - 1, _column(col) - 1)] = text


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def show_errors(rows: list[list[object]], cells: Cells) -> None:
    """Each error cell the reader left empty shows its error text again. In place."""
    for (r, c), text in cells.items():
        # a cell placed before any row (-1) is nowhere: a negative index would be the last
        if 0 <= r < len(rows) and 0 <= c < len(rows[r]) and rows[r][c] in ("", None):
            rows[r][c] = text
