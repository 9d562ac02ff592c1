"""The county-level marts on Spark, reading the Parquet export (README: scaling beyond one
machine). Local mode here; the same code runs on a cluster with another `master`.

    python -m pipeline.warehouse.spark EXPORT_DIR [--master local[2]]

Needs the optional `scale` dependencies (PySpark, sqlglot) and Java 17+. The figures are the
warehouse's own models (`pipeline/sql`, and the county rollup of `metric_sql`), translated
from DuckDB's SQL to Spark's by sqlglot: defined once. `pipeline/sql/spark/` holds only what
reads the export itself: the staging views (the members' columns, the header maps' JSON).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from pipeline.config import SQL_DIR as SQL_ROOT
from pipeline.warehouse.parquet import TABLES

SQL_DIR = SQL_ROOT / "spark"
# name → where its SQL comes from, in build order: a file of pipeline/sql/spark (reads the
# export), a DuckDB model of pipeline/sql (translated), or the county rollup (translated)
MODELS = {
    "stg_members": "spark/stg_members.sql",
    "stg_header_entries": "spark/stg_header_entries.sql",
    "int_field_coverage": "intermediate/int_field_coverage.sql",
    "int_member_flags": "intermediate/int_member_flags.sql",
    "mart_branch_wave": "marts/mart_branch_wave.sql",
    "mart_township_sums": "marts/mart_township_sums.sql",
    "mart_township_wave": "marts/mart_township_wave.sql",
    "mart_county_wave": None,  # metric_sql.rollup_sql by wave, as the dashboard's county
}
_CREATE = re.compile(r"^\s*CREATE OR REPLACE (?:TABLE|VIEW) (\w+) AS ", re.IGNORECASE)


def model_sql(name: str, sql_root: Path = SQL_ROOT) -> str:
    """One model as Spark SQL: `create or replace temporary view <name> as ...`."""
    source = MODELS[name]
    if source is not None and source.startswith("spark/"):
        return (sql_root / source).read_text(encoding="utf-8")
    if source is None:
        from pipeline.warehouse import metric_sql

        duck = f"create or replace view {name} as " + metric_sql.rollup_sql(
            "wave", township_sums="mart_township_sums"
        )
    else:
        duck = (sql_root / source).read_text(encoding="utf-8")
    return to_spark(duck)


def to_spark(duckdb_sql: str) -> str:
    """A DuckDB model (`create or replace table|view x as ...`) as a Spark temporary view."""
    import sqlglot

    [spark_sql] = sqlglot.transpile(duckdb_sql, read="duckdb", write="spark", comments=False)
    spark_sql, found = _CREATE.subn(r"CREATE OR REPLACE TEMPORARY VIEW \1 AS ", spark_sql)
    if not found:
        raise ValueError("a model must begin with create or replace table|view <name> as")
    return spark_sql


def session(master: str = "local[2]", app: str = "census-marts"):
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName(app)
        # Partition values are text (province code 330000 is not a number) ...
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        # ... and a county's data is small per shuffle: a few partitions, no web UI.
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def register_export(spark, folder: Path) -> None:
    """One temp view per exported table, named as in the warehouse."""
    for table in TABLES:
        path = str(Path(folder) / table)
        spark.read.option("basePath", path).parquet(path).createOrReplaceTempView(table)


def build(spark, sql_root: Path = SQL_ROOT) -> list[str]:
    for name in MODELS:
        spark.sql(model_sql(name, sql_root))
    return list(MODELS)


def rows(spark, view: str, order: str) -> list[dict]:
    """A model's rows as plain dicts (no pandas: PySpark's pandas bridge lags pandas 3)."""
    return [r.asDict() for r in spark.sql(f"select * from {view} order by {order}").collect()]


def county_marts(folder: Path, master: str = "local[2]") -> dict[str, list[dict]]:
    spark = session(master)
    try:
        register_export(spark, folder)
        build(spark)
        return {
            "mart_township_wave": rows(spark, "mart_township_wave", "township, wave"),
            "mart_county_wave": rows(spark, "mart_county_wave", "wave"),
        }
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.warehouse.spark", description="在 Spark 上计算县级指标"
    )
    parser.add_argument("export", type=Path, help="python -m pipeline export-parquet 的输出目录")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)
    result = county_marts(args.export, args.master)
    print(json.dumps(result["mart_county_wave"], ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
