"""CSV/XLSX exports that a spreadsheet cannot turn into formulas (OWASP "CSV injection").

Register cells come from township files we do not control: a name cell `=HYPERLINK(...)` or
`=cmd|' /C calc'!A0` would run as a formula in the analyst's Excel. Every text cell (and header)
that starts with a formula trigger gets a leading single quote, which Excel and WPS show as text.

Numbers, dates and blanks are left alone: they cannot start a formula, and quoting them would
turn them into text.
"""

from __future__ import annotations

import io
import re

import pandas as pd

# OWASP's list, plus the full-width forms a Chinese IME produces (WPS treats ＝ like =).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise_cell(value: object) -> object:
    """'=1+1' -> "'=1+1"; anything not text, or text not starting with a trigger, unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and every column label neutralised."""
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)  # renaming categories could collide ('=a' vs "'=a")
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(neutralise_cell, na_action="ignore")
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(text: str | None) -> str:
    """A worksheet name Excel accepts: a branch called 城东/城西联合支部 or [一]支部 once made
    every Excel download of its view fail (xlsxwriter refuses []:*?/\\, a leading or trailing
    quote and more than 31 characters)."""
    return _SHEET_BAD.sub("_", text or "")[:31].strip("'") or "数据"


def _excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    out = neutralise_frame(df)
    for column in out.columns:
        # Excel cannot store timezone-aware datetimes.
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_localize(None)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM: Excel on Chinese Windows otherwise reads the file as GBK and garbles it."""
    return neutralise_frame(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, *, sheet: str = "数据") -> bytes:
    """One sheet, every string written as a string.

    xlsxwriter's default turns any string starting with '=' into a live formula (and 'http…'
    into a link); both conversions are switched off, and the cells are neutralised as well in
    case someone re-types them in Excel.
    """
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        _excel_ready(df).to_excel(writer, sheet_name=sheet_name(sheet), index=False)
        writer.sheets[sheet_name(sheet)].freeze_panes(1, 0)
    return buffer.getvalue()
