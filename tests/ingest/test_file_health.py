"""File health notices count cells, not distinct values: each distinct value is looked at once
(found by hashing) and counted as often as it occurs, whatever its type."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pipeline.ingest import file_health
from pipeline.ingest.batch import ingest_paths
from pipeline.ingest.file_health import REVIEW
from tests.conftest import valid_id


@pytest.mark.parametrize("dtype", [object, "str"])
def test_odd_branch_names_are_counted_per_member(dtype):
    names = ["城东村党支部"] * 5 + ["", "  ", None] + ["3"] * 4 + ["1.2"] + ["〃"] * 2 + ["同上"]
    members = pd.DataFrame({"branch": pd.Series(names, dtype=dtype)})
    assert file_health.odd_branches(members) == [
        f"{REVIEW}3 名党员的所在党支部为空，按支部统计的数字不可靠",
        f"{REVIEW}5 名党员的所在党支部只是数字，按支部统计的数字不可靠",
        f"{REVIEW}3 名党员的所在党支部是“〃”或“同上”，按支部统计的数字不可靠",
    ]


def test_no_odd_branch_no_notice():
    members = pd.DataFrame({"branch": ["城东村党支部", "城西村党支部"] * 50})
    assert file_health.odd_branches(members) == []
    assert file_health.odd_branches(members.iloc[:0]) == []


def _rejects(field: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({"field": [field] * n, "reason": ["流出时间日期无法识别"] * n})


def test_unreadable_dates_share_counts_every_filled_cell_of_any_type():
    # 40 filled cells (strings, numbers, dates, times), 60 empty ones of every kind
    filled = ["2021.03"] * 10 + [2021.03] * 10 + [dt.date(2021, 3, 1)] * 10 + ["  x "] * 10
    empty = [None] * 15 + [np.nan] * 15 + [""] * 15 + ["   "] * 15
    raw = pd.DataFrame({"outflow_date": pd.Series(filled + empty, dtype=object)})
    labels = {"outflow_date": "外出时间"}
    # 2 of 40 is 5%: not over the line; 3 of 40 is
    assert file_health.dates_unreadable(raw, _rejects("outflow_date", 2), labels) == []
    assert file_health.dates_unreadable(raw, _rejects("outflow_date", 3), labels) == [
        f"{REVIEW}“外出时间”列有 3 个值（8%）无法识别为日期（超过 5%），已留空"
    ]
    # a failure in another field does not count for this one
    assert file_health.dates_unreadable(raw, _rejects("return_date", 30), labels) == []


def test_a_column_of_unhashable_cells_is_still_counted():
    raw = pd.DataFrame({"outflow_date": pd.Series([["2021"], [], "2021.3", None], dtype=object)})
    notices = file_health.dates_unreadable(raw, _rejects("outflow_date", 3), {})
    assert notices and "3 个值（100%）" in notices[0]


def test_unresolved_destinations_share_is_of_the_members_still_out():
    members = pd.DataFrame(
        {
            "is_returned": [True] * 50 + [False] * 50,
            "flow_scope": [None] * 50 + ["省内跨市"] * 44 + [None] * 6,
        }
    )
    assert file_health.destinations_unresolved(members) == [
        f"{REVIEW}6 名流出党员（12%）的流入地缺失或无法识别，流动范围计为“未知”（超过 10%）"
    ]
    members.loc[members.index[-1], "flow_scope"] = "跨省"
    assert file_health.destinations_unresolved(members) == []
    assert file_health.destinations_unresolved(members.iloc[:50]) == []


def test_a_destination_with_a_scope_but_no_province_is_not_unknown():
    """R27: 省外, 外省, 本县 place no province, yet their scope is known; the notice counted
    them as 未知 (3 where the figures said 2)."""
    members = pd.DataFrame(
        {
            "is_returned": [False] * 10,
            "dest_province": [None] * 3 + ["浙江省"] * 7,
            "flow_scope": ["跨省", "跨省", "县内"] + ["省内跨市"] * 7,
        }
    )
    assert file_health.destinations_unresolved(members) == []


@pytest.mark.parametrize(
    ("rows", "notice"),
    [
        # (destination_text, flow_scope, is_returned)
        (
            [("意大利米兰", None, False), ("法国巴黎", None, False), ("意大利", None, False)],
            "3 名流出党员的流入地在国外（意大利、法国），不属于跨省、省内跨市、市内跨县、县内中的任何一类，"
            "流动范围计为“未知”",
        ),
        ([("意大利米兰", None, True), ("上海", "跨省", False)], None),  # returned: not out
        ([("意大利米兰", "跨省", False), (None, None, False)], None),  # a stated scope stands
    ],
)
def test_members_abroad_are_said_to_be_unknown(rows, notice):
    members = pd.DataFrame(rows, columns=["destination_text", "flow_scope", "is_returned"])
    assert file_health.destinations_abroad(members) == ([notice] if notice else [])


def _two_columns(write_xlsx, header, rows, hidden=None):
    """A real register with the given header; `hidden` hides one column (0-based)."""
    path = write_xlsx("2024-04_灵溪镇_流动党员.xlsx", {"名单": [header, *rows]})
    if hidden is not None:
        book = openpyxl.load_workbook(path)
        letter = openpyxl.utils.get_column_letter(hidden + 1)
        book["名单"].column_dimensions[letter].hidden = True
        book.save(path)
    return path


_HEADER = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地", "联系电话", "流入地"]


def _rows():
    return [
        [i + 1, f"成员{i}", valid_id(f"330327198{i}0101123"), "城东村党支部", "2020-01",
         "" if i < 2 else "上海市", "13800000001", "浙江省杭州市"]
        for i in range(4)
    ]  # fmt: skip


def test_a_second_column_for_a_field_is_named_with_the_rows_it_matters_for(
    write_xlsx, isolated_env
):
    """Two 流入地 columns: the figures read the first; members whose destination stands only
    in the second count as 未知, so the file is marked for review, each column by its letter."""
    path = _two_columns(write_xlsx, _HEADER, _rows())
    (result,) = ingest_paths([path], isolated_env / "census.duckdb").files
    assert result.status == "loaded"
    notice = next(n for n in result.notices if "两列" in n)
    assert notice.startswith(REVIEW)
    assert "按第 F 列“流入地”统计，第 H 列“流入地”未参与统计" in notice
    assert "其中 2 行第 F 列“流入地”为空而第 H 列“流入地”有内容" in notice


def test_a_second_column_the_analyst_hid_is_not_named_again(write_xlsx, isolated_env):
    path = _two_columns(write_xlsx, _HEADER, _rows(), hidden=7)
    (result,) = ingest_paths([path], isolated_env / "census.duckdb").files
    assert result.status == "loaded"
    assert not any("两列" in n for n in result.notices)


def test_one_column_per_field_says_nothing_of_second_columns(write_xlsx, isolated_env):
    header = [*_HEADER[:-1], "备注"]
    path = _two_columns(write_xlsx, header, _rows())
    (result,) = ingest_paths([path], isolated_env / "census.duckdb").files
    assert not any("两列" in n for n in result.notices)


def test_a_second_column_that_only_repeats_the_first_says_nothing(write_xlsx, isolated_env):
    rows = _rows()
    for row in rows:
        row[5] = row[5] or "浙江省杭州市"  # the counted 流入地 is filled wherever the other is
    path = _two_columns(write_xlsx, _HEADER, rows)
    (result,) = ingest_paths([path], isolated_env / "census.duckdb").files
    assert result.status == "loaded"
    assert not any("两列" in n for n in result.notices)
