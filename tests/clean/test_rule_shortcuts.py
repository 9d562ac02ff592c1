"""The name and phone rules' shortcuts agree with the full per-value regex (issue #18).

Python's regex engine runs once per phone; the rules now skip it for the usual eleven bare digits.
Hypothesis feeds digits of every script, separators, country codes and junk to both."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean import phone_cells
from pipeline.clean.row_issues import row_warnings
from pipeline.clean.schemas import CensusRows

PHONES = st.lists(
    st.one_of(
        st.none(),
        st.text(max_size=30),
        st.text(alphabet="0123456789²³١٢٣０１+-()（） 转x86", max_size=30),
        st.from_regex(r"(\+86|0086|86)?1[3-9]\d{9}", fullmatch=True),
    ),
    min_size=1,
    max_size=20,
)


def _full_shape_rule(s: pd.Series) -> pd.Series:
    return s.isna() | s.map(phone_cells.phone_shaped, na_action="ignore").fillna(True).astype(bool)


def _full_warning_rule(s: pd.Series) -> pd.Series:
    phones = s.dropna()
    return phones.index[phones.map(phone_cells.phone_problem).notna()]


@settings(max_examples=400, deadline=None)
@given(PHONES)
def test_phone_shape_check_agrees_with_the_regex(values):
    s = pd.Series(values, dtype="str")
    assert CensusRows._phone.__func__(CensusRows, s).tolist() == _full_shape_rule(s).tolist()


@settings(max_examples=200, deadline=None)
@given(PHONES)
def test_phone_warning_agrees_with_the_regex(values):
    s = pd.Series(values, dtype="str")
    valid = pd.DataFrame(
        {
            "phone": s,
            "id_number": pd.Series(None, index=s.index, dtype="str"),
            "gender": pd.Series(None, index=s.index, dtype="str"),
            "stated_flow_scope": pd.Series(None, index=s.index, dtype="str"),
            "derived_scope": pd.Series(None, index=s.index, dtype="str"),
            "destination_text": pd.Series(None, index=s.index, dtype="str"),
            "resolved_as": pd.Series(None, index=s.index, dtype="str"),
            "returned": pd.Series(None, index=s.index, dtype=object),
            "return_date": pd.Series(None, index=s.index, dtype="datetime64[us]"),
        }
    )
    warned = row_warnings(valid)
    assert sorted(warned.loc[warned["field"] == "phone", "row"]) == sorted(_full_warning_rule(s))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["张三", "·", "***", "王·五", "Ａ", "1号", "_"])), min_size=1, max_size=20))  # fmt: skip
def test_name_letter_check_agrees_with_the_regex(values):
    s = pd.Series(values, dtype="str")
    full = s.isna() | s.str.contains(r"[^\W\d_]", regex=True).fillna(True)
    assert CensusRows._name_letter.__func__(CensusRows, s).tolist() == full.tolist()
