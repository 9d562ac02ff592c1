"""One table of header synonyms: whatever a township typed above a column → a canonical field."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipeline.parse.header_rules import (
    RULE_RANK,
    bracket_level,
    destination_level,
    field_by_rule,
    header_key,
)
from pipeline.places.traditional import T2S

# Canonical field → the header words seen in the field (simplified Chinese, no spaces).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "序", "no", "no."),
    "name": ("姓名", "党员姓名", "名字", "流动党员姓名"),
    "gender": ("性别",),
    "birth_date": ("出生年月", "出生日期", "出生年月日", "出生时间"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "公民身份证号", "身份证", "证件号码"),
    "township": ("所属乡镇", "乡镇", "所在乡镇", "乡镇街道", "乡镇(街道)", "所属乡镇(街道)"),
    "branch": (
        "所在党支部",
        "支部名称",
        "党支部名称",
        "所属支部",
        "党支部",
        "所属党支部",
        "所在支部",
        "党组织名称",
        "所在党组织",
    ),
    "census_wave": ("普查时间", "普查批次", "普查年月"),
    "outflow_date": (
        "流出时间",
        "外出时间",
        "外出日期",
        "流出日期",
        "外出年月",
        "流出年月",
        "外出务工时间",
        "外出务工日期",
        "务工时间",
    ),
    "destination": (
        "流入地",
        "外出地点",
        "现居住地",
        "流入地点",
        "外出去向",
        "现居住地址",
        "流入地址",
        "外出地址",
        "流向地",
        "现工作地",
        "流入地区",
        "外出务工地点",
        "现流入地",
        "外出地",
        "外出务工地",
        "务工地点",
        "务工地",
        "工作地点",
        "现务工地",
    ),
    "dest_province": ("流入地省", "流入省份", "流入省", "外出省份", "流入地省份"),
    "dest_city": ("流入地市", "流入城市", "流入市", "外出城市"),
    "dest_county": ("流入地县(区)", "流入地县区", "流入县区", "流入地区县", "流入县(区)"),
    "stated_flow_scope": ("流动范围", "流动类型", "流动区域"),
    "occupation": ("从事职业", "从事行业", "职业", "行业", "从事工作"),
    "phone": (
        "联系电话",
        "手机号码",
        "手机号",
        "联系方式",
        "电话",
        "手机",
        "电话号码",
        "联系手机",
        "移动电话",
        "联系号码",
    ),
    "inflow_org": ("流入地党组织", "流入地党组织名称", "接收党组织", "流入地所在党组织"),
    "has_certificate": (
        "是否持流动党员证",
        "持证",
        "是否持证",
        "是否持流动党员活动证",
        "流动党员活动证",
        "持流动党员证",
        "是否持有流动党员活动证",
    ),
    "last_contact_date": (
        "最近联系时间",
        "最近一次联系时间",
        "最后联系时间",
        "最近联系日期",
        "最后一次联系时间",
    ),
    "contact_status": ("联系状态", "联系情况", "是否失联情况"),
    # a 是/否 column standing in for 联系状态: 是 → 失联, 否 → 正常
    "lost_flag": ("是否失联", "是否失去联系", "是否已失联", "失联与否"),
    # a month; 党费缴纳情况 ("按时缴纳") is a remark, not this date
    "dues_paid_through": ("党费缴纳至", "党费交纳至", "党费缴至", "党费交至", "党费缴纳到"),
    "returned": ("是否返乡", "是否回乡", "返乡", "回乡", "是否已返乡"),
    "return_date": ("返乡时间", "回乡时间", "返乡日期", "回乡日期"),
    "enterprise": ("创办企业", "创业项目", "创办企业名称", "创业项目名称", "所创企业"),
    "enterprise_industry": ("创业行业", "创业领域", "创业类型"),
    "jobs_created": ("带动就业人数", "吸纳就业人数", "带动就业", "吸纳就业"),
    "remarks": ("备注", "说明"),
    # 支部情况 sheet
    "members_total": ("党员总数", "党员人数", "党员数", "支部党员数", "党员总人数"),
}

# Children of a two-level 流入地 header (省 / 市 / 县(区)).
DESTINATION_PARTS: dict[str, tuple[str, ...]] = {
    "dest_province": ("省", "省份", "省(区、市)", "省(自治区、直辖市)", "省区市"),
    "dest_city": ("市", "地市", "市(州)", "城市", "地级市"),
    "dest_county": ("县(区)", "县区", "区县", "县", "区", "县(市、区)", "县(市区)", "县市区"),
}
DEST_PARTS = tuple(DESTINATION_PARTS)  # province, city, county: the order their text is joined

# Traditional characters: the shared table, plus 於 (left out there because 於 is also a
# surname and place-name character; in a header it is always 于).
_TRADITIONAL = {**T2S, ord("於"): "于"}
_SPACES = re.compile(r"\s+")
_HINT = re.compile(r"[(\[][^()\[\]]*[)\]]$")  # trailing "(必填)", "(年月)" style hints
_MARKS = re.compile(r"^[*★※]+|[*★※:：]+$")


def clean_text(value: object) -> str:
    """Full-width → half-width, traditional → simplified, spaces and marks removed."""
    text = unicodedata.normalize("NFKC", str(value)).translate(_TRADITIONAL)
    return _MARKS.sub("", _SPACES.sub("", text)).lower()


def _index(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {clean_text(word): field for field, words in table.items() for word in words}


_FIELD_BY_WORD = _index(SYNONYMS)
_PART_BY_WORD = _index(DESTINATION_PARTS)


# Looking for the header maps every cell of a sheet's first rows, and a batch's sheets repeat
# their headers (and many cells): each distinct cell is mapped once. typed: 1, 1.0 and True
# are distinct cells. Bounded, so a long-running server cannot grow it without end.
_CACHE_SIZE = 1 << 16


def map_header(text: object) -> str | None:
    """The canonical field a single header cell names, or None.

    The synonym table first (the usual words, exactly), then the same with the header's
    decorations removed (`header_key`), then the rules (`HEADER_RULES`) on what is left."""
    try:
        return _map_header_cached(text)
    except TypeError:  # an unhashable value
        return _map_header(text)


def _map_header(text: object) -> str | None:
    if text is None:
        return None
    word = clean_text(text)
    if not word:
        return None
    if word in _FIELD_BY_WORD:
        return _FIELD_BY_WORD[word]
    stripped = _HINT.sub("", word)
    if stripped != word and stripped in _FIELD_BY_WORD:
        found = _FIELD_BY_WORD[stripped]
        # 流入地(省) is the province part of the place, 流入地(必填) the whole place
        return (bracket_level(text) or found) if found == "destination" else found
    return field_by_rule(text)


_map_header_cached = lru_cache(maxsize=_CACHE_SIZE, typed=True)(_map_header)


_RANK_BY_WORD = {clean_text(w): i for words in SYNONYMS.values() for i, w in enumerate(words)}


def header_rank(text: object) -> int:
    """How usual a header word is for its field: 0 for the spec's own word (流入地), more for
    the synonyms after it (现居住地址). Of two columns naming one field, the usual word wins."""
    word = clean_text(text) if text is not None else ""
    if word in _RANK_BY_WORD or _HINT.sub("", word) in _RANK_BY_WORD:
        return _RANK_BY_WORD.get(word, _RANK_BY_WORD.get(_HINT.sub("", word), 0))
    return RULE_RANK  # a spelling only a rule recognised: the listed words win over it


# Words that name a column only under a group header: 外出情况 over 时间 | 地点 | 从事职业,
# 联系情况 over 最近联系时间 | 状态, 返乡情况 over 是否返乡 | 时间 | 创办企业.
_SUBHEADER_WORDS = frozenset(
    clean_text(w)
    for w in (
        "时间",
        "日期",
        "年月",
        "地点",
        "地址",
        "去向",
        "状态",
        "情况",
        "名称",
        "人数",
        "类型",
    )
)
_GROUP_SUFFIX = re.compile(r"(?:基本)?(?:情况|信息)$")


def is_subheader_word(text: object) -> bool:
    """A word that is a header only under its group (时间 under 外出情况)."""
    return text is not None and clean_text(text) in _SUBHEADER_WORDS


def map_part(parent_field: str | None, child: object, parent_text: object = None) -> str | None:
    """A child header under a two-level header (流入地 → 省/市/县(区)). A child naming a field
    itself keeps it (从事职业 under 外出情况); a bare 时间 or 状态 is read with its group's
    words: 外出情况/时间 is 外出时间, 联系情况/状态 联系状态, 返乡情况/时间 返乡时间."""
    if child is None:
        return None
    word = clean_text(child)
    if parent_field == "destination":
        if word in _PART_BY_WORD:
            return _PART_BY_WORD[word]
        level = destination_level(header_key(child))
        if level:
            return level
    found = map_header(child)
    if found is None and parent_text is not None and word in _SUBHEADER_WORDS:
        stem = _GROUP_SUFFIX.sub("", clean_text(parent_text))
        found = map_header(stem + word) if stem else None
    return found


def is_header_word(text: object) -> bool:
    """True when the cell could only be a header (a field name or a destination part)."""
    try:
        return _is_header_word_cached(text)
    except TypeError:  # an unhashable value
        return _is_header_word(text)


def _is_header_word(text: object) -> bool:
    if text is None:
        return False
    word = clean_text(text)
    return bool(word) and (
        word in _PART_BY_WORD
        or destination_level(header_key(text)) is not None
        or map_header(text) is not None
    )


_is_header_word_cached = lru_cache(maxsize=_CACHE_SIZE, typed=True)(_is_header_word)
