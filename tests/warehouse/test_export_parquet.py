"""The Parquet export round-trips: DuckDB reading it runs the same model SQL and gets the
same stats as the warehouse (issue #6)."""

from __future__ import annotations

import json

import duckdb

from pipeline.cli.commands import main, stats_rows
from pipeline.warehouse.parquet import TABLES, attach_export, export_parquet, warehouse_from_export
from pipeline.warehouse.store import connect_readonly


def test_export_gives_the_same_stats(samples_db, tmp_path):
    db, _ = samples_db
    out = tmp_path / "export"
    manifest = export_parquet(db, out)
    rebuilt = warehouse_from_export(out, tmp_path / "from_parquet.duckdb")
    assert stats_rows(rebuilt) == stats_rows(db)
    assert manifest["tables"]["members"]["rows"] > 0
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest


def test_export_is_partitioned_by_wave_and_province(samples_db, tmp_path):
    db, _ = samples_db
    out = tmp_path / "export"
    export_parquet(db, out)
    waves = {p.name for p in (out / "members").iterdir()}
    assert waves and all(w.startswith("wave=") for w in waves)
    provinces = {p.name for p in (out / "members").glob("wave=*/*")}
    assert "dest_province_code=330000" in provinces  # 浙江省
    # Unknown destinations: Hive's NULL partition, read back as NULL, not as text.
    con = duckdb.connect()
    attach_export(con, out)
    counts = dict(
        con.execute(
            "select dest_province_code is null, count(*) from members group by 1"
        ).fetchall()
    )
    # The project's own read-only connection: another test in this process (an AppTest's
    # cached connection) may hold the file open, and DuckDB refuses a second configuration.
    warehouse = connect_readonly(db)
    [(in_warehouse,)] = warehouse.execute(
        "select count(*) from members where is_current and dest_province_code is null"
    ).fetchall()
    warehouse.close()
    assert counts.get(True, 0) == in_warehouse
    for table, (_grain, partitions) in TABLES.items():
        types = {row[0]: row[1] for row in con.execute(f"describe {table}").fetchall()}
        assert all(types[p] == "VARCHAR" for p in partitions)


def test_cli_export(samples_db, tmp_path, capsys):
    db, _ = samples_db
    assert main(["export-parquet", "--out", str(tmp_path / "e"), "--db", str(db)]) == 0
    assert "members" in capsys.readouterr().out
    # Re-exporting replaces the previous export; a folder holding something else is refused.
    assert main(["export-parquet", "--out", str(tmp_path / "e"), "--db", str(db)]) == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    assert main(["export-parquet", "--out", str(other), "--db", str(db)]) == 2
    assert (other / "notes.txt").exists()
    assert (
        main(
            ["export-parquet", "--out", str(tmp_path / "x"), "--db", str(tmp_path / "none.duckdb")]
        )
        == 2
    )
