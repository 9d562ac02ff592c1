"""The branch (党支部) a register belongs to when no column names it: from its sheet's title and
filling row, its sheet name, or the file name.

A branch secretary's register often names its branch only in the title
("灵溪镇城东社区党支部流动党员登记表") or the 填报单位 row. Without it every row would load with an
empty branch, and two branches' files of one township and wave would share one unit.
Pure text functions; `layout` applies them to each sheet, `ingest.prepare` to the file name.
"""

from __future__ import annotations

import re

from pipeline.parse.context_hints import township_from_text
from pipeline.parse.headers import clean_text
from pipeline.parse.row_kinds import branch_from_sheet_name

# Longest first: "党总支部" before "党总支", "党支部" before "支部".
_SUFFIX = "联合党支部|联合支部|党总支部|党总支|党支部|支部"
_BRANCH = re.compile(rf"^([\u4e00-\u9fffa-z0-9]{{1,16}}?(?:{_SUFFIX}))")
_CORE = re.compile(rf"(?:{_SUFFIX}|党小组|党委)$")
# A title's word for many branches or for the census, not one branch's name:
# "各党支部流动党员统计表", "流动党员所在党支部情况".
_NOT_ONE_BRANCH = re.compile(
    r"^(?:各|全|本|该|所属|下属|基层|全体|所有)|所在|普查|登记|统计|情况|汇总|报表|名单|名册|台账"
)
_LABEL = re.compile(r"^(?:填报单位|报送单位|单位名称|单位|中共|中国共产党)+")
# What a title puts before the place: a date, a table number ("2023年6月", "表一").
_LEADING = re.compile(
    r"^(?:[0-9〇零一二三四五六七八九十]{2,4}年度?|[0-9一二三四五六七八九十]{1,2}月份?"
    r"|表[0-9一二三四五六七八九十]+|附件[0-9一二三四五六七八九十]*|关于)+"
)
_COUNTY_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{1,6}?(?:省|市|县|区))*$")
_PIECES = re.compile(r"[\s_:：,，、()（）【】\[\]/|]+")


def branch_from_text(text: str | None) -> str | None:
    """The one branch a title, filling row or file name names, without its township:
    "灵溪镇城东社区党支部流动党员登记表" → 城东社区党支部; "填报单位：观美村党支部" → 观美村党支部."""
    if not text:
        return None
    for piece in _PIECES.split(str(text)):
        token = _LEADING.sub("", _LABEL.sub("", clean_text(piece)))
        match = _BRANCH.match(_after_township(token))
        if match and _is_one_branch(match.group(1)):
            return match.group(1)
    return None


def _is_one_branch(name: str) -> bool:
    """Not a word for many branches, and more than one character before the suffix: "分支部"
    (in "分支部块", a file name's word for a layout) is no branch's name."""
    return len(_CORE.sub("", name)) >= 2 and not _NOT_ONE_BRANCH.search(name)


def _after_township(token: str) -> str:
    """The token without the county and township before the branch ("苍南县灵溪镇城东…" →
    "城东…"); a township-like word inside a branch's own name ("新镇村党支部") stays."""
    township = township_from_text(token)
    at = token.find(township) if township else -1
    if at < 0 or not _COUNTY_PREFIX.fullmatch(token[:at]):
        return token
    rest = token[at + len(township) :]
    match = _BRANCH.match(rest)
    short = match and len(_CORE.sub("", match.group(1))) < 2
    if short and not _NOT_ONE_BRANCH.search(match.group(1)):
        return token  # "新镇" + "村党支部": the 镇 was part of the branch's name
    return rest


def same_branch(a: str, b: str) -> bool:
    """Whether two names are one branch written shorter or longer: 新安村支部, 新安村, 新安村党支部."""
    core_a, core_b = _CORE.sub("", clean_text(a)), _CORE.sub("", clean_text(b))
    return bool(core_a and core_b) and (core_a in core_b or core_b in core_a)


def sheet_branch(sheet_name: str, title: str, has_blocks: bool = False) -> str | None:
    """The branch of a sheet's rows that name none themselves.

    The title's full name wins over a sheet name that is the same branch written shorter or
    numbered ("括山村", "3.钱库社区", "新安村支部" under "…新安村党支部…登记表"), so the rows
    join the 支部情况 sheet's full names. A sheet name naming another branch wins over the title:
    a copied sheet keeps its old title, but a secretary renames the tab. A sheet whose rows
    fall under branch headings (`has_blocks`) takes no branch from its title."""
    named = branch_from_sheet_name(sheet_name)
    titled = None if has_blocks else branch_from_text(title)
    if titled and (named is None or same_branch(named, titled)):
        return titled
    return named
