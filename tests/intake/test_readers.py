"""Reading real files into raw sheets: xlsx, legacy xls and csv in the encodings seen in the field."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwt

from pipeline.intake import cell_guard
from pipeline.intake.readers import FileRejected, Sheet, detect_format, read_sheets
from tests.conftest import SAMPLES, needs_samples

HEADER = ["序号", "姓名", "身份证号", "联系电话", "流出时间", "流入地"]
ID = "330327198503151234"
PHONE = "13800001111"


def register_xlsx(path: Path) -> Path:
    """A township register as analysts keep it: title, filling row, two-level merged header."""
    book = xlsxwriter.Workbook(str(path))
    title = book.add_format({"bold": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("第一党支部")
    sheet.merge_range("A1:H1", "xx镇流动党员普查登记表", title)
    sheet.merge_range("A2:H2", "填报单位：中共xx镇委员会    普查时间：2022年4月")
    for col, label in enumerate(["序号", "姓名", "身份证号", "联系电话", "流出时间"]):
        sheet.merge_range(2, col, 3, col, label)
    sheet.merge_range("F3:H3", "流入地")
    sheet.write_row("F4", ["省", "市", "县(区)"])
    sheet.write_row("A5", [1, "张三", ID])
    sheet.write_number("D5", int(PHONE))
    sheet.write_datetime("E5", dt.datetime(2021, 3, 15), dates)
    sheet.write_row("F5", ["浙江省", "杭州市", "西湖区"])
    sheet.write_row("A6", [2, "李四"])
    sheet.write_number("C6", 330327198001011239)  # an ID typed as a number: digits already lost
    sheet.write_string("D6", "0577-64781234")
    sheet.write_string("E6", "2021.3")
    book.add_worksheet("空白")
    summary = book.add_worksheet("支部情况")
    summary.write_row("A1", ["支部名称", "党员总数"])
    summary.write_row("A2", ["第一党支部", 35])
    book.close()
    return path


def only(sheets: list[Sheet]) -> Sheet:
    assert len(sheets) == 1
    return sheets[0]


# ---------------------------------------------------------------------------------------------
# xlsx


def test_xlsx_values_come_back_raw(tmp_path):
    sheets = read_sheets(register_xlsx(tmp_path / "2022-04_xx镇_流动党员普查.xlsx"))
    assert [s.name for s in sheets] == ["第一党支部", "支部情况"]  # the empty sheet is dropped
    rows = sheets[0].rows
    assert rows[0][0] == "xx镇流动党员普查登记表"
    assert rows[2][:5] == ["序号", "姓名", "身份证号", "联系电话", "流出时间"]
    assert rows[3][5:8] == ["省", "市", "县(区)"]
    assert rows[4][:3] == [1.0, "张三", ID]
    assert rows[4][3] == 13800001111.0 and isinstance(rows[4][3], float)
    assert rows[4][4] in (dt.date(2021, 3, 15), dt.datetime(2021, 3, 15))
    assert (
        isinstance(rows[5][2], float) and rows[5][2] != 330327198001011239
    )  # lost digits stay visible
    assert rows[5][3] == "0577-64781234" and rows[5][4] == "2021.3"
    assert rows[5][5] == ""  # empty cells are ''
    assert len({len(r) for r in rows}) == 1  # rectangular
    assert sheets[0].first_row == 0
    assert sheets[1].rows == [["支部名称", "党员总数"], ["第一党支部", 35.0]]


def test_xlsx_merged_ranges_are_zero_based_inclusive(tmp_path):
    sheet = read_sheets(register_xlsx(tmp_path / "普查.xlsx"))[0]
    assert (0, 0, 0, 7) in sheet.merged  # A1:H1 title
    assert (2, 0, 3, 0) in sheet.merged  # 序号 over two header rows
    assert (2, 5, 2, 7) in sheet.merged  # 流入地 over 省 / 市 / 县(区)
    assert len(sheet.merged) == 2 + 5 + 1
    assert sheet.merged == sorted(sheet.merged)


def test_leading_empty_rows_and_columns_keep_excel_coordinates(tmp_path):
    path = tmp_path / "普查.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("第一党支部")
    sheet.write("C5", "姓名")
    sheet.write("D6", "张三")
    sheet.merge_range("C8:D9", "合计")
    sheet.write("A10", "填表人：")
    book.close()
    found = only(read_sheets(path))
    # rows[i][j] is Excel row first_row + i + 1, column j + 1
    assert found.rows[4 - found.first_row][2] == "姓名"
    assert found.rows[5 - found.first_row][3] == "张三"
    assert found.rows[7 - found.first_row][2] == "合计"
    assert found.rows[9 - found.first_row][0] == "填表人："
    assert (7, 2, 8, 3) in [
        (r0 + found.first_row, c0, r1 + found.first_row, c1) for r0, c0, r1, c1 in found.merged
    ]


def test_openpyxl_written_workbook_is_read_in_process(tmp_path):
    path = tmp_path / "普查.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "第二党支部"
    sheet.append(HEADER)
    sheet.append([1, "王五", ID, PHONE, dt.date(2020, 5, 1), "上海市浦东新区"])
    sheet.merge_cells("F1:G1")
    sheet["G2"] = "备注"
    book.save(path)
    assert cell_guard.scan_xlsx_cells(path.read_bytes())  # no child process for ordinary files
    found = only(read_sheets(path))
    assert found.rows[1][:4] == [1.0, "王五", ID, PHONE]
    assert found.rows[1][4] in (dt.date(2020, 5, 1), dt.datetime(2020, 5, 1))
    assert found.merged == [(0, 5, 0, 6)]


def test_xlsx_detected_by_bytes_even_when_named_csv(tmp_path):
    path = register_xlsx(tmp_path / "普查.xlsx").rename(tmp_path / "普查.csv")
    assert detect_format(path) == "xlsx"
    assert read_sheets(path)[0].name == "第一党支部"


def test_meanwhile_runs_in_another_thread_and_is_done_when_the_workbook_is_read(tmp_path):
    path = register_xlsx(tmp_path / "普查.xlsx")
    seen = []

    def meanwhile():
        time.sleep(0.2)  # still running when calamine has finished this small workbook
        seen.append(threading.current_thread() is not threading.main_thread())

    assert read_sheets(path, meanwhile=meanwhile)[0].name == "第一党支部"
    assert seen == [True]


def test_meanwhile_is_skipped_for_text_files(tmp_path):
    seen = []
    read_sheets(write_csv(tmp_path / "普查.csv", "utf-8"), meanwhile=lambda: seen.append(1))
    assert seen == []


def test_hidden_sheets_are_read_like_any_other(tmp_path):
    path = tmp_path / "普查.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("第一党支部").write("A1", "姓名")
    hidden = book.add_worksheet("第二党支部")
    hidden.write("A1", "姓名")
    hidden.hide()
    book.close()
    assert [s.name for s in read_sheets(path)] == ["第一党支部", "第二党支部"]


# ---------------------------------------------------------------------------------------------
# legacy xls


def register_xls(path: Path) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("第一党支部")
    sheet.write_merge(0, 0, 0, 5, "xx镇流动党员普查登记表")
    for col, label in enumerate(HEADER):
        sheet.write(1, col, label)
    sheet.write(2, 0, 1)
    sheet.write(2, 1, "张三")
    sheet.write(2, 2, ID)
    sheet.write(2, 3, int(PHONE))
    sheet.write(2, 4, dt.date(2021, 3, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    sheet.write(2, 5, "浙江义乌")
    sheet.write_merge(3, 4, 5, 5, "上海浦东")
    sheet.write(3, 1, "李四")
    sheet.write(4, 1, "王五")
    book.add_sheet("支部情况").write(0, 0, "支部名称")
    book.save(str(path))
    return path


def test_xls_values_dates_and_merges(tmp_path):
    sheets = read_sheets(register_xls(tmp_path / "普查.xls"))
    assert [s.name for s in sheets] == ["第一党支部", "支部情况"]
    sheet = sheets[0]
    assert sheet.rows[0][0] == "xx镇流动党员普查登记表"
    assert sheet.rows[1] == HEADER
    assert sheet.rows[2][:4] == [1.0, "张三", ID, 13800001111.0]
    assert sheet.rows[2][4] in (dt.date(2021, 3, 1), dt.datetime(2021, 3, 1))
    assert sorted(sheet.merged) == [(0, 0, 0, 5), (3, 5, 4, 5)]
    assert sheets[1].rows == [["支部名称"]]


def test_xls_named_xlsx_is_read_as_xls(tmp_path):
    path = register_xls(tmp_path / "普查.xls").rename(tmp_path / "普查.xlsx")
    assert detect_format(path) == "xls"
    assert read_sheets(path)[0].rows[2][1] == "张三"


# ---------------------------------------------------------------------------------------------
# csv

CSV_ROWS = [
    ["xx镇流动党员普查登记表", "", "", "", "", ""],
    HEADER,
    ["1", "张三", ID, PHONE, "2021.3", "浙江义乌"],
    [
        "2",
        "李䶮",
        "33032719800101123X",
        "0577-64781234",
        "20210315",
        "上海浦东",
    ],  # 䶮: a 4-byte GB18030 character
    ["3", "王五", "", "01380000111", "2021年3月", "杭州，西湖区"],
]


def write_csv(
    path: Path,
    encoding: str,
    delimiter: str = ",",
    newline: str = "\r\n",
    rows: list[list[str]] = CSV_ROWS,
) -> Path:
    text = newline.join(delimiter.join(row) for row in rows) + newline
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig", "utf-16"])
def test_csv_encodings(tmp_path, encoding):
    sheet = only(read_sheets(write_csv(tmp_path / "宜山镇_2022-04_系统导出.csv", encoding)))
    assert sheet.rows == CSV_ROWS  # no BOM left in 序号's cell, every digit kept
    assert sheet.name == "宜山镇_2022-04_系统导出" and sheet.merged == [] and sheet.first_row == 0


def test_gbk_encoded_csv_reads_as_gb18030(tmp_path):
    rows = [row for row in CSV_ROWS if "䶮" not in "".join(row)]  # GBK cannot encode 䶮
    assert only(read_sheets(write_csv(tmp_path / "普查.csv", "gbk", rows=rows))).rows == rows


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_delimiters(tmp_path, delimiter):
    path = write_csv(tmp_path / "普查.csv", "utf-8", delimiter=delimiter, newline="\n")
    assert only(read_sheets(path)).rows == CSV_ROWS


def test_csv_values_stay_strings_with_quotes_and_ragged_rows(tmp_path):
    path = tmp_path / "普查.csv"
    path.write_bytes(
        "姓名,身份证号,联系电话,备注\n"
        '张三,330327198503151234,013800001111,"住址：浙江省, 温州市\n苍南县"\n'
        "李四,3.30327E+17\n"
        "王五,,  00123  ,1.50,多余\n".encode("gb18030")
    )
    rows = only(read_sheets(path)).rows
    assert rows[1] == ["张三", ID, "013800001111", "住址：浙江省, 温州市\n苍南县", ""]
    assert rows[2] == [
        "李四",
        "3.30327E+17",
        "",
        "",
        "",
    ]  # Excel's damage stays visible to the cleaner
    assert rows[3] == ["王五", "", "  00123  ", "1.50", "多余"]
    assert all(isinstance(v, str) for row in rows for v in row)


def test_csv_named_xls_is_read_as_csv(tmp_path):
    path = write_csv(tmp_path / "系统导出.xls", "gb18030")
    assert detect_format(path) == "csv"
    assert only(read_sheets(path)).rows[2][2] == ID


def test_single_column_csv(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text("姓名\n张三\n李四\n", encoding="utf-8")
    assert only(read_sheets(path)).rows == [["姓名"], ["张三"], ["李四"]]


# ---------------------------------------------------------------------------------------------
# the shared samples


@needs_samples
def test_every_sample_reads():
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".xlsx", ".xls", ".csv"})
    assert len(files) >= 5
    for path in files:
        sheets = read_sheets(path)
        assert sheets and all(s.rows and s.rows[0] for s in sheets), path.name
        assert any("姓名" in [str(v).strip() for v in row] for s in sheets for row in s.rows[:6]), (
            path.name
        )
    seed = read_sheets(SAMPLES / "2022-04_xx镇_流动党员普查.xlsx")
    assert [s.name for s in seed] == ["流动党员", "支部情况"]
    assert (0, 0, 0, 13) in seed[0].merged
    csv_sheet = only(read_sheets(SAMPLES / "宜山镇_2022-04_系统导出.csv"))
    assert csv_sheet.rows[0][:2] == ["序号", "姓名"]


def test_read_errors_are_file_rejected_never_raw(tmp_path):
    path = tmp_path / "普查.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    with pytest.raises(FileRejected):
        read_sheets(path)
    with pytest.raises(FileRejected):
        read_sheets(tmp_path / "不存在.xlsx")


def _rewrite_sheet(path: Path, rewrite) -> None:
    """The same workbook with its first sheet's XML spelt another way."""
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info.filename) for info in zf.infolist()}
    part = "xl/worksheets/sheet1.xml"
    parts[part] = rewrite(parts[part].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _prefixed(xml: str) -> str:
    """As the .NET Open XML SDK writes a sheet: every element under an `x:` prefix."""
    xml = re.sub(r"<(/?)(?![?!])([A-Za-z]\w*)", r"<\1x:\2", xml)
    return xml.replace('xmlns="http', 'xmlns:x="http', 1)


def _unreferenced(xml: str) -> str:
    """Cells and rows without their r attribute (each follows the one before)."""
    return re.sub(r'(<(?:c|row)) r="[A-Z]*[0-9]+"', r"\1", xml)


@pytest.mark.parametrize("rewrite", [_prefixed, _unreferenced])
def test_a_month_shown_by_two_decimals_survives_the_contained_reader(tmp_path, rewrite):
    """2023.10 typed into a 0.00 cell is stored 2023.1: October, in the sheet the analyst saw.
    A workbook the guard cannot scan (x: prefixes, no r) is read in a child process, which
    once read it as 2023.1, January, moving every October outflow nine months back."""
    path = tmp_path / "普查.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "流出时间"])
    for name, value, fmt in [
        ("张三", 2023.1, "0.00"),
        ("李四", 2023.1, None),
        ("王五", 2022.11, "#,##0.00"),
        ("赵六", 2021.3, "0.00"),
    ]:
        sheet.append([name, value])
        if fmt:
            sheet.cell(sheet.max_row, 2).number_format = fmt
    book.save(path)
    _rewrite_sheet(path, rewrite)
    assert not cell_guard.scan_xlsx_cells(path.read_bytes())
    rows = read_sheets(path)[0].rows
    assert [row[1] for row in rows[1:]] == ["2023.10", 2023.1, "2022.11", 2021.3]


def test_a_month_shown_by_two_decimals_in_a_legacy_xls(tmp_path):
    """The same in a .xls (xlwt writes BIFF as Excel 2003 and WPS do): calamine gives the
    stored 2023.1, and only the cell's format says it is shown, and meant, as 2023.10."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("名单")
    two = xlwt.easyxf(num_format_str="0.00")
    sheet.write(0, 0, "姓名")
    sheet.write(0, 1, "流出时间")
    for r, (name, value, style) in enumerate(
        [("张三", 2023.1, two), ("李四", 2023.1, None), ("赵六", 2021.3, two)], start=1
    ):
        sheet.write(r, 0, name)
        sheet.write(r, 1, value, style) if style else sheet.write(r, 1, value)
    path = tmp_path / "普查.xls"
    book.save(str(path))
    rows = read_sheets(path)[0].rows
    assert [row[1] for row in rows[1:]] == ["2023.10", 2023.1, 2021.3]


def test_excels_sep_line_names_the_delimiter_and_is_no_row(tmp_path):
    """Excel writes and reads a first line "sep=;" and shows no row for it: the header is row 1,
    so a rejected member's Excel row is the one the analyst finds (it was one row too far)."""
    path = tmp_path / "灵溪镇.csv"
    path.write_bytes("sep=;\r\n姓名;流入地\r\n张三;浙江省杭州市,西湖区\r\n".encode("utf-8-sig"))
    assert read_sheets(path)[0].rows == [["姓名", "流入地"], ["张三", "浙江省杭州市,西湖区"]]
