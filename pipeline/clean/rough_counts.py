"""带动就业人数 written as a rough figure (10余人, 约20人, 二十多人, 8-10人, 30人左右): read as
the number written, with a warning naming the text. Exact counts go through `normalize.parse_count`.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.clean.normalize import _COUNT_UNIT, _SPACES, _bounded, _chinese_count, parse_count

# A head count written as a rough figure: 10余人, 约20人, 二十多人, 8-10人, 30人左右. The number
# written is what counts (the lower end of a range: no more people than the register vouches for).
_ROUGH_COUNT = re.compile(
    r"^(?:约|大约|大概|近|将近|估计|约有)?([0-9]+|[零一二三四五六七八九十两〇]+)"
    r"(?:[-~～至到]([0-9]+|[零一二三四五六七八九十两〇]+))?"
    r"(?:余|多|来|几)?(?:[人名个位])?(?:左右|以上|多|上下)?$"
)


def _rough_count(value: object) -> tuple[int, str] | None:
    """(the count, the text as written) when a jobs cell is a rough figure, else None."""
    if not isinstance(value, str):
        return None
    text = _SPACES.sub("", unicodedata.normalize("NFKC", value))
    found = _ROUGH_COUNT.match(text)
    if not found or _COUNT_UNIT.sub("", text).isdigit():
        return None
    first = found.group(1)
    number = int(first) if first.isdigit() else _chinese_count(first)
    if number is None or (_chinese_count(_COUNT_UNIT.sub("", text)) is not None):
        return None  # an exact count in Chinese numerals (十人) is no rough figure
    return number, text


def parse_jobs(value: object) -> float | None:
    """带动就业人数: a head count, or a rough figure read as the number written (10余人 → 10)."""
    rough = _rough_count(value)
    return _bounded(float(rough[0])) if rough else parse_count(value)


def jobs_caveat(value: object) -> str | None:
    """The warning a rough jobs figure deserves, naming the text as written."""
    rough = _rough_count(value)
    return f"带动就业人数“{rough[1]}”不是确切人数，按{rough[0]}人统计" if rough else None
