"""Cells whose formula failed show what the analyst sees (#N/A, #REF! …), never a blank.

calamine reads an error cell as empty: a member whose 姓名 was a broken VLOOKUP vanished, a
流入地 of #REF! became "not reported". Each reader path is tried with a real writer's file.
"""

from __future__ import annotations

import re

import openpyxl
import pytest
import xlsxwriter
import xlwt

from pipeline.intake import cell_guard
from pipeline.intake.error_cells import FORMULA_ERRORS, collect, show_errors
from pipeline.intake.readers import read_sheets
from tests.intake.test_readers import _prefixed, _rewrite_sheet, _unreferenced


def _xlsxwriter_book(path):
    """As Excel saves it: the formula and its failed result (`<c t="e"><f>…</f><v>#N/A</v>`)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("名单")
    sheet.write_row(0, 0, ["姓名", "流入地", "流出时间"])
    sheet.write_formula(1, 0, "=VLOOKUP(A9,花名册!A:B,2,0)", None, "#N/A")
    sheet.write_row(1, 1, ["上海", "2021-03"])
    sheet.write(2, 0, "李四")
    sheet.write_formula(2, 1, "=花名册!#REF!", None, "#REF!")
    sheet.write(2, 2, "2020-05")
    book.close()
    return path


def test_an_xlsx_error_cell_shows_its_error(tmp_path):
    path = _xlsxwriter_book(tmp_path / "普查.xlsx")
    assert cell_guard.scan_xlsx_cells(path.read_bytes())  # the guarded, in-process reader
    rows = read_sheets(path)[0].rows
    assert rows[1] == ["#N/A", "上海", "2021-03"]
    assert rows[2] == ["李四", "#REF!", "2020-05"]


def _openpyxl_book(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["姓名", "流入地"])
    sheet.append(["张三", "上海"])
    sheet.append(["李四", "杭州"])
    for ref, error in (("A2", "#N/A"), ("B3", "#DIV/0!")):
        sheet[ref].value, sheet[ref].data_type = error, "e"
    book.save(path)
    return path


@pytest.mark.parametrize("rewrite", [None, _prefixed, _unreferenced])
def test_error_cells_survive_every_xlsx_spelling(tmp_path, rewrite):
    """The guard's regex pass, and the contained reader for sheets it cannot scan."""
    path = _openpyxl_book(tmp_path / "普查.xlsx")
    if rewrite is not None:
        _rewrite_sheet(path, rewrite)
        assert not cell_guard.scan_xlsx_cells(path.read_bytes())
    rows = read_sheets(path)[0].rows
    assert rows[1:] == [["#N/A", "上海"], ["李四", "#DIV/0!"]]


def test_a_legacy_xls_error_cell_shows_its_error(tmp_path):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单")
    sheet.write(0, 0, "姓名")
    sheet.write(0, 1, "流入地")
    sheet.row(1).set_cell_error(0, 0x2A)  # #N/A, as Excel 2003 stores it
    sheet.write(1, 1, "上海")
    sheet.write(2, 0, "李四")
    sheet.row(2).set_cell_error(1, "#REF!")
    path = tmp_path / "普查.xls"
    book.save(str(path))
    rows = read_sheets(path)[0].rows
    assert rows[1:] == [["#N/A", "上海"], ["李四", "#REF!"]]


def test_an_error_cell_cut_between_two_pieces_is_found_in_the_seam():
    found: dict = {}
    xml = b'<row r="7"><c r="B7" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    collect(xml, found)
    assert found == {(6, 1): "#DIV/0!"}
    found.clear()
    collect(b'<c r="B7" t="s"><v>3</v></c><c r="C7" t="str"><v>#N/A</v></c>', found)
    assert found == {}  # text that reads "#N/A" is a string cell: the text already stands


def test_an_error_only_fills_a_cell_the_reader_left_empty():
    rows = [["a", ""], ["", "kept"]]
    # (-1, 0): an error cell placed before any row, which a list index would put last
    show_errors(
        rows, {(0, 1): "#N/A", (1, 1): "#REF!", (5, 0): "#N/A", (0, 9): "#N/A", (-1, 0): "#N/A"}
    )
    assert rows == [["a", "#N/A"], ["", "kept"]]


def test_every_error_excel_shows_is_known():
    shown = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!"}
    assert shown <= FORMULA_ERRORS
    assert all(re.fullmatch(r"#[A-Z/0_]+[!?]?|#N/A", e) for e in FORMULA_ERRORS)
