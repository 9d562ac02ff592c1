"""Exports cannot smuggle formulas into the analyst's Excel (OWASP CSV injection; issue #5)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from pipeline.access.safe_exports import (
    neutralise_cell,
    neutralise_frame,
    to_csv_bytes,
    to_xlsx_bytes,
)

HYPERLINK = '=HYPERLINK("http://x")'


def member_list() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "姓名": [HYPERLINK, "张三丰", "@SUM(1+1)*cmd|' /C calc'!A0"],
            "所属乡镇": ["灵溪镇", "灵溪镇", "宜山镇"],
            "联系电话": ["13812345678", "-", "+8613812345678"],
            "流出时间": [date(2021, 3, 1), date(2020, 5, 1), None],
            "带动就业人数": [3, -1, 0],
            "备注": ["\tTAB", "\r回车", "＝全角等号"],
        }
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1＋1", "'＝1＋1"),
        ("张三", "张三"),
        ("a=1", "a=1"),
        ("", ""),
        (" =1", " =1"),
        (5, 5),
        (-5, -5),
        (None, None),
        (date(2021, 3, 1), date(2021, 3, 1)),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_a_formula_in_a_name_cell_reads_back_as_text_from_csv():
    data = to_csv_bytes(member_list())
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Chinese Windows reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, first, _second, third = rows
    assert header[0] == "姓名"
    assert first[0] == "'" + HYPERLINK
    assert third[0].startswith("'@")
    assert first[1] == "灵溪镇"
    assert [r[2] for r in rows[1:]] == ["13812345678", "'-", "'+8613812345678"]
    assert [r[4] for r in rows[1:]] == ["3", "-1", "0"]  # real numbers stay numbers
    assert [r[5] for r in rows[1:]] == ["'\tTAB", "'\r回车", "'＝全角等号"]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell == "-1"


def test_a_formula_in_a_name_cell_is_a_string_in_xlsx():
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(member_list()))).active
    name = sheet["A2"]
    assert name.data_type == "s" and name.value == "'" + HYPERLINK
    assert sheet["A4"].data_type == "s" and sheet["A4"].value.startswith("'@")
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    assert sheet["E3"].value == -1 and sheet["E3"].data_type == "n"
    assert sheet["C2"].value == "13812345678" and sheet["C2"].data_type == "s"  # no digits lost


def test_the_xlsx_check_would_catch_a_formula():
    # The same frame written the plain pandas way becomes a live formula; the assertions above
    # would fail on it, so they are testing something.
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        member_list().to_excel(writer, index=False)
    plain = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert plain["A2"].data_type == "f"


def test_headers_categories_and_original_frame():
    frame = pd.DataFrame({"=列": pd.Categorical(["=a", "b", "'=a"]), "n": [1.5, None, 2.0]})
    out = neutralise_frame(frame)
    assert list(out.columns) == ["'=列", "n"]
    assert out["'=列"].tolist() == ["'=a", "b", "'=a"]
    assert frame["=列"].tolist() == ["=a", "b", "'=a"]  # the caller's frame is not modified
    assert out["n"].isna().tolist() == [False, True, False]
    assert to_csv_bytes(frame).decode("utf-8-sig").splitlines()[0] == "'=列,n"


def test_chinese_text_and_timezones_survive():
    frame = pd.DataFrame(
        {
            "乡镇": ["灵溪镇"],
            "时间": pd.to_datetime(["2022-04-01 08:00"]).tz_localize("Asia/Shanghai"),
        }
    )
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, sheet="名单"))).active
    assert sheet.title == "名单" and sheet["A2"].value == "灵溪镇"
    assert sheet["B2"].value.hour == 8
    assert "灵溪镇" in to_csv_bytes(frame).decode("utf-8-sig")


@pytest.mark.parametrize(
    "view",
    ["钱库镇城东/城西联合党支部", "钱库镇[一]支部", "'钱库镇'", "钱库镇:*?\\支部" + "长" * 40],
)
def test_an_excel_download_of_a_branch_with_any_name_is_made(view):
    """A chart's or table's Excel sheet is named after the view (钱库镇城东/城西联合党支部_…):
    a branch name with a character Excel refuses in sheet names once failed the download."""
    from pipeline.charts.export import to_xlsx

    for data in (
        to_xlsx(pd.DataFrame({"人数": [1]}), sheet=f"{view}_2022-04_流出党员", title=view),
        to_xlsx_bytes(pd.DataFrame({"人数": [1]}), sheet=view),
    ):
        [ws] = openpyxl.load_workbook(io.BytesIO(data)).worksheets
        assert ws.title and len(ws.title) <= 31
