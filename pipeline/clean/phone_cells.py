"""Phone cells as clerks write them: several numbers in one cell, words and remarks around them,
numbers another system wrote as floats. The single-number rules live in `normalize`.
"""

from __future__ import annotations

import re

import pandas as pd

from pipeline.clean.normalize import PHONE_PATTERN, PHONE_PROBLEM, PHONE_SHAPE, phone_digits

# A cell may hold several numbers ("13812345678/13987654321", one per line) and words around
# them (本人, 手机：, （微信同号）, 家属): each number is checked, the words are not, and the
# member loads with the cell as written. A cell of words alone (停机, 无手机) loads with a warning.
_PHONE_LIST = re.compile(r"[/／、,，;；|]+")
_PHONE_REMARK = re.compile(r"[(（][^()（）\d]*[)）]")
_PHONE_WORDS = re.compile(r"[\u3400-\u9fff]+[:：]?")
# Two whole numbers a space or line break keeps apart are two numbers, not one: digits on both
# sides of the gap, seven or more each (an area code and its number are run together).
_NUMBER_GAP = re.compile(r"(?<=\d{7})[ \t]*[\r\n]+\s*(?=[+\d])|(?<=\d{7})\s+(?=\+?\d{7})")


def phone_text(series: pd.Series) -> pd.Series:
    """Text phone cells as written, with two numbers a gap keeps apart joined by /
    ("13812345678 13987654321", one per line) and the ".0" of a number another system wrote
    as a float ("13812345678.0") dropped."""
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        text = series.dropna()
    else:
        text = series[series.map(type, na_action="ignore").eq(str)]
    floated = text[text.str.len().between(9, 16)]
    floated = floated[floated.str.fullmatch(r"\s*\d{7,13}\.0+\s*")]
    text = text[text.str.len() > 14]  # two numbers and a gap; most cells are one number
    gapped = text[text.str.contains(r"\d\s+[+\d]", regex=True)]
    if gapped.empty and floated.empty:
        return series
    out = series.copy()
    out.loc[gapped.index] = gapped.str.replace(_NUMBER_GAP, "/", regex=True)
    out.loc[floated.index] = floated.str.strip().str.replace(r"\.0+$", "", regex=True)
    return out


_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x)\d{1,6}(?=\D|$)", re.IGNORECASE)


def phone_parts(text: str) -> list[str]:
    """The numbers a phone cell holds, without the words, remarks and extensions around them."""
    bare = _PHONE_WORDS.sub(" ", _PHONE_REMARK.sub(" ", _EXTENSION.sub("", text)))
    return [part.strip() for part in _PHONE_LIST.split(bare) if part.strip()]


def phone_shaped(text: str) -> bool:
    """Whether a cell is phone numbers with words around them (not =1+1, fifty digits, abc)."""
    if re.fullmatch(PHONE_SHAPE, text, flags=re.IGNORECASE):
        return True
    parts = phone_parts(text)
    if not parts:  # words alone: 停机, 无手机
        return bool(_PHONE_WORDS.search(text)) and len(text) <= 30
    return all(re.fullmatch(PHONE_SHAPE, part, flags=re.IGNORECASE) for part in parts)


def phone_problem(text: str) -> str | None:
    parts = phone_parts(text) if not text.isdecimal() else [text]
    good = parts and all(re.fullmatch(PHONE_PATTERN, phone_digits(part)) for part in parts)
    return None if good else PHONE_PROBLEM
