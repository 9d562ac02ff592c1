"""Ditto marks: `〃`, `同上` (and chains of them) mean the value of the cell above.

Registers are filled by hand; a secretary writes 〃 under a branch, a destination or an
occupation instead of copying it. The mark is replaced by the nearest real value above it in
the same column, column by column, once per distinct value.

同左 ("as the cell to the left") is not taken: the columns of a register hold different things,
so copying sideways would put a date into a place column; it stays as written and is reported
where the field's own rules refuse it.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

# 〃 (U+3003), ″ (double prime; NFKC makes it two primes ′′), 〞〝, ASCII and curly quotes, 々 (iteration mark), as one
# mark or several ("〃 〃"); the words 同上 / 同前 / 同上行, optionally repeated or closed by 。
_DITTO = re.compile(r'^(?:[〃″′〞〝"“”々]+|(?:同上行?|同前|同上面|同上栏)+)[。.]?$')
# Identity columns are never copied from the row above: each member has their own.
NOT_FILLED = frozenset({"name", "id_number", "phone", "seq", "gender", "birth_date"})


def _outside_ditto_words() -> re.Pattern:
    """ASCII letters and digits, and CJK ideographs other than those of 同上/同前/同上行/同上面/
    同上栏: NFKC leaves each of them a character no ditto mark is written with, so a cell holding
    one (a name, a place, a date) is no ditto mark, told without normalising it."""
    kept = sorted(ord(ch) for ch in "同上行前面栏")
    ranges, start = [], 0x4E00
    for code in kept:
        if start < code:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
        start = code + 1
    ranges.append(f"\\u{start:04x}-\\u9fff")
    return re.compile("[0-9A-Za-z" + "".join(ranges) + "]")


_NO_DITTO = _outside_ditto_words()


def is_ditto(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 12 or _NO_DITTO.search(value):
        return False
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    return bool(text) and _DITTO.match(text) is not None


def _ditto_values(column: pd.Series) -> set:
    """The distinct cells of a column that are ditto marks (one check per distinct value,
    found by hashing, so no Python call per cell)."""
    values = column.to_numpy()
    try:
        distinct = set(values)
    except TypeError:  # an unhashable cell
        distinct = pd.unique(values)
    return {v for v in distinct if is_ditto(v)}


def fill_dittos(frame: pd.DataFrame, columns: list[str]) -> dict[str, int]:
    """Replace ditto marks in `columns` of `frame` (in place) by the value above; returns
    {column: cells filled}. A mark with nothing above it stays (it is reported later)."""
    filled: dict[str, int] = {}
    present = set(frame.columns)  # a set: no index lookup per column
    for name in columns:
        if name in NOT_FILLED or name not in present:
            continue
        column = frame[name]
        marks = _ditto_values(column)
        if not marks:
            continue
        is_mark = column.isin(marks)
        above = column.mask(is_mark).ffill()  # a chain of marks takes the value above them all
        target = is_mark & above.notna()
        frame.loc[target, name] = above[target]
        filled[name] = int(target.sum())
    return filled
