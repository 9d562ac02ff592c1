"""The curated layer as partitioned Parquet, for engines beyond one machine (README: scaling).

    python -m pipeline export-parquet --out DIR [--db FILE]

Writes the current rows of `members` (hive-partitioned by wave and destination province
code), `branch_totals` and `units` (by wave), plus `manifest.json`. The files carry the
warehouse's own column names and types, `is_current` included, so the model SQL in
`pipeline/sql` runs on them unchanged: `attach_export` makes DuckDB views of them, and
Spark reads the same folders (`pipeline/warehouse/spark.py`). Unknown destinations land in
`dest_province_code=__HIVE_DEFAULT_PARTITION__`, the Hive convention both engines read
back as NULL.

Readers must keep partition values as text: DuckDB would otherwise read the province code
330000 as a number (`hive_types`), Spark too (`partitionColumnTypeInference.enabled=false`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.warehouse.store import DUCKDB_CONFIG, connect_readonly

# table → (grain, partition columns). Only current versions are exported: history stays in
# the warehouse, and every row here has is_current = true, so the models filter nothing out.
TABLES = {
    "members": ("one row per current member per census wave", ("wave", "dest_province_code")),
    "branch_totals": ("one row per current branch summary line", ("wave",)),
    "units": ("one row per current (wave, township, branch) unit", ("wave",)),
    # the header maps: which fields each unit's registers carried (a missing one is 未填报)
    "source_files": ("one row per accepted file, with its header map", ("wave",)),
}
# tables without a history flag: every row is exported
_ALL_ROWS = {"source_files"}
MANIFEST = "manifest.json"


class ExportError(Exception):
    """The export cannot be written (no warehouse, or the target holds something else)."""


def export_parquet(db: Path, out: Path) -> dict:
    """Write the export next to `out`, then swap it in; returns the manifest."""
    db, out = Path(db), Path(out)
    if not db.exists():
        raise ExportError(f"数据仓库不存在：{db}（请先运行 python -m pipeline ingest）")
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise ExportError(f"输出目录不为空且不是之前的导出：{out}（为免误删，请换一个目录）")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        manifest = _write(db, staging)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _write(db: Path, folder: Path) -> dict:
    con = connect_readonly(db)
    tables = {}
    try:
        for table, (grain, partitions) in TABLES.items():
            target = folder / table
            # The target path is bound like any value; partition columns are code constants.
            current = "" if table in _ALL_ROWS else "where is_current"
            con.execute(
                f"copy (select * from {table} {current}) to ? "
                f"(format parquet, compression zstd, partition_by ({', '.join(partitions)}))",
                [str(target)],
            )
            [(rows,)] = con.execute(f"select count(*) from {table} {current}").fetchall()
            tables[table] = {"grain": grain, "partition_by": list(partitions), "rows": rows}
    finally:
        con.close()
    manifest = {"exported_at": datetime.now().isoformat(timespec="seconds"), "warehouse": str(db),
                "format": "parquet, hive partitioning; partition values are text", "tables": tables}  # fmt: skip
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return manifest


def attach_export(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Views named like the warehouse tables over an export, so `pipeline/sql` runs as is."""
    for table, (_grain, partitions) in TABLES.items():
        pattern = str(Path(folder) / table / "**" / "*.parquet")
        types = "{" + ", ".join(f"'{p}': 'varchar'" for p in partitions) + "}"
        # A view body cannot take parameters; the path is quoted as a SQL string literal.
        literal = "'" + pattern.replace("'", "''") + "'"
        con.execute(
            f"create or replace view {table} as select * from read_parquet({literal}, "
            f"hive_partitioning = true, hive_types = {types})"
        )


def warehouse_from_export(folder: Path, db: Path) -> Path:
    """A DuckDB file holding the export's tables and the models built on them."""
    from pipeline.warehouse.models import build_models

    con = duckdb.connect(str(db), config=dict(DUCKDB_CONFIG))
    try:
        attach_export(con, folder)
        for table in TABLES:  # materialise, then the same model SQL as after an ingest
            con.execute(f"create table {table}_t as select * from {table}")
            con.execute(f"drop view {table}")
            con.execute(f"alter table {table}_t rename to {table}")
        build_models(con)
    finally:
        con.close()
    return db
