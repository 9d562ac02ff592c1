"""`python -m pipeline export-parquet --out DIR [--db FILE]` (issue #6), apart from cli.py so
the stable ingest/stats contract stays small. Exit codes: 0 written, 2 usage or no warehouse."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline import config

COMMAND = "export-parquet"


def add_parser(sub) -> None:
    export = sub.add_parser(
        COMMAND, help="把当前数据导出为按普查批次和流入省份分区的 Parquet（供分布式引擎使用）"
    )
    export.add_argument("--out", type=Path, required=True, help="输出目录（已有的导出会被替换）")
    export.add_argument(
        "--db", type=Path, help="数据仓库文件（默认 data/curated/census.duckdb 或 $CENSUS_DB）"
    )


def run(args) -> int:
    from pipeline.warehouse.parquet import ExportError, export_parquet

    try:
        manifest = export_parquet(args.db or config.db_path(), args.out)
    except ExportError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    counts = "，".join(f"{name} {t['rows']:,} 行" for name, t in manifest["tables"].items())
    print(f"已导出到 {args.out}：{counts}")
    return 0
