"""Vocabulary fields: yes/no words and marks, contact status, sex, flow scope.

Each function maps the words seen in the field onto the spec's vocabulary and returns any other
word unchanged, for the schema to reject with its reason. Words are compared folded (`fold`):
a register in traditional characters (失聯, 縣內, 無) says what its simplified twin says.
"""

from __future__ import annotations

import re

from pipeline.clean.normalize import optional_text, to_text
from pipeline.places.traditional import to_simplified

_SPACES = re.compile(r"\s+")
_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")


def fold(text: str) -> str:
    """A cell's word as the tables spell it: no spaces, simplified characters, lower case."""
    return to_simplified(_SPACES.sub("", text)).lower()


_YES = {
    "是",
    "有",
    "√",
    "✓",
    "✔",
    "y",
    "yes",
    "true",
    "1",
    "对",
    "已",
    "持证",
    "已持证",
    "持有",
    "已办理",
    "已返乡",
    "已回乡",
    "返乡",
    "回乡",
    "已返乡创业",
    "返乡创业",
    "已回乡创业",
}
_NO = {
    "否",
    "无",
    "×",
    "✗",
    "✘",
    "x",
    "n",
    "no",
    "false",
    "0",
    "没有",
    "未",
    "未持证",
    "未持有",
    "未办理",
    "未返乡",
    "未回乡",
    "不是",
    "/",
    "-",
    "—",
}


def parse_bool(value: object) -> bool | str | None:
    """是/否, 有/无, √/×, Y/N …; an unknown word is returned as text for the schema to flag."""
    return _yes_no(value, _YES, _NO)


def _yes_no(value: object, yes: set[str], no: set[str]) -> bool | str | None:
    text = to_text(value)
    if text is None:
        return None
    word = fold(text)
    if word in yes:
        return True
    if word in no:
        return False
    bare = _BRACKETED.sub("", word)  # 有（2021年发）, 是（已上报）: the remark does not change it
    if bare and bare != word:
        if bare in yes:
            return True
        if bare in no:
            return False
    return text


# 是否返乡 answered as where the member is: 已回 is back, 在外 / 未回 still away.
_RETURNED = {"已回", "已回来", "已回家", "回来了", "已回流"}
_AWAY = {"在外", "仍在外", "还在外", "在外地", "未回", "未回来", "没回", "尚未返乡", "未回流"}


# 是否返乡 answered with where the member is now, in any wording: 外出务工中, 在外经商, 跨省流动,
# 出国 are away; 返乡（创业）, 在家, 已回本地 are back. A remark in brackets does not change it
# (否（在外） is 否). Away is tried first: 未返乡 and 尚未回乡 hold the words for back.
_AWAY_WORDS = re.compile(
    r"^(?:仍|还|目前|现|一直|长期)?(?:在外|外出|流出|出去|未返|未回|没回|没有回|尚未|暂未|"
    r"跨省|省外|省内跨|市外|县外|境外|出境|国外|出国|在[^家乡村镇本]{1,6}(?:务工|经商|打工|工作))"
)
_BACK_WORDS = re.compile(
    r"^(?:已经?|现|目前|现已)?(?:返乡|回乡|返回|回来|回家|在家|回本地|在本地|回村|在村|返村|回流|回镇)"
)


def parse_returned(value: object) -> bool | str | None:
    """是否返乡: the yes/no words, 已回 / 在外 / 未回, and where the member is (外出务工中, 在家)."""
    answer = _yes_no(value, _YES | _RETURNED, _NO | _AWAY)
    if not isinstance(answer, str):
        return answer
    word = _BRACKETED.sub("", fold(answer))
    if word != fold(answer) and word:
        plain = _yes_no(word, _YES | _RETURNED, _NO | _AWAY)
        if not isinstance(plain, str):
            return plain
    if _AWAY_WORDS.match(word):
        return False
    if _BACK_WORDS.match(word):
        return True
    return answer


_CONTACT = {
    "正常": "正常",
    "联系正常": "正常",
    "已联系": "正常",
    "保持联系": "正常",
    "能联系": "正常",
    "能联系上": "正常",
    "可以联系": "正常",
    "联系得上": "正常",
    "有联系": "正常",
    "经常联系": "正常",
    "联系": "正常",
    "良好": "正常",
    "可联系": "正常",
    "正常联系": "正常",
    "保持正常联系": "正常",
    "联系畅通": "正常",
    "定期联系": "正常",
    "失联": "失联",
    "失去联系": "失联",
    "联系不上": "失联",
    "无法联系": "失联",
    "未联系上": "失联",
    "长期失联": "失联",
    "失联党员": "失联",
    "联系中断": "失联",
    "已失联": "失联",
    "断联": "失联",
    "联系不到": "失联",
    "下落不明": "失联",
}


# Free wording: "失联（已上报）" is lost, "电话联系" or "偶尔联系" is in contact; "未联系" says
# neither and stays for the schema to flag. 联络 is read as 联系 (失去联络, 联络不上).
_REMARK = re.compile(r"[(（][^()（）]*[)）]$")
_LOST_WORDS = re.compile(r"失联|失去联系|联系不[上到]|无法联系|未联系上|联系中断|断联|下落不明")
# A phone out of service or a dead number is how a lost member is often recorded; only the
# whole word, since "停机" next to another channel ("停机，微信联系") is not lost.
_DEAD_PHONE = re.compile(r"^(?:手机|电话|号码|手机号)?(?:已)?(?:停机|空号|停机空号|空号停机)$")
_IN_CONTACT = re.compile(r"^[^未不无没]*联系[上到]?$")


