"""Vocabulary words as registers write them: a known meaning is never a quarantined member."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.clean import normalize as nz
from pipeline.clean import vocabulary as vocab
from pipeline.clean.row_issues import rough_dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("联系不到", "失联"),
        ("失去联络", "失联"),
        ("联络不上", "失联"),
        ("下落不明", "失联"),
        ("停机", "失联"),
        ("空号", "失联"),
        ("手机停机", "失联"),
        ("失联（手机停机）", "失联"),
        ("失聯", "失联"),  # traditional characters
        ("聯繫不上", "失联"),
        ("能联系上", "正常"),
        ("聯繫正常", "正常"),
        ("停机，微信联系", "正常"),  # the phone is dead, but WeChat reaches them
        ("未联系", "未联系"),
        ("正常（微信）", "正常"),  # a remark after the status
        ("联系正常，每月电话", "正常"),
        ("失联，已上报", "失联"),
        ("未填", None),  # not filled in: the member loads with no status
        ("未填写", None),
    ],
)
def test_contact_status_words(value, expected):
    assert vocab.normalize_contact_status(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("在外", False),
        ("未回", False),
        ("已回", True),
        ("是", True),
        ("否", False),
        ("無", False),  # traditional
        ("已返鄉", True),
        ("也许", "也许"),
        (None, None),
        # where the member is now, as a township clerk writes it
        ("返乡（创业）", True),
        ("在家", True),
        ("已回本地", True),
        ("在家务农", True),
        ("是（2022年返乡）", True),
        ("外出务工中", False),
        ("外出经商", False),
        ("在外务工", False),
        ("在杭州务工", False),
        ("仍在外地", False),
        ("流出", False),
        ("否（在外）", False),
        ("未返", False),
        ("尚未回乡", False),
        ("跨省流动", False),
        ("省外", False),
        ("境外", False),
        ("出国", False),
        ("创业", "创业"),  # says nothing about where the member is
    ],
)
def test_returned_words(value, expected):
    assert vocab.parse_returned(value) == expected


def test_away_is_no_answer_for_other_yes_no_fields():
    assert vocab.parse_bool("在外") == "在外"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("市外省内", "省内跨市"),
        ("省内市外", "省内跨市"),
        ("跨市", "省内跨市"),
        ("县外市内", "市内跨县"),
        ("市内县外", "市内跨县"),
        ("跨县", "市内跨县"),
        ("镇外县内", "县内"),
        ("县内跨乡镇", "县内"),
        ("縣內", "县内"),  # traditional
        ("跨 縣", "市内跨县"),
        # bare 省内 / 市内 do not say which scope: the destination decides it (V10: the member
        # was rejected, and dropped from the outflow, though the destination said where)
        ("省内", None),
        ("市内", None),
        ("县外", None),
        ("国外", None),
        ("省里", "省里"),  # a word that is no scope at all is still flagged
    ],
)
def test_flow_scope_words(value, expected):
    assert vocab.normalize_flow_scope(value) == expected


@pytest.mark.parametrize("value", ["無", "暫無", "不詳"])
def test_traditional_placeholders_mean_empty(value):
    assert nz.optional_text(value) is None


def test_a_coarse_stated_scope_loads_with_a_warning():
    raw = pd.DataFrame({"stated_flow_scope": ["省内", "跨省", "国外"]})
    found = rough_dates(raw, pd.Index([0, 1, 2]), ())
    assert list(zip(found["row"], found["reason"], strict=True)) == [
        (0, "流动范围“省内”不是跨省、省内跨市、市内跨县、县内之一，按流入地判断"),
        (2, "流动范围“国外”不是跨省、省内跨市、市内跨县、县内之一，按流入地判断"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("是", "正常"), ("√", "正常"), ("能", "正常"), ("1", "正常"), ("否", "失联"), ("×", "失联"),
     ("不能", "失联"), ("0", "失联"), ("联系不上", "失联"), ("正常", "正常"), (None, None)],
)  # fmt: skip
def test_reachable_answers_are_a_contact_status(value, expected):
    """V13: a 能否联系 column answered 是/否 was left out (lost contact 未填报 though given)."""
    assert vocab.reachable_status(value) == expected


def test_reachable_refuses_other_words():
    with pytest.raises(ValueError, match="能否联系“也许”应填“是”或“否”"):
        vocab.reachable_status("也许")
