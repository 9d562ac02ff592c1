"""The bundled demo census, ingested end to end, gives exactly the figures its generator planned."""

from __future__ import annotations

import pytest

from pipeline.cli.commands import stats_rows
from pipeline.demo.census import EXPECTED_SEED, generate, manifest
from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse.store import connect_readonly

SEED = 20220401


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    generate(folder / "raw", seed=SEED)
    db = folder / "demo.duckdb"
    return db, ingest_paths([folder / "raw"], db=db), manifest(SEED)


def test_every_demo_file_loads_with_planned_counts(demo):
    _db, report, plan = demo
    got = {f.file: (f.status, f.rows_loaded, f.rows_rejected) for f in report.files}
    want = {
        name: ("loaded", f["rows_loaded"], f["rows_rejected"]) for name, f in plan["files"].items()
    }
    assert got == want
    assert len({(f.township, f.wave) for f in report.files}) >= 12  # ≥ 6 townships × 2 waves


def test_planted_bad_rows_are_quarantined_where_planted(demo):
    db, _report, plan = demo
    con = connect_readonly(db)
    got = set(con.execute("select file_name, excel_row from quarantine").fetchall())
    con.close()
    want = {(name, bad["excel_row"]) for name, f in plan["files"].items() for bad in f["bad_rows"]}
    assert got == want


def test_demo_stats_match_plan_and_seed(demo):
    db, _report, plan = demo
    got = {
        f"{r['township']}|{r['wave']}": {
            k: v for k, v in r.items() if k not in ("township", "wave")
        }
        for r in stats_rows(db)
    }
    assert got == plan["stats"]
    seed = got[f"{EXPECTED_SEED['township']}|{EXPECTED_SEED['wave']}"]
    assert (seed["members_total"], seed["outflow"], seed["long_term"]) == (957, 195, 38)
    assert seed["scope"] == {"跨省": 40, "省内跨市": 9, "市内跨县": 14, "县内": 128, "未知": 4}


def test_the_certificate_column_of_every_demo_file_maps(demo):
    """The 2022-04 钱库镇 register heads it 持证情况: its 持证率 was 0.00% while it went unmapped."""
    db, report, _plan = demo
    assert not [c for f in report.files for c in f.unmapped if "持证" in c]
    con = connect_readonly(db)
    held = con.execute(
        "select count(has_certificate) from members"
        " where township = '钱库镇' and wave = '2022-04' and is_current"
    ).fetchone()[0]
    con.close()
    assert held > 0
