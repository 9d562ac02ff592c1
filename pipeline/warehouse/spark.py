"""The county-level marts on Spark, reading the Parquet export (README: scaling beyond one
machine). Local mode here; the same code runs on a cluster with another `master`.

    python -m pipeline.warehouse.spark EXPORT_DIR [--master local[2]]

Needs the optional `scale` dependencies (PySpark) and Java 17+. The SQL lives in
`pipeline/sql/spark/`, one model per file, built in `MODELS` order.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.warehouse.parquet import TABLES

SQL_DIR = Path(__file__).resolve().parents[1] / "sql" / "spark"
MODELS = (
    "stg_members",
    "int_field_coverage",
    "int_member_flags",
    "mart_branch_wave",
    "mart_township_sums",
    "mart_township_wave",
    "mart_county_wave",
)


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


def build(spark, sql_dir: Path = SQL_DIR) -> list[str]:
    for name in MODELS:
        spark.sql((sql_dir / f"{name}.sql").read_text(encoding="utf-8"))
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
