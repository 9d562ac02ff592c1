"""map_header is cached per distinct cell, and the header rules are first tried all at once:
neither may change what any cell maps to."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.parse import header_rules, headers


def rules_one_by_one(key: str) -> str | None:
    """The rule table read top to bottom, with no search over all rules first."""
    for field, pattern in header_rules.HEADER_RULES:
        if pattern.search(key):
            blocked = header_rules._NOT_FIELD.get(field)
            return None if blocked is not None and blocked.search(key) else field
    return header_rules._english(key)


_WORDS = [
    "姓名", "流出时间", "流入地", "省", "市", "县(区)", "党费缴纳至", "联系电话", "是否返乡",
    "返乡时间", "创业行业", "带动就业人数", "所在党支部", "备注", "序号", "Name", "ID No.",
    "流入地党组织", "活动证编号", "是否失联", "最近联系时间", "张三", "2021.03", "灵溪镇",
]  # fmt: skip


@pytest.mark.parametrize("word", _WORDS)
def test_all_rules_at_once_decide_like_the_table_read_in_order(word):
    key = header_rules.header_key(word)
    no_rule = header_rules._ANY_RULE.search(key) is None
    with_shortcut = header_rules._english(key) if no_rule else rules_one_by_one(key)
    assert with_shortcut == rules_one_by_one(key)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS + ["(必填)", "*", " ", "、", "现", "所在", "地", "情况", "号"]),
             max_size=4).map("".join)
    | st.text(max_size=12)
)  # fmt: skip
def test_no_rule_matches_when_the_combined_search_finds_none(text):
    key = header_rules.header_key(text)
    if header_rules._ANY_RULE.search(key) is None:
        assert all(pattern.search(key) is None for _, pattern in header_rules.HEADER_RULES)


@pytest.mark.parametrize(
    "cell",
    ["姓名", " 姓名 ", "流入地(省)", 1, 1.0, True, 0, False, None, dt.date(2021, 3, 1), "", "張三"],
)
def test_a_cached_mapping_is_the_mapping(cell):
    for _ in range(2):  # the second answer comes from the cache
        assert headers.map_header(cell) == headers._map_header(cell)
        assert headers.is_header_word(cell) == headers._is_header_word(cell)


def test_equal_cells_of_different_types_are_cached_apart_and_lists_are_mapped_uncached():
    assert headers._map_header_cached.cache_parameters()["typed"]
    assert headers._map_header_cached.cache_parameters()["maxsize"] == headers._CACHE_SIZE
    assert headers.map_header(["姓名"]) == headers._map_header(["姓名"])
