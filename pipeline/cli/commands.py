"""Command line (spec §6): `python -m pipeline ingest|stats|demo|users|report|watch`. Keep the contract stable."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline import config

SCOPE_COLUMNS = {
    "跨省": "scope_cross_province",
    "省内跨市": "scope_cross_city",
    "市内跨县": "scope_cross_county",
    "县内": "scope_within_county",
    "未知": "scope_unknown",
}
STATUS_LABELS = {
    "loaded": "已入库",
    "replaced": "已替换旧版本",
    "unchanged": "未变化",
    "rejected": "已拒收",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline", description="流动党员普查数据：入库与统计"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="校验并导入普查表（文件或文件夹）")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument(
        "--db", type=Path, help="数据仓库文件（默认 data/curated/census.duckdb 或 $CENSUS_DB）"
    )
    ingest.add_argument("--json", action="store_true", help="输出 JSON 结果")
    ingest.add_argument("--user", help="上报人（默认当前系统用户）")

    stats = sub.add_parser("stats", help="按乡镇、普查批次输出统计指标")
    stats.add_argument("--db", type=Path)
    stats.add_argument("--json", action="store_true", help="输出 JSON（默认输出表格）")

    demo = sub.add_parser("demo", help="生成演示普查表")
    demo.add_argument("--out", type=Path, default=None, help="输出目录（默认 data/raw）")
    demo.add_argument("--if-empty", action="store_true", help="仅当目录中没有普查表时生成")

    from pipeline.cli import users as cli_users  # accounts (issue #5): kept in its own module

    cli_users.add_parser(sub)
    from pipeline.cli import (
        tools as cli_tools,  # report and watch (issue #4): kept in their own module
    )

    cli_tools.add_parsers(sub)
    from pipeline.cli import export as cli_export  # Parquet export for scale-out (issue #6)

    cli_export.add_parser(sub)
    from pipeline.cli import mappings as cli_mappings  # analysts' kept column choices (issue #14)

    cli_mappings.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "ingest":
        return _ingest(args)
    if args.command == "stats":
        return _stats(args)
    if args.command == "users":
        from pipeline.cli import users as cli_users

        return cli_users.run(args)
    if args.command == "export-parquet":
        from pipeline.cli import export as cli_export

        return cli_export.run(args)
    if args.command == "mappings":
        from pipeline.cli import mappings as cli_mappings

        return cli_mappings.run(args)
    if args.command in ("report", "watch"):
        from pipeline.cli import tools as cli_tools

        return cli_tools.run(args)
    return _demo(args)


def _ingest(args) -> int:
    from pipeline.ingest.files import IMPORTING, collect_files, start_reading

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"找不到：{'、'.join(missing)}", file=sys.stderr)
        return 2
    files = collect_files(args.paths)
    # The first file's parse starts now: calamine holds no GIL, so it runs while the rest of
    # the pipeline (pandas, pandera, DuckDB) is imported below.
    first = None
    if files:
        first, guarded = start_reading(files[0], config.HOME_COUNTY_CODE)
        guarded.wait()  # the guard and the imports both hold the GIL: one after the other
    with IMPORTING:  # one thread at a time (see IMPORTING)
        from pipeline.ingest.batch import ingest_paths

    bar = None
    if not args.json and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(files), desc="入库", unit="个文件", file=sys.stderr)
    report = ingest_paths(
        args.paths,
        db=args.db,
        uploaded_by=args.user,
        progress=(lambda _name: bar.update(1)) if bar else None,
        first=first,
    )
    if bar:
        bar.close()
    if args.json:
        print(report.to_json())
    else:
        _print_summary(report)
    return 1 if report.any_rejected else 0


def _print_summary(report) -> None:
    for f in report.files:
        line = f"{STATUS_LABELS[f.status]:<6} {f.file}" + ("【需核对】" if f.needs_review else "")
        if f.status in ("loaded", "replaced"):
            line += (
                f"（{f.township} {f.wave}：入库 {f.rows_loaded} 行，问题行 {f.rows_rejected} 行）"
            )
        if f.error:
            line += f"：{f.error}"
        print(line)
        if f.warnings:
            print(
                f"       提醒 {f.warnings} 条（如流动范围与流入地不符），可在看板“数据质量”页查看"
            )
        if f.unmapped:
            print(f"       未识别的列（已原样保存，未参与统计）：{'、'.join(f.unmapped)}")
        for notice in f.notices:
            print(f"       {notice}")
    counts = {s: sum(f.status == s for f in report.files) for s in STATUS_LABELS}
    print("合计：" + "，".join(f"{STATUS_LABELS[s]} {n} 个" for s, n in counts.items() if n))


def _count(value) -> int | None:
    return None if value is None or value != value else int(value)  # NaN != NaN


def _share(value) -> str:
    return "—" if value is None or value != value else f"{value:.2f}%"


def _shown(value: int | None) -> str:
    return "未填报" if value is None else str(value)


def _township_waves(db: Path) -> list[dict]:
    """mart_township_wave's rows: every figure `stats` prints, as the SQL defines it."""
    # duckdb alone: this is the command analysts script against, and pandas' import would
    # cost more than the whole command (issue 18).
    from pipeline.warehouse.settings import connect, fetch_records

    con = connect(db, read_only=True)
    try:
        return fetch_records(con, "select * from mart_township_wave order by township, wave")
    finally:
        con.close()


