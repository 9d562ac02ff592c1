"""docs/benchmarks.md from the figures `bench_scale` measured (pure formatting)."""

from __future__ import annotations

import os
from datetime import datetime


def _mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def _rows(n: int) -> str:
    return f"{n:,}"


def render(
    machine: dict,
    results: list[dict],
    misses: list[str],
    seconds: float,
    when: datetime,
    ratio: dict | None = None,
    floors: dict | None = None,
) -> str:
    sizes = [r["rows"] for r in results]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`python -m pipeline.bench.scale`) on {when:%Y-%m-%d %H:%M}; "
        f"the scale part took {seconds / 60:.1f} minutes. Numbers come from this machine and this "
        "run only: rerun `make bench` to refresh them.",
        "",
        f"**Machine:** {machine['cores']} cores ({machine['cpu']}), {machine['memory'] / 2**30:.1f} GiB memory; "
        f"Python {machine['python']}, DuckDB {machine['duckdb']}, pandas {machine['pandas']}.",
        "",
        "**Data:** the project's generator (`pipeline/demo/bulk.py`, the demo's vocabulary drawn "
        "with numpy): three census waves; township registers log-normally sized; each "
        "township's people persist across waves (same ID numbers) with departures, newcomers, "
        "returns and contact lost and regained; destinations skewed (46% within the county, "
        "Shanghai/Shenzhen/Yiwu hubs, a Zipf tail over every province, 3% unknown); a 支部情况 "
        "sheet with every branch's 党员总数. The 100,000-row warehouse is ingested through the "
        "real path (one `.xlsx` per township and wave, `ingest_paths`); larger ones in bulk "
        "(`pipeline/ingest/bulk.py`: the same `clean_census` validation and `load_file`, cleaning on "
        "both cores, models built once).",
        "",
        *(_floors_section(floors, results) if floors else []),
        "## Ingest",
        "",
        "| member rows | path | townships | branches | files | ingest time | rows/s | peak memory | warehouse on disk |",
        "|---:|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        made, ing = r["made"], r["ingest"]
        peak = _mib(ing["peak"])
        if "worker_peak" in ing:
            peak = f"{peak} loader, {_mib(ing['worker_peak'])} per worker"
        path = "workbooks → `ingest_paths`" if r["mode"] == "files" else "bulk → `ingest_chunks`"
        lines.append(
            f"| {_rows(ing['rows'])} | {path} | {made['townships']:,} | {made['branches']:,} | "
            f"{made['files']:,} | {ing['seconds']:.1f} s | {ing['rows'] / ing['seconds']:,.0f} | {peak} | "
            f"{_mib(r['db_bytes'])} |"
        )
    if ratio:
        lines += _ratio_section(ratio)
    bulk = [r for r in results if "model_seconds" in r["ingest"]]
    if bulk:
        lines += ["", "Bulk time split (seconds; cleaning is CPU time summed over the worker processes):", "",
                  "| member rows | read chunks (CPU) | clean + validate (CPU) | load_file (parent) | build models |",
                  "|---:|---:|---:|---:|---:|"]  # fmt: skip
        for r in bulk:
            ing = r["ingest"]
            lines.append(f"| {_rows(ing['rows'])} | {ing['read_cpu']:.1f} | {ing['clean_cpu']:.1f} | "
                         f"{ing['load_seconds']:.1f} | {ing['model_seconds']:.1f} |")  # fmt: skip
    pages = list(results[0]["pages"])
    lines += [
        "",
        "## Dashboard pages",
        "",
        "Time to run all of a page's named queries (sidebar included) once, uncached, for the "
        "county view of the latest wave and for its largest township; median / 95th percentile "
        "over all runs, in milliseconds.",
        "",
        "| page | " + " | ".join(f"{_rows(s)} rows" for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for page in pages:
        cells = [
            f"{r['pages'][page]['median_ms']:,.0f} / {r['pages'][page]['p95_ms']:,.0f}"
            for r in results
        ]
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    big = results[-1]
    slow = ", ".join(
        f"{p}: `{t['slowest']}` {t['slowest_median_ms']:.0f} ms" for p, t in big["pages"].items()
    )
    lines += ["", f"Slowest query per page at {_rows(big['rows'])} rows (median): {slow}."]
    lines += [
        "",
        "## Dashboard process and exports",
        "",
        "Memory: the real `streamlit run` server on that warehouse after signing in and opening "
        "every analysis page in headless Chromium (resident set of the server process; the "
        "Kaleido render browser it starts is a separate process tree, shown apart). PNG: "
        "`pipeline.charts.export.to_png` of the flows map; cold includes starting Chromium, warm is "
        "the median of later exports.",
        "",
        "| member rows | pages rendered | server memory | with its child processes | PNG cold | PNG warm |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        app, k = r["app"], r["kaleido"]
        memory = (
            (_mib(app["rss_bytes"]), _mib(app["tree_rss_bytes"]))
            if "rss_bytes" in app
            else ("—", "—")
        )
        visited = app.get("visited", [])
        rendered = (
            f"{sum(1 for v in visited if v.get('title') and not v.get('errors'))}/{len(visited)}"
        )
        lines.append(
            f"| {_rows(r['rows'])} | {rendered} | {memory[0]} | {memory[1]} | {k['cold_ms']:,.0f} ms | {k['warm_ms']:,.0f} ms |"
        )
    lines += ["", "## Floors (largest size)", ""]
    lines.append("Every floor met: pages < 1 s median, bulk ingest ≥ 100,000 rows/s, dashboard < 2 GB."
                 if not misses else "Missed: " + "; ".join(misses) + ".")  # fmt: skip
    return "\n".join(lines) + "\n"


def _ratio_section(r: dict) -> list[str]:
    """`python -m pipeline.bench.ratio`: one generated workbook, read raw and ingested, one run each."""
    read, ingest = r["read"], r["ingest"]
    met = r["ratio"] <= r["max_ratio"] and r["peak"] < r["max_peak"]
    return [
        "",
        "### One workbook: ingest against the raw read",
        "",
        f"One {_rows(r['rows'])}-row census workbook ({r['file_mib']:.1f} MiB `.xlsx`, "
        "`python -m pipeline.bench.ratio`): calamine opening it and turning every sheet into Python "
        "values, against the whole ingest into a fresh DuckDB file (hostile-sheet guard, read, "
        "layout, cleaning and validation, load, models). The two alternate, each in a fresh "
        f"process; medians of {len(r['read_runs'])} runs (each run: read "
        f"{' / '.join(f'{t:.2f}' for t in r['read_runs'])} s, ingest "
        f"{' / '.join(f'{t:.2f}' for t in r['ingest_runs'])} s).",
        "",
        "| raw calamine read | ingest | ingest / read | of the ingest: hostile-sheet guard | rows/s | peak memory |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {read['seconds']:.2f} s | {ingest['seconds']:.2f} s | {r['ratio']:.2f}× | "
        f"{read['guard_seconds']:.2f} s | {ingest['rows_loaded'] / ingest['seconds']:,.0f} | {_mib(r['peak'])} |",
        "",
        f"Floor: ingest within {r['max_ratio']:.0f}× the raw read and peak memory under "
        f"{r['max_peak'] / 2**30:.0f} GiB: {'met' if met else 'missed'}.",
    ]


def _floors_section(figures: dict, results: list[dict]) -> list[str]:
    """Issue 18's floors (`python -m pipeline.bench.floors`), the pages at the largest size."""
    from pipeline.bench.floors import lines

    big = max(results, key=lambda r: r["rows"]) if results else None
    p95 = max(t["p95_ms"] for t in big["pages"].values()) if big and big.get("pages") else None
    runs, cpu = figures["runs"], figures["cpu_runs"]

    def each(key: str) -> str:
        return (
            " / ".join(f"{w:.2f}" for w in runs[key])
            + " (CPU "
            + " / ".join(f"{c:.2f}" for c in cpu[key])
            + ")"
        )

    out = [
        "## Speed floors (issue 18)",
        "",
        "Whole processes timed from outside (interpreter start, imports, work, exit), the runs of "
        f"one round alternating; medians of {figures['repeats']} rounds. CPU seconds (the process "
        "and its children) are given beside wall seconds: on a machine shared with other work "
        "they show what wall time alone cannot. Reads are fastexcel (calamine) into Arrow, every "
        f"sheet; the batch is the same {figures['rows']:,} members as {figures['files']} township "
        "files. PNG: warm export of each chart with Chromium kept warm, a pause between "
        f"downloads ({figures['png']['pause_s']:.0f} s) as a user makes one."
        + (
            " Load average when the floors were measured (1/5/15 min, "
            f"{os.cpu_count()} cores): "
            + " / ".join(f"{x:.1f}" for x in figures["load_average"])
            + "."
            if figures.get("load_average")
            else ""
        ),
        "",
        "| what | measured (median) | floor | |",
        "|---|---|---|---|",
    ]
    rows = lines(figures, p95)
    for what, measured, floor, met in rows:
        out.append(f"| {what} | {measured} | {floor} | {'met' if met else '**missed**'} |")
    if p95 is not None:
        out[-1] = out[-1].replace("1000 万人", f"{big['rows']:,} 人")
    out += [
        "",
        "Every run, wall (CPU) seconds: "
        + "; ".join(f"{key} {each(key)}" for key in runs)
        + "; PNG warm ms: "
        + "; ".join(
            f"{chart} {' / '.join(f'{t:.0f}' for t in ts)}"
            for chart, ts in figures["png"]["warm_runs_ms"].items()
        )
        + ".",
        "",
    ]
    if figures.get("phases"):
        out += _phases(figures["phases"], figures["medians"]["read_one"])
    return out


# What each step of `pipeline.bench.phases` is, for the table.
_STEPS = {
    "read_bytes": "the file's bytes",
    "guard": "hostile-sheet guard (every cell reference bounded before calamine)",
    "parse": "calamine parses the visible sheets",
    "to_python": "cells to Python values",
    "imports": "pandas, pandera, DuckDB and the pipeline imported",
    "layout": "layout: header, blocks, merged cells, dittos",
    "clean": "cleaning and validation (pandera), quarantine, health checks",
    "load": "rows written to the warehouse and committed",
    "models": "analytics models rebuilt",
    "close": "warehouse closed and swapped in",
}


def _phases(phases: dict[str, float], read_s: float) -> list[str]:
    """Where one workbook's ingest goes, step by step, against the whole-process read."""
    out = [
        "Where the one workbook's ingest time goes: each step timed alone, one after another "
        "(`python -m pipeline.bench.phases`, one run; the command itself overlaps the parse "
        "with its imports and primes cleaning meanwhile). Share of the whole-process fastexcel "
        f"read ({read_s:.2f} s):",
        "",
        "| step | seconds | × read |",
        "|---|---:|---:|",
    ]
    for step, seconds in phases.items():
        out.append(f"| {_STEPS.get(step, step)} | {seconds:.2f} | {seconds / read_s:.2f}× |")
    out += [
        f"| all steps | {sum(phases.values()):.2f} | {sum(phases.values()) / read_s:.2f}× |",
        "",
    ]
    return out
