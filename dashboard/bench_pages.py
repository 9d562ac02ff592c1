"""Time each page's named queries against a warehouse, uncached: every page's queries
within 300 ms at the 95th percentile on a 10,000,000-member warehouse (issue 18).

    python -m dashboard.bench_pages --db FILE [--repeats 7] [--json]

`PAGE_QUERIES` lists what each page runs, so `make bench` (`dashboard/bench_probes.py`,
`pipeline/bench/scale.py`) times the same calls. Each page is timed for two signed-in views of
the latest wave: a county account (the whole county, names masked) and the account of the
largest township (its own township, names in clear). `--scale N` first writes a copy of the
warehouse with its members replicated to about N rows (more townships and branches) and
rebuilds the marts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pipeline.access.scope import Scope
from pipeline.queries import analysis as q
from pipeline.queries import checks as qc
from pipeline.queries import duty as qd
from pipeline.queries import quality as qq
from pipeline.queries import submissions as qs
from pipeline.queries.base import Filters, for_scope

# Page → queries it runs (sidebar queries included on every page). `UNITS` stands for the
# per-unit breakdown: by township in the county view, by branch once a township is chosen.
UNITS = object()
_SIDEBAR = [q.waves, q.townships, q.branches, q.as_of]
PAGE_QUERIES = {
    "总览": [*_SIDEBAR, q.metrics_by_wave, q.wave_comparison, UNITS, q.scope_counts],
    "流向": [
        *_SIDEBAR,
        q.province_counts,
        q.scope_counts,
        q.sankey_flows,
        q.occupations,
        q.top_cities,
        UNITS,
    ],
    "失联": [
        *_SIDEBAR,
        UNITS,
        q.metrics_by_wave,
        q.transitions,
        q.transitions_by_wave,
        q.follow_up_counts,
        q.follow_up,
    ],
    "返乡创业": [
        *_SIDEBAR,
        q.metrics_by_wave,
        UNITS,
        q.returnee_breakdown,
        q.returnee_origins,
        q.return_to_founding,
    ],
    "督办": [
        *_SIDEBAR,
        qd.duty_rules,
        qd.duty_totals,
        qd.duty_table,
        qd.duty_changes_summary,
        qd.duty_members,
        qd.duty_changes,
    ],
    "核对": [*_SIDEBAR, qc.registers_given, qc.check_counts, qc.roster_totals, qc.check_members],
    "上报情况": [
        qs.waves,
        qs.township_status,
        qs.branch_changes,
        qs.field_gaps,
        qs.file_versions,
        qs.replaced_units,
        qs.rejected_files,
    ],
    "数据质量": [
        *_SIDEBAR,
        qq.completeness,
        qq.ingest_status_counts,
        qq.ingest_history,
        qq.replaced_units,
        qq.file_notices,
        qq.quarantine_summary,
        qq.quarantine_rows,
        qq.warning_rows,
    ],
}
FLOOR_MS = 300


def page_calls(page: str, f: Filters):
    """The query functions a page calls for this selection."""
    units = q.metrics_by_township if f.level == "county" else q.metrics_by_branch
    # the sidebar lists townships only to a county account, branches once a township is set
    skip = q.branches if f.township is None else q.townships
    return [units if fn is UNITS else fn for fn in PAGE_QUERIES[page] if fn is not skip]


def _views(con) -> list[Filters]:
    """The latest wave as a county account sees it and as the largest township's account does
    (the filters `dashboard.ui` builds for them: scoped, personal data as the role allows)."""
    wave = con.execute("select max(wave) from mart_branch_wave").fetchone()[0]
    town = con.execute(
        "select township from mart_branch_wave where wave = ? group by township "
        "order by sum(outflow) desc limit 1",
        [wave],
    ).fetchone()[0]
    return [
        for_scope(Scope.for_role("county"), wave=wave),
        for_scope(Scope.for_role("township", town), wave=wave, township=town),
    ]


VIEW_NAMES = ("县级账号", "乡镇账号")


def p95(values: list[float]) -> float:
    """The 95th percentile, interpolated between the closest ranks."""
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def time_pages(db: Path, repeats: int = 7) -> dict[str, dict]:
    """Per page: median, p95 and max milliseconds of running all its queries once for one
    view (both views, `repeats` times each, no cache, after one warm-up round as a running
    dashboard would have had), the same per view, and the slowest query by its p95."""
    from pipeline.warehouse import store as warehouse

    con = warehouse.connect_readonly(db)
    try:
        views = _views(con)
        for f in views:
            for page in PAGE_QUERIES:
                for fn in page_calls(page, f):
                    fn(con, f)
        result = {}
        for page in PAGE_QUERIES:
            by_view: dict[str, list[float]] = {name: [] for name in VIEW_NAMES}
            per_query: dict[str, list[float]] = {}
            for _ in range(repeats):
                for name, f in zip(VIEW_NAMES, views, strict=True):
                    total = 0.0
                    for fn in page_calls(page, f):
                        start = time.perf_counter()
                        fn(con, f)
                        spent = (time.perf_counter() - start) * 1000
                        per_query.setdefault(fn.__name__, []).append(spent)
                        total += spent
                    by_view[name].append(total)
            runs = [t for times in by_view.values() for t in times]
            slowest = max(per_query, key=lambda n: p95(per_query[n]))
            result[page] = {
                "median_ms": statistics.median(runs),
                "p95_ms": p95(runs),
                "max_ms": max(runs),
                "views": {
                    name: {"median_ms": statistics.median(t), "p95_ms": p95(t)}
                    for name, t in by_view.items()
                },
                "slowest": slowest,
                "slowest_p95_ms": p95(per_query[slowest]),
            }
        return result
    finally:
        con.close()


def scale_copy(db: Path, rows: int, out: Path) -> Path:
    """A copy of `db` whose current members are replicated to about `rows`: copy k lands
    in township '<name><k mod 6>' (a county's couple of dozen townships, each larger) with
    its own ID hashes, so marts and transitions do real work."""
    from pipeline.warehouse import models
    from pipeline.warehouse import store as warehouse

    shutil.copyfile(db, out)
    con = warehouse.connect(out)
    try:
        base = con.execute("select count(*) from members where is_current").fetchone()[0]
        copies = max(1, rows // max(base, 1))
        con.execute(
            """
            insert into members by name
            select m.* replace (
                township || (k % 6)::varchar as township,
                case when id_hash is null then null else id_hash || '-' || k::varchar end as id_hash,
                member_key || '-' || k::varchar as member_key)
            from members as m, range(1, ?) as r(k)
            where is_current
        """,
            [copies],
        )
        con.execute(
            """
            insert into branch_totals by name
            select m.* replace (township || (k % 6)::varchar as township)
            from branch_totals as m, range(1, ?) as r(k) where is_current
        """,
            [copies],
        )
        con.execute(
            """
            insert into units by name
            select m.* replace (township || (k % 6)::varchar as township)
            from units as m, range(1, ?) as r(k) where is_current
        """,
            [copies],
        )
        models.build_models(con)
        con.execute("checkpoint")
        return out
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="看板各页面查询耗时")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--scale", type=int, default=0, help="先复制成约 N 名党员的数据库再计时")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    db = args.db
    tmp = None
    if args.scale:
        tmp = Path(tempfile.mkdtemp(prefix="census-bench-"))
        start = time.perf_counter()
        db = scale_copy(args.db, args.scale, tmp / "scaled.duckdb")
        print(
            f"放大到约 {args.scale:,} 名党员并重建模型：{time.perf_counter() - start:.1f} 秒",
            file=sys.stderr,
        )
    try:
        result = time_pages(db, args.repeats)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for page, t in result.items():
            flag = "✓" if t["p95_ms"] <= FLOOR_MS else "✗"
            views = "，".join(
                f"{name} {v['median_ms']:.0f}/{v['p95_ms']:.0f}" for name, v in t["views"].items()
            )
            print(
                f"{flag} {page}：中位数 {t['median_ms']:.0f} ms，p95 {t['p95_ms']:.0f} ms"
                f"（{views}；最慢查询 {t['slowest']} p95 {t['slowest_p95_ms']:.0f} ms）"
            )
        worst = max(result, key=lambda page: result[page]["p95_ms"])
        print(f"最慢页面：{worst}，p95 {result[worst]['p95_ms']:.0f} ms（底线 {FLOOR_MS} ms）")
    return 0 if all(t["p95_ms"] <= FLOOR_MS for t in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
