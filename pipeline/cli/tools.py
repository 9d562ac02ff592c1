"""`python -m pipeline report` and `python -m pipeline watch` (issue #4), apart from cli.py so
the stable ingest/stats contract stays small. Exit codes: 0 done, 2 usage or no data."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline import config


def add_parsers(sub) -> None:
    report = sub.add_parser("report", help="生成普查分析报告（Word 文档）")
    report.add_argument("--wave", required=True, help="普查批次，如 2022-04")
    report.add_argument("--township", help="只写某个乡镇（默认全县）")
    report.add_argument(
        "--db", type=Path, help="数据仓库文件（默认 data/curated/census.duckdb 或 $CENSUS_DB）"
    )
    report.add_argument("--out", type=Path, required=True, help="输出文件，如 报告.docx")

    watch = sub.add_parser(
        "watch", help="监视文件夹，新普查表放入并稳定后自动入库（按 Ctrl+C 退出）"
    )
    watch.add_argument("folder", type=Path, nargs="?", default=None, help="默认 data/raw")
    watch.add_argument("--db", type=Path)
    watch.add_argument("--interval", type=float, default=2.0, help="检查间隔（秒，默认 2）")
    watch.add_argument(
        "--stable-polls",
        type=int,
        default=2,
        help="文件大小和修改时间连续几次检查不变才入库（默认 2）",
    )
    watch.add_argument("--user", help="上报人（默认当前系统用户）")


def run(args) -> int:
    return _report(args) if args.command == "report" else _watch(args)


def _report(args) -> int:
    db = args.db or config.db_path()
    if not Path(db).exists():
        print(f"数据仓库不存在：{db}（请先运行 python -m pipeline ingest）", file=sys.stderr)
        return 2
    if args.out.suffix.lower() != ".docx":
        print(f"报告文件应以 .docx 结尾：{args.out}", file=sys.stderr)
        return 2
    from pipeline.charts import export as exports
    from pipeline.reports.word import ReportError, write_report

    try:
        out = write_report(db, args.wave, args.township, args.out)
    except ReportError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        exports.shutdown()  # the chart renderer's Chromium must not outlive the command
    print(f"已生成报告：{out}")
    return 0


def _watch(args) -> int:
    from pipeline.intake.watch import watch

    folder = args.folder or config.raw_dir()
    if not folder.is_dir():
        print(f"找不到文件夹：{folder}", file=sys.stderr)
        return 2
    if args.interval <= 0 or args.stable_polls < 1:
        print("--interval 应大于 0，--stable-polls 至少为 1", file=sys.stderr)
        return 2
    return watch(
        folder,
        db=args.db,
        interval=args.interval,
        stable_polls=args.stable_polls,
        uploaded_by=args.user,
    )
