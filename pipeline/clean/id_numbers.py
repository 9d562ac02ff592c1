"""ID numbers (居民身份证号码): reading one as typed, why it is invalid, masking, and what it
says (birth month, sex). The vectorised forms serve the columns where nearly every value is
distinct and a Python call per value would dominate an ingest.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import numpy as np
import pandas as pd

from pipeline.clean.normalize import _SPACES, is_placeholder

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalize_id(value: object) -> str | None:
    """An 18-character ID number as text. Numbers are refused: Excel keeps 15 significant digits."""
    if is_placeholder(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("身份证号以数字格式存储，后几位已丢失，请将该列设为文本后重新填写")
    text = _SPACES.sub("", unicodedata.normalize("NFKC", str(value))).upper().removeprefix("'")
    if re.fullmatch(r"\d(\.\d+)?E\+\d+", text):
        raise ValueError("身份证号以科学计数法存储，后几位已丢失，请将该列设为文本后重新填写")
    return text


# Words and marks typed around an ID number: a 身份证号： label in front, dashes between its
# parts (330327-19800101-1234), a remark in brackets after it (（已核实）). The number is the rest.
_ID_DECORATION = re.compile(
    r"^\s*(?:公民)?身份证(?:号码|号)?\s*[:：]?|(?<=\d)\s*[-－—]\s*(?=\d)|\s*[(（][^()（）]*[)）]\s*$"
)


def strip_id_words(series: pd.Series) -> pd.Series:
    """Text ID cells without the words and marks around the number (vectorised: few have any)."""
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        text = series.dropna()
    else:
        text = series[series.map(type, na_action="ignore").eq(str)]
    odd = text[~text.str.fullmatch(r"[\dXx\s']*")]
    if odd.empty:
        return series
    out = series.copy()
    out.loc[odd.index] = odd.str.replace(_ID_DECORATION, "", regex=True)
    return out


def id_problem(text: str) -> str | None:
    """Why an ID number is invalid, or None when it is valid."""
    if re.fullmatch(r"\d{15}", text):
        return "身份证号为15位旧号码，请填写18位新号码（第二代身份证）"
    if re.fullmatch(r"[A-Z]{1,2}\d{6,10}(?:\([0-9A]\))?", text):
        return "填写的是港澳台居民证件或护照号码，不是18位居民身份证号码，请核对"
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return f"身份证号应为18位（17位数字加1位校验码），实际为{len(text)}位"
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "身份证号中的出生日期不存在"
    if id_check_digit(text[:17]) != text[17]:
        return "身份证号校验位错误，请核对号码"
    return None


def mask_id(text: str | None) -> str | None:
    """330327********1234: the region stays for analysis, the person is not identifiable."""
    if not text:
        return None
    if len(text) <= 10:
        return text[:2] + "*" * (len(text) - 2)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def gender_from_id(text: str) -> str:
    return "男" if int(text[16]) % 2 else "女"


def birth_from_id(text: str) -> date:
    return date(int(text[6:10]), int(text[10:12]), 1)


def id_problems(ids: pd.Series) -> pd.Series:
    """Per row: why the ID number is invalid, or None. Same rules as `id_problem`."""
    out = pd.Series(None, index=ids.index, dtype=object)
    text = ids.dropna().astype(str)
    if text.empty:
        return out
    formed = text.str.fullmatch(r"\d{17}[\dX]")
    out.loc[formed.index[~formed]] = [id_problem(v) for v in text[~formed]]
    good = text[formed]
    if good.empty:
        return out
    # 18 ASCII characters each: one byte matrix, no Python call per ID
    digits = np.frombuffer("".join(good.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    sums = ((digits[:, :17] - 48).astype(np.int64) * np.asarray(_ID_WEIGHTS)).sum(axis=1) % 11
    expected = np.frombuffer(_ID_CHECK.encode("ascii"), dtype=np.uint8)[sums]
    number = (digits[:, 6:14] - 48).astype(np.int64) @ (10 ** np.arange(7, -1, -1))
    birth_ok = _calendar_dates(number // 10000, number // 100 % 100, number % 100)
    out.loc[good.index[~birth_ok]] = "身份证号中的出生日期不存在"
    out.loc[good.index[birth_ok & (expected != digits[:, 17])]] = "身份证号校验位错误，请核对号码"
    return out


def _calendar_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether each (year, month, day) is a real date, as `datetime.date` decides it."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = np.asarray([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 1, 12) - 1]
    days = days + ((month == 2) & leap)
    return (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)


def mask_ids(ids: pd.Series) -> pd.Series:
    """`mask_id` over a column: a valid ID number has 18 characters, so slices do it."""
    text = ids.astype("str")
    eighteen = text.str.len().eq(18)
    masked = (text.str.slice(0, 6) + "********" + text.str.slice(14)).where(eighteen)
    other = text.notna() & ~eighteen.fillna(False)
    if other.any():
        masked[other] = [mask_id(v) for v in text[other]]
    return masked
