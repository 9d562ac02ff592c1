"""`make bench`, part two: warehouses of 100,000, 1,000,000 and 10,000,000 member rows, measured.

    python -m pipeline.bench.scale [--sizes 100000,1000000,10000000] [--keep DIR] [--out docs/benchmarks.md]

The data comes from the project's generator (`demo_bulk`, the demo's vocabulary drawn with
numpy): several waves, thousands of townships and branches, destinations skewed as in the
field. The 100,000-row warehouse goes through the real path (one workbook per township and
wave, `ingest.ingest_paths`); larger ones through `bulk.ingest_chunks` (same
`clean_census` and `load_file`, both cores). Every step runs in its own child process so
peak memory is that step's own. Writes the figures to docs/benchmarks.md; exits 1 if a
floor at the largest size is missed (every page's queries p95 ≤ 300 ms, bulk ≥ 100,000 rows/s,
dashboard < 2 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# rows → (how it is loaded, townships)
SIZES = {100_000: ("files", 20), 1_000_000: ("bulk", 500), 10_000_000: ("bulk", 1500)}
CHUNK_ROWS = 100_000
PAGE_FLOOR_MS = 300  # issue 18: the slowest page's p95 at 10,000,000 members
BULK_FLOOR_ROWS_S = 100_000
APP_FLOOR_BYTES = 2 << 30
SEED = 6


def _peak(who: int = resource.RUSAGE_SELF) -> int:
    return resource.getrusage(who).ru_maxrss * 1024  # Linux reports KiB


# --- child steps ----------------------------------------------------------------------------


def _write_files(folder: str, rows: int, townships: int) -> dict:
    """Census workbooks, one per township and wave, written on both cores."""
    from pipeline.demo import bulk as demo_bulk

    towns = demo_bulk.plan(rows, townships, seed=SEED)
    start = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        paths = [
            p
            for ps in pool.map(demo_bulk.write_workbooks, towns, [Path(folder)] * len(towns))
            for p in ps
        ]
    return {"seconds": time.perf_counter() - start, "files": len(paths), **_shape(towns)}


def _write_chunks(folder: str, rows: int, townships: int) -> dict:
    """Raw chunk files for the bulk load, generated on both cores."""
    from pipeline.demo import bulk as demo_bulk

    towns = demo_bulk.plan(rows, townships, seed=SEED)
    groups = demo_bulk.chunks(towns, CHUNK_ROWS)
    start = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        list(
            pool.map(
                _one_chunk,
                [Path(folder) / f"chunk{i:05d}.arrow" for i in range(len(groups))],
                groups,
            )
        )
    return {"seconds": time.perf_counter() - start, "files": len(groups), **_shape(towns)}


def _one_chunk(path: Path, towns) -> Path:
    from pipeline.demo import bulk as demo_bulk
    from pipeline.ingest import bulk

    members, totals = demo_bulk.chunk_frame(towns)
    return bulk.write_chunk(path, members, totals)


def _shape(towns) -> dict:
    return {"townships": len(towns), "branches": sum(t.branches for t in towns),
            "waves": len(towns[0].rows), "rows": sum(sum(t.rows) for t in towns)}  # fmt: skip


def _ingest_files(folder: str, db: str) -> dict:
    from pipeline.ingest.batch import ingest_paths

    start = time.perf_counter()
    report = ingest_paths([Path(folder)], db=Path(db))
    return {
        "seconds": time.perf_counter() - start,
        "rows": sum(f.rows_loaded for f in report.files),
        "rejected": sum(f.rows_rejected for f in report.files),
        "bad_files": sum(f.status == "rejected" for f in report.files),
        "peak": _peak(),
    }


def _ingest_bulk(folder: str, db: str) -> dict:
    from pipeline.ingest import bulk

    report = bulk.ingest_chunks(bulk.chunk_files(Path(folder)), Path(db))
    return {
        "seconds": report.seconds,
        "rows": report.rows_loaded,
        "rejected": sum(f.rows_rejected for f in report.files),
        "load_seconds": report.load_seconds,
        "model_seconds": report.model_seconds,
        "clean_cpu": sum(f.clean_seconds for f in report.files),
        "read_cpu": sum(f.read_seconds for f in report.files),
        "peak": _peak(),
        "worker_peak": _peak(resource.RUSAGE_CHILDREN),
    }


def _child(mode: str, *args: str, env: dict[str, str], timeout: float = 3600) -> dict:
    module = (
        "dashboard.bench_probes" if mode in ("pages", "kaleido", "app") else "pipeline.bench.scale"
    )
    cmd = [
        sys.executable,
        "-m",
        module,
        *([] if module.endswith("probes") else ["--child"]),
        mode,
        *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(
            f"{mode} 子进程失败（退出码 {done.returncode}）：\n{done.stderr[-3000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- one size -------------------------------------------------------------------------------


def measure(
    rows: int, work: Path, env: dict[str, str], repeats: int, log, app_probe: bool = True
) -> dict:
    mode, townships = SIZES.get(rows, ("bulk", max(20, min(1500, rows // 6000))))
    raw, db = work / f"raw-{rows}", work / f"census-{rows}.duckdb"
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    db.unlink(missing_ok=True)
    made = _child(
        "files" if mode == "files" else "chunks", str(raw), str(rows), str(townships), env=env
    )
    log(f"{rows:,} 行：生成 {made['files']} 个{'普查表' if mode == 'files' else '数据块'}"
        f"（{made['townships']} 个乡镇、{made['branches']} 个支部、{made['waves']} 次普查），{made['seconds']:.0f} 秒")  # fmt: skip
    ingest = _child(
        "ingest-files" if mode == "files" else "ingest-bulk", str(raw), str(db), env=env
    )
    log(f"  入库 {ingest['rows']:,} 行，{ingest['seconds']:.1f} 秒，{ingest['rows'] / ingest['seconds']:,.0f} 行/秒，"
        f"峰值内存 {ingest['peak'] / 2**20:,.0f} MiB")  # fmt: skip
    shutil.rmtree(raw, ignore_errors=True)
    size = db.stat().st_size
    pages = _child("pages", str(db), str(repeats), env=env)
    for page, t in pages.items():
        log(
            f"  {page}：中位数 {t['median_ms']:.0f} ms，p95 {t['p95_ms']:.0f} ms（最慢查询 {t['slowest']}）"
        )
    worst = max(pages, key=lambda page: pages[page]["p95_ms"])
    met = "达标" if pages[worst]["p95_ms"] <= PAGE_FLOOR_MS else "未达标"
    log(
        f"  最慢页面：{worst}，p95 {pages[worst]['p95_ms']:.0f} ms（底线 ≤ {PAGE_FLOOR_MS} ms，{met}）"
    )
    kaleido = _child("kaleido", str(db), env=env)
    log(f"  PNG 导出：冷启动 {kaleido['cold_ms']:.0f} ms，热 {kaleido['warm_ms']:.0f} ms")
    try:
        if not app_probe:
            raise RuntimeError("未测（--no-app）")
        app = _child("app", str(db), env=env, timeout=900)
        log(f"  看板进程内存（访问全部页面后）：{app['rss_bytes'] / 2**20:,.0f} MiB")
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        app = {"error": str(exc)[-500:]}
        log(f"  看板内存未测得：{app['error']}")
    return {"rows": rows, "mode": mode, "made": made, "ingest": ingest, "db_bytes": size,
            "pages": pages, "kaleido": kaleido, "app": app}  # fmt: skip


# --- report ---------------------------------------------------------------------------------


def machine() -> dict:
    import duckdb
    import pandas as pd
    import psutil

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    return {"cores": os.cpu_count(), "memory": psutil.virtual_memory().total, "cpu": cpu,
            "python": platform.python_version(), "duckdb": duckdb.__version__, "pandas": pd.__version__}  # fmt: skip


def floors(results: list[dict]) -> list[str]:
    """Misses of the issue's floors at the largest size measured."""
    big = max(results, key=lambda r: r["rows"])
    misses = [f"{page} p95 {t['p95_ms']:.0f} ms > {PAGE_FLOOR_MS} ms"
              for page, t in big["pages"].items() if t["p95_ms"] > PAGE_FLOOR_MS]  # fmt: skip
    rate = big["ingest"]["rows"] / big["ingest"]["seconds"]
    if big["mode"] == "bulk" and rate < BULK_FLOOR_ROWS_S:
        misses.append(f"批量入库 {rate:,.0f} 行/秒 < {BULK_FLOOR_ROWS_S:,}")
    if big["app"].get("rss_bytes", 0) >= APP_FLOOR_BYTES:
        misses.append(f"看板进程 {big['app']['rss_bytes'] / 2**30:.2f} GiB ≥ 2 GiB")
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.bench.scale", description="规模基准（不是测试）"
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="逗号分隔的党员行数")
    parser.add_argument("--repeats", type=int, default=10, help="每个页面每个视图的计时次数")
    parser.add_argument("--keep", type=Path, help="把数据库留在此目录")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--ratio", type=Path, help="python -m pipeline.bench.ratio --json 的结果，一并写入"
    )
    parser.add_argument(
        "--no-app", action="store_true", help="不测看板进程内存（省去启动 Streamlit 与浏览器）"
    )
    parser.add_argument(
        "--floors", type=Path, help="python -m pipeline.bench.floors --json 的结果，一并写入"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        steps = {
            "files": lambda: _write_files(rest[0], int(rest[1]), int(rest[2])),
            "chunks": lambda: _write_chunks(rest[0], int(rest[1]), int(rest[2])),
            "ingest-files": lambda: _ingest_files(*rest),
            "ingest-bulk": lambda: _ingest_bulk(*rest),
        }
        print(json.dumps(steps[mode]()))
        return 0
    from pipeline.bench.report import render

    work = args.keep or Path(tempfile.mkdtemp(prefix="census-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # Never touch the developer's warehouse, accounts or ID-hashing secret.
    env.update(CENSUS_SECRET_FILE=str(work / "secret.key"), CENSUS_DB=str(work / "unused.duckdb"),
               CENSUS_STATE_DB=str(work / "state.sqlite"), PYTHONWARNINGS="ignore")  # fmt: skip
    started = time.perf_counter()
    results = []
    try:
        for rows in (int(s) for s in args.sizes.split(",")):
            results.append(
                measure(
                    rows,
                    work,
                    env,
                    args.repeats,
                    lambda line: print(line, flush=True),
                    app_probe=not args.no_app,
                )  # fmt: skip
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    misses = floors(results)
    ratio = (
        json.loads(args.ratio.read_text(encoding="utf-8"))
        if args.ratio and args.ratio.exists()
        else None
    )
    speed = (
        json.loads(args.floors.read_text(encoding="utf-8"))
        if args.floors and args.floors.exists()
        else None
    )
    args.out.write_text(render(machine(), results, misses, time.perf_counter() - started,
                               datetime.now(), ratio, speed), encoding="utf-8")  # fmt: skip
    print(f"已写入 {args.out}（用时 {(time.perf_counter() - started) / 60:.1f} 分钟）")
    for miss in misses:
        print(f"未达标：{miss}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
