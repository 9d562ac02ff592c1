"""Column-wise value mapping: a field's function applied once per distinct value, or (for
nearly-unique text columns) as pandas string operations, then taken back onto the rows.

Both paths apply the same rules (`pipeline.clean.normalize`); they differ only in cost.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.clean import normalize as nz
from pipeline.intake.error_cells import FORMULA_ERRORS


def map_distinct(
    series: pd.Series, func: Callable[[object], object], dtype: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """(values, errors): `func` applied once per distinct value and taken back onto the rows.

    `errors` holds the ValueError text of each row that failed, and only those rows; rows
    without a value get None (NaT, NaN). `dtype` builds the values typed from the small table
    of answers ("str" for text answers, "datetime64[us]" for dates), so no column of Python
    objects is converted afterwards.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results: list[object] = []
    errors: list[object] = []
    for value in uniques:
        try:
            results.append(func(value))
            errors.append(None)
        except ValueError as exc:
            results.append(None)
            errors.append(str(exc))
        except (ArithmeticError, TypeError):  # no cell value may abort a batch
            results.append(None)
            errors.append("无法识别的数值")
    codes = np.where(codes < 0, len(uniques), codes)  # the trailing None slot
    values = pd.Series(_typed(results + [None], dtype).take(codes), index=series.index)
    bad = [i for i, e in enumerate(errors) if e is not None]
    rows = np.flatnonzero(np.isin(codes, bad)) if bad else np.empty(0, dtype=np.intp)
    failed = pd.Series(
        np.asarray(errors + [None], dtype=object).take(codes[rows]),
        index=series.index[rows],
        dtype=object,
    )
    return values, failed


def _typed(results: list[object], dtype: str | None):
    if dtype is None:
        return np.asarray(results, dtype=object)
    if dtype.startswith("datetime"):
        return pd.to_datetime(pd.Series(results, dtype=object)).astype(dtype).array
    return pd.array(results, dtype=dtype)


def refusing_formula_errors(parser: Callable[[object], object]) -> Callable[[object], object]:
    """`parser`, except that what a failed formula shows (#N/A, #REF! …) is no answer of any
    field's: it fails with its own reason (`fields.parse_fields` decides what that costs)."""

    def parse(value: object) -> object:
        if isinstance(value, str) and value.strip() in FORMULA_ERRORS:
            raise ValueError(nz.FORMULA_ERROR.format(value.strip()))
        return parser(value)

    return parse


def joined_text(parts: pd.DataFrame) -> pd.Series:
    """Each row's text cells joined in column order (省 + 市 + 县); None where all are blank."""
    filled = parts.fillna("")
    return functools.reduce(operator.add, (filled[c] for c in filled.columns)).replace("", None)


# Text that NFKC normalisation and trimming cannot change (CJK Unified Ideographs have no
# compatibility decompositions; ASCII letters and digits are their own normal form).
_PLAIN = "[0-9A-Za-z\u4e00-\u9fff]+"

# Nearly-unique text columns: pandas string operations for text cells, the field's own
# function for the rest (numbers, dates), so both paths apply the same rules.
VECTOR_TEXT = {
    "name": {"spaces": "", "placeholders": True},
    "phone": {"spaces": "", "placeholders": True},  # a country code is kept (+86…)
    # a leading apostrophe is how Excel users type digits as text
    "id_number": {"spaces": "", "placeholders": True, "upper": True, "strip_prefix": "'"},
}


def vector_text(
    series: pd.Series,
    func: Callable[[object], object],
    *,
    spaces: str | None = None,
    placeholders: bool = False,
    upper: bool = False,
    strip_prefix: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Text values typed as pandas strings, and the errors of the field's function."""
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        is_text = series.notna()  # the usual column: text cells and blanks only
    else:
        is_text = series.map(type, na_action="ignore").eq(str)
    values, errors = map_distinct(series.where(~is_text), func, "str")
    text = series[is_text].astype("str")
    # Most cells are plain: ASCII letters and digits or common CJK ideographs, which NFKC,
    # strip and the whitespace rule leave unchanged. Only the others pay for those (Python
    # per-value) steps; the result is the same either way.
    plain = text.str.fullmatch(_PLAIN)
    failed = pd.Series(False, index=text.index)
    if not plain.all():
        odd = text[~plain].str.normalize("NFKC").str.strip()
        broken = odd.isin(FORMULA_ERRORS)  # a formula that failed: no value of the field's
        if broken.any():
            failed = broken.reindex(text.index, fill_value=False)
            shown = odd[broken].map(nz.FORMULA_ERROR.format).astype(object)
            errors = pd.concat([errors, shown]) if len(errors) else shown
        if spaces is not None:
            spaced = odd.str.contains(r"\s", regex=True)
            if spaced.any():
                odd = odd.where(~spaced, odd[spaced].str.replace(r"\s+", spaces, regex=True))
        text = text.where(plain, odd)
    if upper:
        text = text.str.upper()
    if strip_prefix:
        text = text.str.removeprefix(strip_prefix)
    blank = text.eq("") | failed
    if placeholders:
        blank |= text.str.lower().isin(nz.PLACEHOLDERS)
    if upper:  # a number that Excel or a CSV export wrote in scientific notation lost its digits
        sci = text.where(~plain, "").str.fullmatch(r"\d(\.\d+)?E\+\d+")  # needs '.' or '+'
        if sci.any():
            lost = pd.Series(
                "身份证号以科学计数法存储，后几位已丢失，请将该列设为文本后重新填写",
                index=sci.index[sci],
                dtype=object,
            )
            errors = pd.concat([errors, lost]) if len(errors) else lost
        blank |= sci
    text = text.where(~blank).reindex(series.index)
    return (text if is_text.all() else text.where(is_text, values)), errors
