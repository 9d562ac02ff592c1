"""Township and census wave from the words around a table: titles, filling rows, file names.

Pure text functions; `layout` applies them to each sheet's title rows and name, `ingest` to the
whole file's titles and its name.
"""

from __future__ import annotations

import re

from pipeline.clean.date_forms import date_text
from pipeline.clean.normalize import parse_date
from pipeline.parse.headers import clean_text

_WAVE_LABELLED = re.compile(r"普查(?:时间|批次|年月)?[:：]?\s*(\d{4})\s*[年.\-/]\s*(\d{1,2})")
_WAVE_ANY = re.compile(r"(?<!\d)(20\d{2}|19\d{2})\s*(?:年|[.\-/_])\s*(\d{1,2})(?!\d)")
_WAVE_COMPACT = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(?:\d{2})?(?!\d)")
_FILL_DATE = re.compile(
    r"(填报|填表|制表|报送|审核|打印|导出)(日期|时间)[:：]?[\d年月日.\-/]*"
    r"|\d{4}[年.\-/]\d{1,2}[月.\-/]\d{1,2}日?(?:填报|填表|制表|报送|打印|导出)"
)
# A period ("2023年1-8月", "2022年9月至2023年8月") is counted up to its end: that is the wave.
_RANGE_TO = r"\s*(?:-|~|～|—|至|到)\s*"
_WAVE_PERIODS = (
    re.compile(
        r"\d{4}\s*[年.\-/]\s*\d{1,2}\s*(?:[月.\-/]\s*\d{1,2}\s*日?|月)?"
        + _RANGE_TO
        + r"(\d{4})\s*[年.\-/]\s*(\d{1,2})"
    ),
    re.compile(r"(\d{4})\s*年\s*\d{1,2}" + _RANGE_TO + r"(\d{1,2})\s*月"),
)
_TOWNSHIP = re.compile(r"([\u4e00-\u9fffA-Za-z]{1,10}?(?:街道|镇|乡))(?![镇乡])")
_TOWNSHIP_PREFIX = re.compile(r"^(?:中共|中国共产党)?(?:[\u4e00-\u9fff]{1,6}?(?:省|市|县|区))*")
# Words with 乡 in them that name no place: a title such as "流动党员及返乡创业党员情况统计表"
# or "助力乡村振兴" must not yield a township "流动党员及返乡" or "助力乡". They are cut out before
# the search (金乡镇 and 古城镇 are real names, so 乡镇 and 城镇 are not cut but refused whole),
# and a candidate still holding census wording is passed over.
_NOT_PLACE_WORDS = re.compile(
    r"返乡|回乡|还乡|城乡|下乡|家乡|故乡|老乡|异乡|外乡|乡村|乡土|乡贤|乡亲|乡情|乡风"
)
_NOT_PLACE_NAME = re.compile(r"(?:各|全|本|我|该|所属)?(?:乡镇|城镇|村镇|集镇|小镇|重镇|街道)")
_CENSUS_WORDING = re.compile(r"党员|流动|普查|登记|统计|情况|创业|汇总|报表")
# What a title puts before the township: a date ("2023年8月", "二〇二三年度"), a table number
# ("表一"), "关于". clean_text has removed the spaces that would have kept it apart.
_BEFORE_TOWNSHIP = re.compile(
    r"[0-9〇零一二三四五六七八九十]{2,4}年度?"
    r"|(?:[0-9]{1,2}|(?<=年)[一二三四五六七八九十]{1,3})月份?(?:底|末)?|[0-9]{1,2}[日号]"
    r"|表[0-9一二三四五六七八九十]+|附件[0-9一二三四五六七八九十]*|关于|截至|截止"
)


# A title's date in Chinese numerals ("（二〇二三年六月）") names the wave as its digits would;
# without it a filling date below the table ("填表日期：2023年7月5日") was taken instead.
_CHINESE_YEAR_MONTH = re.compile(r"[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月")


# "（23年6月）": a two-digit year, as registers write dates (21年3月); only with 年 and 月 both
_SHORT_YEAR_MONTH = re.compile(r"(?<![\d〇○零一二三四五六七八九])(\d{2})年(\d{1,2})月")


def _arabic_dates(text: str) -> str:
    text = _CHINESE_YEAR_MONTH.sub(lambda found: date_text(found.group(0)), text)
    return _SHORT_YEAR_MONTH.sub(lambda found: date_text(found.group(0)), text)


def wave_from_text(text: str) -> str | None:
    """`YYYY-MM` from a title, filling row or file name; a period's end, then a labelled
    普查时间, win.

    The day a form was filled in (填报日期, "2023年9月5日填报") is not the census wave, so it is
    ignored.
    """
    text = _FILL_DATE.sub("", _arabic_dates(clean_text(text))) if text else ""
    for pattern in (*_WAVE_PERIODS, _WAVE_LABELLED, _WAVE_ANY, _WAVE_COMPACT):
        match = pattern.search(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if 1950 <= year <= 2100 and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
    return None


# The date a form was filled in, labelled or followed by 填报: the wave when nothing else names it.
_FILL_LABELLED = re.compile(
    r"(?:填报|填表|制表|报送|统计)(?:日期|时间)[:：]?([0-9〇○零一二三四五六七八九十年月日号.\-/]{5,})"
)
_FILL_TRAILING = re.compile(
    r"([0-9〇○零一二三四五六七八九十年月日号.\-/]{5,}?)(?:填报|填表|制表|报送)"
)


def fill_wave_from_text(text: str) -> str | None:
    """`YYYY-MM` of the filling date (填报时间：2022年4月30日 → 2022-04), or None."""
    text = clean_text(text) if text else ""
    for pattern in (_FILL_LABELLED, _FILL_TRAILING):
        for match in pattern.finditer(text):
            try:
                filled = parse_date(match.group(1))
            except ValueError:
                continue
            if filled is not None and 1950 <= filled.year <= 2100:
                return f"{filled.year:04d}-{filled.month:02d}"
    return None


def township_from_text(text: str) -> str | None:
    """The first 乡/镇/街道 name in a title or file name, without county prefixes or 中共."""
    if not text:
        return None
    text = _BEFORE_TOWNSHIP.sub(" ", _NOT_PLACE_WORDS.sub(" ", clean_text(text)))
    for token in re.split(r"[_\-\s\d()（）【】\[\]、,，.:：]+", text):
        token = re.sub(r"^(填报单位|单位|中共|中国共产党)+", "", token)
        for match in _TOWNSHIP.finditer(token):
            name = match.group(1)
            stripped = _TOWNSHIP_PREFIX.sub("", name)
            name = stripped if len(stripped) >= 2 else name
            if not _NOT_PLACE_NAME.fullmatch(name) and not _CENSUS_WORDING.search(name):
                return name
    return None
