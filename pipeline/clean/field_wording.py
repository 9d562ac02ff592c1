"""Cell wordings of the fields a rule-recognised header brings in, read the way the header means.

A header the rules recognise may word its field as a question (是否纳入流入地党组织管理,
是否返乡创业) or as an act (发放流动党员活动证): its cells then say 是/否, 已发放/未领取 where
the field expects an organisation, an enterprise or a yes/no. These parsers read those words
and hand everything else to the field's usual function.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.clean import normalize as nz
from pipeline.clean import vocabulary as vocab

# "No" for a field that is otherwise a name (流入地党组织, 创办企业): no organisation, no enterprise.
_NO_NAME = frozenset(
    {"否", "未", "未纳入", "没有", "不是", "×", "✕", "✗", "x", "n", "no", "未创业"}
)
# The certificate as an act: 已发放 / 已领取 / 已办理 / 有证 are held, 未发放 / 无证 are not.
_ACT = r"(?:发放|领取|领|办理|办|发|发证|持有|持证|证|取得)?"
_HELD = re.compile(rf"^(?:已|有|已经){_ACT}$")
_NOT_HELD = re.compile(rf"^(?:未|无|没有|尚未|没){_ACT}$")


# "No" said with its act (未纳入, 尚未转接, 没有创业, 暂未建立) and words that say nobody knows
# (不清楚, 待核实): neither names an organisation or an enterprise, so neither may count as one
# (a 流入地党组织 "不清楚" was a dual-managed member, an enterprise "尚未创业" an enterprise).
_NOT_DONE = re.compile(
    r"^(?:未|没有|没|尚未|暂未|暂无|还未|还没有?)(?:被|经)?"
    r"(?:纳入|转接|接转|转入|编入|参加|加入|落实|建立|登记|报到|联系|创业|创办|办|成立|办理)"
)
_UNKNOWN = frozenset(
    {"不清楚", "不知道", "未知", "待核实", "待定", "待查", "待确认", "未填", "未填写"}
)
_REMARK = re.compile(r"[(（][^()（）]*[)）]$")


def name_or_no(value: object) -> str | None:
    """An organisation's or enterprise's name; 否/未/× mean none, 是 means one (unnamed)."""
    text = nz.optional_text(value)
    if text is None:
        return None
    bare = text[1:-1] if text[:1] in "(（" and text[-1:] in ")）" else text  # (无)
    word = _REMARK.sub("", bare).strip().lower() or bare.lower()  # 否（在外）, 无（未纳入）
    if word in _NO_NAME or word in _UNKNOWN or nz.is_placeholder(word) or _NOT_DONE.match(word):
        return None
    return text


def certificate_held(value: object) -> object:
    """是否持证 in any wording: the usual yes/no words, or the act (已发放, 未领取, 无证)."""
    if isinstance(value, str):
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
        if _HELD.match(text):
            return True
        if _NOT_HELD.match(text):
            return False
    return vocab.parse_bool(value)