# Words that say the cell was not filled in: blank, the member loads. (不清楚 is an answer the
# analyst must resolve: it stays a word outside the vocabulary.)
_NOT_STATED = frozenset({"未填", "未填写", "未填报"})
# "联系正常，每月电话": the first clause says the status, the rest is a remark.
_CLAUSE = re.compile(r"[,，;；。、]")


def normalize_contact_status(value: object) -> str | None:
    text = optional_text(value)
    if text is None:
        return None
    word = fold(text).replace("联络", "联系")
    if word in _CONTACT:
        return _CONTACT[word]
    if word in _NOT_STATED:
        return None
    word = _REMARK.sub("", word)
    if word in _CONTACT:  # 正常（微信）
        return _CONTACT[word]
    if _LOST_WORDS.search(word) or _DEAD_PHONE.match(word):
        return "失联"
    if _IN_CONTACT.match(word):
        return "正常"
    first = _CLAUSE.split(word, maxsplit=1)[0]
    return _CONTACT.get(first, text) if first != word else text


def lost_flag_status(value: object) -> str | None:
    """A 是否失联 answer as a contact status: 是 → 失联, 否 → 正常."""
    answer = parse_bool(value)
    if isinstance(answer, str):
        raise ValueError(f"是否失联“{answer}”应填“是”或“否”")
    return None if answer is None else ("失联" if answer else "正常")


_REACHABLE_YES = {"能", "可以", "能联系", "能联系上", "联系得上", "可联系"}
_REACHABLE_NO = {"不能", "不可以", "不能联系", "联系不上", "无法联系"}


def reachable_status(value: object) -> str | None:
    """A 能否联系 answer as a contact status: 是/能 → 正常, 否/不能 → 失联."""
    answer = _yes_no(value, _YES | _REACHABLE_YES, _NO | _REACHABLE_NO)
    if isinstance(answer, str):
        status = normalize_contact_status(answer)  # answered with the status itself: 正常, 失联
        if status in ("正常", "失联"):
            return status
        raise ValueError(f"能否联系“{answer}”应填“是”或“否”")
    return None if answer is None else ("正常" if answer else "失联")


# 1 and 2 are the national code for sex (GB/T 2261.1).
_GENDER = {
    "男": "男",
    "女": "女",
    "男性": "男",
    "女性": "女",
    "m": "男",
    "f": "女",
    "1": "男",
    "2": "女",
}


def _word(value: object, table: dict[str, str]) -> str | None:
    """The vocabulary word `table` gives the folded text, else the text as written."""
    text = optional_text(value)
    return None if text is None else table.get(fold(text), text)


def normalize_gender(value: object) -> str | None:
    return _word(value, _GENDER)


_SCOPES = {
    "跨省": "跨省",
    "跨省流动": "跨省",
    "省外": "跨省",
    "出省": "跨省",
    "省内跨市": "省内跨市",
    "省内跨地市": "省内跨市",
    "省内跨市流动": "省内跨市",
    "省内市外": "省内跨市",
    "市外省内": "省内跨市",
    "跨市": "省内跨市",  # a move across provinces is written 跨省
    "市内跨县": "市内跨县",
    "市内跨县(市、区)": "市内跨县",
    "市内跨县区": "市内跨县",
    "市内跨县流动": "市内跨县",
    "市内县外": "市内跨县",
    "县外市内": "市内跨县",
    "跨县": "市内跨县",
    "县内": "县内",
    "县内流动": "县内",
    "县(市、区)内": "县内",
    "县域内": "县内",
    "本县": "县内",
    "县内跨乡镇": "县内",
    "县内跨镇": "县内",
    "县内乡镇外": "县内",
    "县内镇外": "县内",
    "镇外县内": "县内",
    "乡镇外县内": "县内",
    "外省": "跨省",
}


# Bare 省内 and 市内 are left out on purpose: 省内 is 省内跨市, 市内跨县 or 县内 alike, and the
# spec's vocabulary has no word for "somewhere in the province". Such a word (and 县外, 市外,
# 国外 …) says less than one of the four, not something else: the stated scope is left blank,
# so the destination decides it (未知 without one), and a warning names the word. Rejecting the
# member for it would drop from the outflow someone whose destination says where they are.
_COARSE_SCOPES = frozenset(
    {"省内", "市内", "县外", "市外", "外地", "外出", "国外", "境外", "出国", "出境", "海外"}
)


def normalize_flow_scope(value: object) -> str | None:
    word = _word(value, _SCOPES)
    return None if word is not None and fold(word) in _COARSE_SCOPES else word


def scope_caveat(value: object) -> str | None:
    """The warning a stated scope outside the four but coarser than one of them deserves."""
    text = optional_text(value)
    if text is None or fold(text) not in _COARSE_SCOPES:
        return None
    return f"流动范围“{text}”不是跨省、省内跨市、市内跨县、县内之一，按流入地判断"
