"""One small pure function per field. Each takes one raw cell value and returns a clean value.

Functions that can fail raise `ValueError` with a Chinese reason an analyst understands; the
caller turns that into a quarantine row. Vocabulary functions return the unknown word unchanged,
so the schema check can name it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

import pandas as pd

from pipeline.clean.date_forms import (
    approximate,
    date_text,
    period_start,
    unhedged,
    year_number,
)
from pipeline.places.traditional import to_simplified

EXCEL_EPOCH = date(1899, 12, 30)
_SPACES = re.compile(r"\s+")


# Cells townships fill in to mean "nothing here"; 无 is also a valid "no" for yes/no fields,
# so `vocabulary.parse_bool` deliberately does not use this list.
PLACEHOLDERS = frozenset(
    {
        "无",
        "/",
        "\\",
        "-",
        "--",
        "—",
        "——",
        "－",
        "暂无",
        "没有",
        "空",
        "不详",
        "null",
        "none",
        "nan",
        "n/a",
        "na",
        "#n/a",
    }
)


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def is_placeholder(value: object) -> bool:
    """Blank, or a placeholder word such as 无 or / (無, 暫無 in traditional characters)."""
    if is_blank(value):
        return True
    return (
        isinstance(value, str)
        and to_simplified(unicodedata.normalize("NFKC", value).strip().lower()) in PLACEHOLDERS
    )


def optional_text(value: object) -> str | None:
    """Free text where a placeholder means empty (流入地党组织 “无” is no organisation)."""
    return None if is_placeholder(value) else to_text(value)


def to_text(value: object) -> str | None:
    """Full-width → half-width, trimmed; numbers without a spurious '.0'."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


# ---------------------------------------------------------------- dates

# A time of day after the date ("2019-03-15 00:00:00", "2019/3/15 0:00" in other systems'
# exports) says nothing the census needs. It is cut off while the space still marks where the
# date ends, before the spaces inside a date ("2019 年 3 月") are removed.
_TIME_OF_DAY = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
# "2021年3月上旬", "3月底": the month is what the census needs.
_PART_OF_MONTH = re.compile(r"月(?:上旬|中旬|下旬|初|底|末|份)$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.,、年](\d{1,2})[-/.,、月](\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})[-/.,、年](\d{1,2})月?()$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})(\d{2})()$"),
)
# A system export in US order, month first ("6/1/2023"); a first number past 12 is the day.
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# "21.3", "22.06": a two-digit year and a month, as 21年3月 is written with a dot.
_SHORT_YEAR_MONTH = re.compile(r"^(\d{2})\.(\d{1,2})$")
# Digits a space keeps apart ("2022 6", "2022 6 1") are a date's parts, not one number: run
# together they would read as an Excel serial (20226 is a day of 1955).
_SPACED_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")


_FLOAT_WRITTEN = re.compile(r"\d{5,8}\.0+")


def year_and_month_digit(number: int) -> tuple[int, int] | None:
    """(year, month) of five digits that are a year and a one-digit month: 20231 is 2023年1月
    as typed into a numeric cell. Read as an Excel serial it would be a day of 1955 (19501 to
    20999 are 1953–1957), which no outflow, contact or return date of a census is; it reads
    as the month, with a caveat (`date_caveat`)."""
    if 19501 <= number <= 20999 and number % 10:
        return number // 10, number % 10
    return None


def _short_year(short: int) -> int:
    return (2000 if short <= date.today().year % 100 else 1900) + short


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("日期不存在") from None


