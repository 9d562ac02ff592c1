"""Ingesting ../shared/samples reproduces every figure of truth.json (spec §5, §7)."""

from __future__ import annotations

import pytest

from pipeline.cli.commands import stats_rows


def test_file_statuses_and_row_counts(samples_db, truth):
    _db, report = samples_db
    got = {
        f.file: {"status": f.status, "rows_loaded": f.rows_loaded, "rows_rejected": f.rows_rejected}
        for f in report.files
    }
    assert got == truth["files"]


def test_stats_match_truth(samples_db, truth):
    db, _report = samples_db
    got = {
        f"{r['township']}|{r['wave']}": {
            k: v for k, v in r.items() if k not in ("township", "wave")
        }
        for r in stats_rows(db)
    }
    assert got == truth["stats"]


def test_seed_census_shares(samples_db):
    """The seed figures of spec §5, with the spec's rounding."""
    db, _ = samples_db
    from pipeline.warehouse.store import connect_readonly

    con = connect_readonly(db)
    row = con.execute(
        """select outflow, members_total, outflow_share_pct, long_term_pct,
                  round(100.0 * scope_cross_province / outflow, 2), round(100.0 * scope_within_county / outflow, 2)
           from mart_township_wave where township = ? and wave = ?""",
        ["xx镇", "2022-04"],
    ).fetchone()
    con.close()
    assert row == (
        195,
        957,
        pytest.approx(20.38),
        pytest.approx(19.49),
        pytest.approx(20.51),
        pytest.approx(65.64),
    )
