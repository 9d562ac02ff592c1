"""The guard reads each inflated piece where zlib left it and a small seam between two pieces:
a cell tag cut in two by a piece boundary is judged whole, at every cut position.

Parts are stored (not deflated) here, so the pieces are exactly cell_guard._READ bytes long and
a tag can be put across a boundary on purpose. Only the guard runs: nothing reaches calamine.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from pipeline.intake import cell_guard
from pipeline.intake.sniff import FileRejected

_STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="2"/></cellXfs></styleSheet>'
)
_WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="登记表" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'
)


def stored_book(tag: str, at: int, dimension: str | None = "A1:C9999") -> bytes:
    """An xlsx whose sheet XML holds `tag` starting exactly at byte `at`, among plain cells."""
    head = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + "<sheetData>"
    )
    sheet, row = head, 1
    while True:
        filler = f'<row r="{row}"><c r="A{row}"><v>{row}</v></c></row>'
        opening = f'<row r="{row + 1}">'
        if len(sheet) + len(filler) + len(opening) > at:
            break
        sheet += filler
        row += 1
    sheet += f'<row r="{row}">'
    sheet += " " * (at - len(sheet))  # spaces between elements: every reader skips them
    assert len(sheet) == at
    sheet += (
        tag
        + "</row>"
        + "".join(f'<row r="{r}"><c r="B{r}"><v>1</v></c></row>' for r in range(row + 1, row + 400))
    )
    sheet += "</sheetData></worksheet>"
    parts = {
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _RELS,
        "xl/styles.xml": _STYLES,
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return out.getvalue()


# Piece boundaries of a stored part: every _READ bytes. The tag is put across one at every cut.
_BOUNDARIES = [cell_guard._READ, 2 * cell_guard._READ]


def _cuts(tag: str):
    return [(b, b - shift) for b in _BOUNDARIES for shift in range(len(tag) + 2)]


def test_a_far_corner_cell_cut_by_a_piece_boundary_is_still_refused():
    tag = '<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
    for _boundary, at in _cuts(tag):
        with pytest.raises(FileRejected) as info:
            cell_guard.scan_xlsx_cells(stored_book(tag, at))
        assert "XFD1048576" in info.value.reason


def test_an_odd_cell_tag_cut_by_a_piece_boundary_sends_the_file_to_the_careful_reader():
    tag = '<c r="A1" t="s" r="XFD1048576"><v>0</v></c>'  # calamine takes the last r
    for _boundary, at in _cuts(tag):
        assert not cell_guard.scan_xlsx_cells(stored_book(tag, at)), at


def test_a_prefixed_cell_cut_by_a_piece_boundary_sends_the_file_to_the_careful_reader():
    tag = '<x:c r="A1"><x:v>1</x:v></x:c>'
    for _boundary, at in _cuts(tag):
        assert not cell_guard.scan_xlsx_cells(stored_book(tag, at)), at


def test_a_plain_cell_cut_by_a_piece_boundary_is_plain_and_its_format_is_found():
    tag = '<c r="C5" s="1"><v>2023.1</v></c>'  # style 1 shows two decimals
    for _boundary, at in _cuts(tag):
        formats: dict = {}
        assert cell_guard.scan_xlsx_cells(stored_book(tag, at), formats), at
        assert formats == {"登记表": {(4, 2): 2}}, at


def test_a_far_cell_in_a_sheet_without_dimension_is_refused_across_a_boundary():
    tag = '<c r="ZZ999999"><v>1</v></c>'
    for _boundary, at in _cuts(tag):
        with pytest.raises(FileRejected) as info:
            cell_guard.scan_xlsx_cells(stored_book(tag, at, dimension=None))
        assert "ZZ999999" in info.value.reason
