"""The first workbook's one-time setup, done while calamine parses it."""

from __future__ import annotations

import threading

from pipeline import config
from pipeline.clean.transform import clean_census
from pipeline.ingest import primer
from pipeline.intake.readers import Sheet
from pipeline.parse.layout import parse_workbook


def test_the_priming_sheet_is_one_clean_member():
    # A sheet that lost its member to a reject would leave part of the row pipeline unprimed.
    book = parse_workbook([Sheet(primer.SHEET_NAME, [list(row) for row in primer._SHEET])])
    cleaned = clean_census(
        book.tables[0].members,
        township="示例镇",
        wave="2024-04",
        home_county=config.HOME_COUNTY_CODE,
        hash_id=str.lower,
    )
    assert len(cleaned.members) == 1
    assert cleaned.rejects.empty
    assert cleaned.warnings.empty
    assert cleaned.members.loc[0, "flow_scope"] == "省内跨市"


def test_prime_runs_once_and_a_failure_only_costs_the_head_start(monkeypatch):
    calls = []

    def failing_clean(*args, **kwargs):
        calls.append(kwargs["township"])
        raise RuntimeError("代码表损坏")

    monkeypatch.setattr(primer, "_primed", threading.Event())
    monkeypatch.setattr(primer, "clean_census", failing_clean)
    primer.prime(config.HOME_COUNTY_CODE)
    primer.prime(config.HOME_COUNTY_CODE)
    assert calls == ["示例镇"]
    assert primer._primed.is_set()
