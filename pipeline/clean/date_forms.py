"""Date wordings an analyst reads at once, rewritten into the digits `normalize.parse_date` reads.

`21年3月` (a two-digit year), `二〇二一年三月` (Chinese numerals), and periods still running
(`2021.3-至今`, `2019.8～至今`, `2023年10月至今`, `2021年3月起`): the start of a running period is
the date. A year with no month, or with only a part of it (`2019年`, `2019年底`, `2020年春节后`,
`2021年上半年`, a bare `2020`), becomes the first month the words allow (`approximate`), and
`normalize.date_caveat` warns that it did. Pure text → text; a text this cannot improve comes
back unchanged.
"""

from __future__ import annotations

import re
from datetime import date

_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "O": "0"}
# a year written digit by digit (二〇二一), then a month / day in counting form (十二, 二十三)
_CHINESE_DATE = re.compile(
    r"^([〇○零一二三四五六七八九]{2,4})年([一二三四五六七八九十]{1,3})月(?:([一二三四五六七八九十]{1,3})[日号])?"
)
_TWO_DIGIT_YEAR = re.compile(r"^(\d{2})年(\d{1,2})月")
# "至今", "-今", "以来", "起" … closing a period that has not ended; a dash left open too.
_RUNNING = re.compile(
    r"(?:[-~～—–－至到]+\s*)?(?:至今|迄今|到现在|至现在|现在|目前|今|以来|起|开始)$|[-~～—–－]+$"
)


def _counted(text: str) -> int:
    """一 … 三十一 in counting form."""
    tens, ten, ones = text.partition("十")
    if not ten:
        return int(_DIGIT[text]) if text in _DIGIT else 0
    return (int(_DIGIT[tens]) if tens else 1) * 10 + (int(_DIGIT[ones]) if ones else 0)


# Words around a date that do not change it: 约2021年3月, 2021年3月左右, 2021.3（春节后）
_HEDGES = re.compile(r"^(?:约|大约|大概|估计)|(?:左右|前后|许)$|[(（][^()（）]*[)）]$")


# The first month of each part of a year a register writes instead of a month.
_PART_MONTHS = {
    **dict.fromkeys(("", "初", "年初", "年头", "上半年", "春节前", "一季度", "第一季度"), 1),
    **dict.fromkeys(("春节", "春节后", "春节期间", "过年后", "年后"), 2),
    **dict.fromkeys(("春", "春季", "春天"), 3),
    **dict.fromkeys(("二季度", "第二季度"), 4),
    **dict.fromkeys(("年中", "夏", "夏季", "夏天"), 6),
    **dict.fromkeys(("下半年", "三季度", "第三季度"), 7),
    **dict.fromkeys(("秋", "秋季", "秋天"), 9),
    **dict.fromkeys(("四季度", "第四季度"), 10),
    **dict.fromkeys(("底", "末", "年底", "年末", "年尾", "冬", "冬季", "冬天"), 12),
}
_YEAR_PART = re.compile(r"^(\d{4})年(.*)$")
# "2016.8前", "2020年3月以后": a month bounding the date, as near to it as the text comes
_BOUND = re.compile(r"^(\d{4}[-/.年]\d{1,2}月?)(?:以|之)?[前后]$")


def year_number(number: int) -> bool:
    """Whether four digits are a year. As an Excel serial they would be a day of 1905, before
    any date a census accepts (1950): 2020 is the year, never 1905-07-12. A year the census
    cannot take (1949, 2031) is then refused for what it is."""
    return 1900 <= number <= 2100


def approximate(text: str) -> str | None:
    """The digits form of a date written less exactly than a month, else None."""
    if text.isdigit() and len(text) == 4:
        return f"{text}年1月" if year_number(int(text)) else None
    found = _YEAR_PART.match(text)
    if found and found.group(2) in _PART_MONTHS:
        return f"{found.group(1)}年{_PART_MONTHS[found.group(2)]}月"
    found = _BOUND.match(text)
    return found.group(1) if found else None


# A period that has ended ("2021.3-2022.5", "2019年8月至2021年2月"): the member left at its start.
_DAY = r"\d{4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}[日号]?|月)?"
_CLOSED_PERIOD = re.compile(rf"^({_DAY})(?:[~～—–－至到]+|-(?=\d{{4}}))({_DAY})$")


def period_start(text: str) -> str | None:
    """The start of a period with an end, else None."""
    found = _CLOSED_PERIOD.match(text)
    return found.group(1) if found else None


def unhedged(text: str) -> str:
    """The date without the words around it that do not change it (约, 左右 …)."""
    return _HEDGES.sub("", text.replace("。", "."))


def date_text(text: str) -> str:
    """The digits form of a date wording (spaces already removed), or the text unchanged."""
    text = unhedged(text)
    rough = approximate(text)
    if rough:
        return rough
    start = period_start(text) or _RUNNING.sub("", text)
    if start and start != text and re.search(r"\d|[〇一二三四五六七八九]", start):
        text = start
    found = _CHINESE_DATE.match(text)
    if found:
        year = "".join(_DIGIT[c] for c in found.group(1))
        day = f"{_counted(found.group(3))}日" if found.group(3) else ""
        return f"{year}年{_counted(found.group(2))}月{day}"
    found = _TWO_DIGIT_YEAR.match(text)
    if found:
        short = int(found.group(1))
        century = 2000 if short <= date.today().year % 100 else 1900
        return f"{century + short}年{text[found.end(1) + 1 :]}"
    return text
