"""Time each page's named queries against a warehouse, uncached (issue #3: every page's
queries within 300 ms, median, on a 1,000,000-member warehouse).

    python -m dashboard.bench_pages --db FILE [--repeats 7] [--json]

`PAGE_QUERIES` lists what each page runs, so `make bench` (pipeline/bench/ratio.py) can call
`time_pages()` too. `--scale N` first writes a copy of the warehouse with its members
replicated to about N rows (more townships and branches) and rebuilds the marts.
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

from pipeline.queries import analysis as q
from pipeline.queries import quality as qq
from pipeline.queries.base import Filters

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
    "数据质量": [
        *_SIDEBAR,
        qq.completeness,
        qq.ingest_status_counts,
        qq.ingest_history,
        qq.replaced_units,
        qq.quarantine_summary,
        qq.quarantine_rows,
        qq.warning_rows,
    ],
}


def page_calls(page: str, f: Filters):
    """The query functions a page calls for this selection."""
    units = q.metrics_by_township if f.level == "county" else q.metrics_by_branch
    return [units if fn is UNITS else fn for fn in PAGE_QUERIES[page]]


def _views(con) -> list[Filters]:
    """The county view of the latest wave and the largest township's view of it."""
    wave = con.execute("select max(wave) from mart_branch_wave").fetchone()[0]
    town = con.execute(
        "select township from mart_branch_wave where wave = ? group by township "
        "order by sum(outflow) desc limit 1",
        [wave],
    ).fetchone()[0]
    return [Filters(wave=wave), Filters(wave=wave, township=town)]


def time_pages(db: Path, repeats: int = 7) -> dict[str, dict[str, float]]:
    """Median and max milliseconds per page (all its queries, both views, no cache)."""
    from pipeline.warehouse import store as warehouse

    con = warehouse.connect_readonly(db)
    try:
        views = _views(con)
        result = {}
        for page in PAGE_QUERIES:
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                for f in views:
                    for fn in page_calls(page, f):
                        fn(con, f)
                runs.append((time.perf_counter() - start) * 1000 / len(views))
            result[page] = {"median_ms": statistics.median(runs), "max_ms": max(runs)}
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
            flag = "✓" if t["median_ms"] <= 300 else "✗"
            print(f"{flag} {page}：中位数 {t['median_ms']:.0f} ms，最大 {t['max_ms']:.0f} ms")
    return 0 if all(t["median_ms"] <= 300 for t in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
