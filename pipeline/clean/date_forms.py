"""Date wordings an analyst reads at once, rewritten into the digits `normalize.parse_date` reads.

`21年3月` (a two-digit year), `二〇二一年三月` (Chinese numerals), and periods still running
(`2021.3-至今`, `2019.8～至今`, `2023年10月至今`, `2021年3月起`): the start of a running period is
the date. Pure text → text; a text this cannot improve comes back unchanged.
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


def date_text(text: str) -> str:
    """The digits form of a date wording (spaces already removed), or the text unchanged."""
    text = _HEDGES.sub("", text.replace("。", "."))
    start = _RUNNING.sub("", text)
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