def parse_date(value: object) -> date | None:
    """Every date form seen in the field; month precision becomes the 1st of the month."""
    if is_placeholder(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError("日期无法识别")
    if isinstance(value, int | float):
        number = float(value)
        if number.is_integer() and year_number(int(number)):
            return date(int(number), 1, 1)  # a year typed into a numeric cell, not a serial
        if number.is_integer() and 19000101 <= number <= 21001231:
            return parse_date(str(int(number)))
        if number.is_integer() and 190001 <= number <= 210012:
            return parse_date(str(int(number)))
        if number.is_integer() and (year_month := year_and_month_digit(int(number))):
            return date(*year_month, 1)
        if 1900 <= number < 2100 and not number.is_integer():
            # "2021.3" typed into a numeric cell; "2021.10" arrives as 2021.1 and reads as January.
            year, month = f"{number:.2f}".rstrip("0").split(".")
            return _make_date(int(year), int(month), 1)
        if 10 <= number < 100 and not number.is_integer():
            # "21.3" typed into a numeric cell: a year and a month, never a day of 1900
            year, month = f"{number:.2f}".rstrip("0").split(".")
            return _make_date(_short_year(int(year)), int(month), 1)
        if 1 <= number < 80000:
            return EXCEL_EPOCH + timedelta(days=int(number))
        raise ValueError("日期无法识别")
    text = _PART_OF_MONTH.sub("月", date_text(_date_words(value)))
    if _FLOAT_WRITTEN.fullmatch(text):  # "44256.0", "20210315.0": another system's float
        text = text.split(".")[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = match.groups()
            return _make_date(int(year), int(month), int(day) if day else 1)
    match = _US_DATE.match(text)
    if match:
        first, second, year = (int(part) for part in match.groups())
        month, day = (second, first) if first > 12 else (first, second)
        return _make_date(year, month, day)
    match = _SHORT_YEAR_MONTH.match(text)
    if match:
        return _make_date(_short_year(int(match.group(1))), int(match.group(2)), 1)
    if text.isdigit() and len(text) == 5 and (year_month := year_and_month_digit(int(text))):
        return date(*year_month, 1)
    if text.isdigit() and 1 <= int(text) < 80000:
        return EXCEL_EPOCH + timedelta(days=int(text))
    raise ValueError("日期无法识别")


def _date_words(value: object) -> str:
    """The date as `date_text` reads it: half-width, simplified (2020年春節後), no time, no spaces,
    no full stop or comma typed after it (2021.3. / 2021年3月，)."""
    text = to_simplified(unicodedata.normalize("NFKC", str(value)).strip())
    return _SPACES.sub("", _SPACED_DIGITS.sub(".", _TIME_OF_DAY.sub("", text))).rstrip(
        ".。,，、;；"
    )


def date_caveat(value: object) -> str | None:
    """The warning a date read less exactly than written deserves (a year, 年底, 春节后), naming
    the text as written; None for a date read as written, or not read at all."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    digits = to_text(value) or ""
    if digits.isdigit() and len(digits) == 5 and (year_month := year_and_month_digit(int(digits))):
        year, month = year_month
        return (
            f"日期“{digits}”按{year}年{month}月统计（也可能是别的日期）；"
            f"请写成“{year}-{month:02d}”这样的格式"
        )
    if isinstance(value, int | float):
        rough = float(value).is_integer() and year_number(int(value))
    else:
        words = unhedged(_date_words(value))
        if period_start(words) is not None:
            try:
                read = parse_date(value)
            except ValueError:
                return None
            return f"日期“{to_text(value)}”是一段时间，按开始时间{read:%Y年%-m月%-d日}统计"
        rough = approximate(words) is not None
    if not rough:
        return None
    try:
        read = parse_date(value)
    except ValueError:
        return None
    written = to_text(value)
    return f"日期“{written}”不够精确，按{read.year}年{read.month}月统计"


# An optional date that cannot be read costs the field, not the member: spec §3 rejects a row
# for a date before 1950 or after the census, never for an unreadable one. The warning's reason
# ends with this, so the file's health check and the values vote can count them.
BLANKED = "，已留空，该党员其余信息照常统计"
# A cell whose formula failed (#N/A, #REF! …, `intake.error_cells`) is no value at all: the
# field is left blank (the member still counts), or the row rejected where the cell names the
# member (姓名). Not ending with BLANKED: a broken formula says nothing of whether the
# column is the field the header says (`value_vote`).
FORMULA_ERROR_START = "单元格是公式错误"
FORMULA_ERROR = FORMULA_ERROR_START + "（{}），公式没有算出结果"
FORMULA_BLANKED = "，已留空（该党员其余信息照常统计）；请在表中修正公式后重新上报"
FORMULA_REJECTED = "；请在表中修正公式后重新上报"


def month_end(wave: str) -> date:
    """Last day of a `YYYY-MM` census wave."""
    year, month = (int(part) for part in wave.split("-"))
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


# ---------------------------------------------------------------- numbers and contacts


_COUNT_UNIT = re.compile(r"[人名个位]$")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}


def _chinese_count(text: str) -> int | None:
    """一 … 九十九 as written in a register ("五", "十二", "二十", "两"), else None."""
    if text in _DIGITS:
        return _DIGITS[text]
    tens, ten, ones = text.partition("十")
    if not ten or not all(c in _DIGITS for c in tens + ones) or len(tens) > 1 or len(ones) > 1:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


# A head count beyond this is no register's (and would not fit the warehouse's integers).
MAX_COUNT = 1_000_000
COUNT_RANGE = f"人数超出合理范围（应为 0 到 {MAX_COUNT} 之间的整数）"


def _bounded(number: float) -> float:
    if not math.isfinite(number) or abs(number) > MAX_COUNT:
        raise ValueError(COUNT_RANGE)
    return number


def parse_count(value: object) -> float | None:
    """A head count such as 3, '3', '3人', '3名'; fractions and negatives pass through for the schema."""
    if is_placeholder(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _bounded(float(value))
    text = _COUNT_UNIT.sub("", _SPACES.sub("", unicodedata.normalize("NFKC", str(value))))
    written = _chinese_count(text)
    if written is not None:
        return float(written)
    try:
        number = float(text)
    except (ValueError, OverflowError):
        raise ValueError("带动就业人数应为整数") from None
    return _bounded(number)


def normalize_phone(value: object) -> str | None:
    """Digits kept exactly; a number cell loses no digits because it is formatted as an integer."""
    if is_placeholder(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(value)))  # +86 kept as written


# Mobile, landline with area code, or a local landline without it.
PHONE_PATTERN = r"1[3-9]\d{9}|0\d{9,11}|[2-9]\d{6,7}"
PHONE_PROBLEM = "联系电话不是11位手机号或带区号的固定电话"
# The separators a phone is written with, and China's country code in front (kept in the data).
PHONE_SEPARATORS = r"[-()（）\s]"
COUNTRY_CODE = r"^(?:\+|00)?86(?=1[3-9]\d{9}$)|^(?:\+|00)86"
# What can be a phone at all: digits with separators, an optional + in front, an extension.
PHONE_SHAPE = r"\+?[\d\-()（）\s]{3,24}(?:(?:转|分机|ext\.?|x)\d{1,6})?"
PHONE_SHAPE_PROBLEM = "联系电话含有数字和分隔符以外的内容或位数过多，不是电话号码"


def phone_digits(text: str) -> str:
    """'+86 138-0000-0000' → '13800000000': what the pattern checks (the data keeps +86)."""
    return re.sub(COUNTRY_CODE, "", re.sub(PHONE_SEPARATORS, "", text))


# Characters nobody sees: C0/C1 controls (NUL included), zero-width and bidirectional marks
# (U+202E turns a name around on screen), the BOM, soft hyphens. Dropped from every text field.
INVISIBLE = (
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def drop_invisible(series: pd.Series) -> pd.Series:
    """A text column without invisible characters; a cell left empty becomes missing."""
    text = series.dropna()
    if text.empty:
        return series
    text = text.astype(str)
    odd = text.str.contains(INVISIBLE, regex=True)
    if not odd.any():
        return series
    cleaned = text[odd].str.replace(INVISIBLE, "", regex=True).str.strip()
    out = series.copy()
    out.loc[cleaned.index] = cleaned.where(cleaned != "", None)
    return out


def normalize_name(value: object) -> str | None:
    text = optional_text(value)
    return _SPACES.sub("", text) if text else None


def branch_name(value: object) -> str | None:
    """所在党支部 / 支部名称: a space inside is typing, not the name ("王家山村 党支部",
    "岱岭村　党支部" are 王家山村党支部, 岱岭村党支部). Kept, it made a second branch beside
    the first: apart from its 支部情况 total, and never replaced by a correction naming it
    without the space."""
    return normalize_name(value)
