"""Name fields worded as a no (流入地党组织, 创办企业) and yes/no answers with a remark (V14)."""

from __future__ import annotations

import pytest

from pipeline.clean import vocabulary as vocab
from pipeline.clean.field_wording import certificate_held, name_or_no


@pytest.mark.parametrize(
    "value",
    ["不清楚", "未知", "待核实", "未填", "未转接", "未参加流入地党组织", "暂未纳入", "尚未创业",
     "没有创业", "否（在外）", "无（未纳入）", "（无）"],
)  # fmt: skip
def test_no_and_unknown_are_no_organisation_or_enterprise(value):
    """Each of these counted as a dual-managed member (流入地党组织) or an enterprise."""
    assert name_or_no(value) is None


@pytest.mark.parametrize(
    "value", ["无锡市新吴区某党支部", "未来农场", "上海市浦东新区某街道党工委", "是", "已纳入"]
)
def test_names_and_yes_stay(value):
    assert name_or_no(value) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [("有（2021年发）", True), ("是（已上报）", True), ("否（遗失）", False), ("也许（再问）", "也许(再问)")],
)  # fmt: skip
def test_a_remark_after_yes_or_no_does_not_change_it(value, expected):
    """V14: 有（2021年发） in 是否持流动党员证 rejected its member."""
    assert certificate_held(value) == expected
    assert vocab.parse_bool(value) == expected
