"""Warnings on rows that load but deserve a look (row_issues.row_warnings)."""

from __future__ import annotations

import pandas as pd

from pipeline.clean.row_issues import row_warnings
from tests.conftest import valid_id


def _valid(ids, births, outflows) -> pd.DataFrame:
    n = len(ids)
    text = pd.Series([None] * n, dtype="str")
    return pd.DataFrame(
        {
            "id_number": pd.Series(ids, dtype="str"),
            "birth_date": pd.to_datetime(pd.Series(births)),
            "outflow_date": pd.to_datetime(pd.Series(outflows)),
            "return_date": pd.Series([None] * n, dtype="datetime64[us]"),
            "phone": text,
            "gender": text,
            "stated_flow_scope": text,
            "derived_scope": text,
            "destination_text": text,
            "resolved_as": text,
            "returned": pd.Series([None] * n, dtype=object),
        }
    )


def test_a_date_before_the_member_was_born_is_warned():
    """V07: 流出时间 1990.3 for a member born in 1995 (by the ID) loaded as 33 years away."""
    ids = [valid_id("33032719950101301"), valid_id("33032719950315301"), None, None]
    births = [None, None, "1988-06-01", None]
    outflows = ["1990-03-01", "1995-03-01", "1987-01-01", "1980-01-01"]
    found = row_warnings(_valid(ids, births, outflows))
    early = found[found["field"] == "outflow_date"]
    assert list(zip(early["row"], early["reason"], strict=True)) == [
        (0, "流出时间早于出生年月（1995年1月），请核对"),
        (2, "流出时间早于出生年月（1988年6月），请核对"),
    ]  # 1995-03 is the month of birth (15 March): the same month is no contradiction