def stats_rows(db: Path, records: list[dict] | None = None) -> list[dict]:
    """One dict per township and wave, exactly the shape spec §6 fixes."""
    rows = []
    for rec in _township_waves(db) if records is None else records:
        total = rec["members_total"]
        rows.append(
            {
                "township": rec["township"],
                "wave": rec["wave"],
                "members_total": None if total is None or total != total else int(total),
                "outflow": int(rec["outflow"]),
                "scope": {k: int(rec[c]) for k, c in SCOPE_COLUMNS.items() if rec[c]},
                # null when the township's registers had no such column (not reported)
                "long_term": _count(rec["long_term"]),
                "lost_contact": _count(rec["lost_contact"]),
                "returnees": int(rec["returnees"]),
                "enterprises": int(rec["enterprises"]),
                "jobs_created": int(rec["jobs_created"]),
            }
        )
    return rows


def _stats(args) -> int:
    db = args.db or config.db_path()
    if not Path(db).exists():
        print(f"数据仓库不存在：{db}（请先运行 python -m pipeline ingest）", file=sys.stderr)
        return 2
    records = _township_waves(db)
    rows = stats_rows(db, records)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for r, rec in zip(rows, records, strict=True):
        # the share as the mart defines it (outflow of the branches with a 党员总数, rounded
        # half-up), never re-divided here: 1 of 32 is 3.13% on every surface
        share = _share(rec["outflow_share_pct"])
        scope = "，".join(f"{k}{v}" for k, v in r["scope"].items())
        print(
            f"{r['township']} {r['wave']}：流出党员 {r['outflow']} 名（占党员总数 {share}；{scope}），"
            f"长期在外 {_shown(r['long_term'])}，失联 {_shown(r['lost_contact'])}，返乡 {r['returnees']}，"
            f"创业 {r['enterprises']}，带动就业 {r['jobs_created']} 人"
        )
    return 0


def _demo(args) -> int:
    from pipeline.demo.census import generate

    out = args.out or config.raw_dir()
    out.mkdir(parents=True, exist_ok=True)
    if args.if_empty and any(p.is_file() and not p.name.startswith(".") for p in out.iterdir()):
        print(f"{out} 中已有普查表，不生成演示数据")
        return 0
    from pipeline.demo.registers import generate_registers

    paths = generate(out)
    registers = generate_registers(out)  # issue #17: a roster and a host register to check
    print(
        f"已在 {out} 生成 {len(paths)} 个演示普查表，另有党员名册和流入地党组织报到名单 {len(registers)} 份"
    )
    return 0
