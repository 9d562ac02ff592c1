"""`make bench`'s step-by-step breakdown of one workbook's ingest (pipeline.bench.phases) and
its table in docs/benchmarks.md. Not a timing test: whether the steps are the command's and
the table says what they are."""

from __future__ import annotations

import duckdb

from pipeline.bench import phases, report
from pipeline.demo import bulk as demo_bulk


def test_each_step_of_an_ingest_is_timed_and_the_workbook_really_loaded(isolated_env):
    wave = ("2024-04",)
    town = demo_bulk.plan(300, 1, waves=wave, seed=3)[0]
    path = demo_bulk.write_workbooks(town, isolated_env, waves=wave)[0]
    db = isolated_env / "phases.duckdb"
    seconds = phases.measure(path, db)
    assert list(seconds) == [
        "read_bytes", "guard", "parse", "to_python", "imports", "layout", "clean", "load",
        "models", "close",
    ]  # fmt: skip
    assert all(s >= 0 for s in seconds.values())
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = con.execute("select count(*) from members").fetchone()[0]
        built = con.execute("select count(*) from mart_township_wave").fetchone()[0]
    finally:
        con.close()
    assert loaded == 300 and built == 1


def test_the_breakdown_table_names_each_step_against_the_read():
    lines = report._phases({"guard": 0.5, "parse": 2.0, "clean": 1.5}, read_s=2.0)
    table = "\n".join(lines)
    assert (
        "| hostile-sheet guard (every cell reference bounded before calamine) | 0.50 | 0.25× |"
        in table
    )
    assert "| all steps | 4.00 | 2.00× |" in table
