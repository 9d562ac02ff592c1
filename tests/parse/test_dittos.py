"""is_ditto tells most cells (names, places, dates) from ditto marks by one character class,
before normalising them: the answer must be the full rule's for any text whatsoever."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.parse import dittos


def full_rule(value: object) -> bool:
    """The rule itself, with no shortcut."""
    if not isinstance(value, str) or len(value) > 12:
        return False
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    return bool(text) and dittos._DITTO.match(text) is not None


@pytest.mark.parametrize(
    "value",
    ["〃", "〃 〃", "同上", "同 上", "同上行", "同上。", "同前", "″", "＂", "々", "“", "同上1",
     "张三", "上海", "同", "A", "ＡＢ", "１", "A\u0300", "2021.3", "", " ", "\u3000〃\u3000", "同上面栏"],
)  # fmt: skip
def test_the_shortcut_agrees_with_the_full_rule(value):
    assert dittos.is_ditto(value) == full_rule(value)


# Every character a ditto mark may be written with, its neighbours, full-width and compatibility
# forms, combining marks, ASCII and ideographs around the kept ones.
_ALPHABET = st.sampled_from(
    list('〃″′〞〝"“”々同上行前面栏。.')
    + list("＂＇‶″‴⁗ＡＺａｚ０９ÀA0z\u0300\u0301\u20e3\u3000 \t")
    + [chr(c) for c in (0x4E00, 0x4E09, 0x4E0A, 0x4E0B, 0x540B, 0x540C, 0x540D, 0x9FFF, 0xF900)]
    + [chr(c) for c in (0x2F00, 0x2F29, 0x2E80, 0x3003, 0x309B, 0xFF0E, 0xFF61)]
)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=14) | st.text(max_size=14))
def test_the_shortcut_agrees_with_the_full_rule_on_any_text(value):
    assert dittos.is_ditto(value) == full_rule(value)


def test_nfkc_leaves_every_character_of_the_shortcut_as_it_is():
    # the premise of the shortcut: these characters survive normalisation unchanged
    for code in [
        *range(0x30, 0x3A),
        *range(0x41, 0x5B),
        *range(0x61, 0x7B),
        *range(0x4E00, 0xA000),
    ]:
        char = chr(code)
        if dittos._NO_DITTO.fullmatch(char):
            assert unicodedata.normalize("NFKC", char) == char, hex(code)
