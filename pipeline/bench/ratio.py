"""`make bench`: how ingest compares with simply reading the workbook. Not a test.

Writes a 100,000-row register, then times, each in its own child process so their
memory peaks stay apart: (1) python-calamine opening it and turning every sheet into
Python values, (2) `ingest_paths` loading it into a fresh DuckDB file. The two alternate
REPEATS times; it prints every time, the medians, their ratio, rows per second and the
highest peak memory against the floors below.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = 100_000
MAX_RATIO = 3.0  # ingest may take at most 3× the raw read
MAX_PEAK_BYTES = 1 << 30  # and stay under 1 GiB
REPEATS = 3


def _peak_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def _child_read(path: Path) -> dict:
    from python_calamine import CalamineWorkbook

    base = _peak_bytes()
    start = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    rows = sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)
    seconds = time.perf_counter() - start
    from pipeline.intake.cell_guard import scan_xlsx_cells

    data = path.read_bytes()
    start = time.perf_counter()
    scan_xlsx_cells(data)  # the hostile-sheet guard that runs before every calamine read
    return {
        "seconds": seconds,
        "guard_seconds": time.perf_counter() - start,
        "rows": rows,
        "peak": _peak_bytes(),
        "base": base,
    }


def _child_ingest(path: Path, db: Path) -> dict:
    from pipeline.ingest.batch import ingest_paths

    base = _peak_bytes()
    start = time.perf_counter()
    report = ingest_paths([path], db=db)
    seconds = time.perf_counter() - start
    files = report.files
    return {
        "seconds": seconds,
        "rows_loaded": sum(f.rows_loaded for f in files),
        "rows_rejected": sum(getattr(f, "rows_rejected", 0) or 0 for f in files),
        "status": [getattr(f, "status", None) for f in files],
        "errors": [e for f in files if (e := getattr(f, "error", None))],
        "peak": _peak_bytes(),
        "base": base,
    }


def _run_child(mode: str, *args: Path | int, env: dict[str, str]) -> dict:
    cmd = [sys.executable, "-m", "pipeline.bench.ratio", "--child", mode, *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(
            f"{mode} 子进程失败（退出码 {done.returncode}）：\n{done.stderr[-3000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_check() -> dict:
    try:
        from pipeline.ingest.batch import ingest_paths  # noqa: F401
    except Exception as exc:  # any import-time failure means the same thing here
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"error": None}


def _child_write(path: Path, rows: int) -> dict:
    from pipeline.demo.census import write_census_workbook

    start = time.perf_counter()
    write_census_workbook(path, rows, township="灵溪镇", wave="2024-04", seed=0)
    return {"seconds": time.perf_counter() - start}


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def _median(runs: list[dict]) -> dict:
    """The run with the median time (the upper one of an even count)."""
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def run(rows: int, work: Path, save: Path | None = None, repeats: int = REPEATS) -> int:
    # Every step runs in a child and this parent stays small: Linux carries a parent's
    # RSS high-water mark into a forked child's ru_maxrss, which would hide a child's
    # own (lower) peak.
    env = dict(os.environ)
    # Never touch the developer's warehouse or ID-hashing secret.
    env["CENSUS_SECRET_FILE"] = str(work / "secret.key")
    env["CENSUS_DB"] = str(work / "unused.duckdb")
    missing = _run_child("check", env=env)["error"]
    if missing:
        print(
            f"无法运行基准：pipeline.ingest.batch.ingest_paths 尚不可用（{missing}）",
            file=sys.stderr,
        )
        return 2

    path = work / f"2024-04_灵溪镇_流动党员普查_{rows}行.xlsx"
    made = _run_child("write", path, rows, env=env)["seconds"]
    size = path.stat().st_size / 2**20
    print(f"生成 {rows:,} 行普查表：{made:.1f} 秒，{size:.1f} MiB（{path.name}）")

    # Read and ingest alternate, each in a fresh process, and the medians are compared: on a
    # shared machine one run of either can be 20% off, and not at the same moment as the other.
    reads, ingests = [], []
    for attempt in range(repeats):
        reads.append(_run_child("read", path, env=env))
        ingests.append(_run_child("ingest", path, work / f"bench{attempt}.duckdb", env=env))
    read, ingest = _median(reads), _median(ingests)
    ratio = ingest["seconds"] / read["seconds"]
    peak = max(run["peak"] for run in reads + ingests)
    ratio_ok, peak_ok = ratio <= MAX_RATIO, peak < MAX_PEAK_BYTES
    loaded_ok = all(run["rows_loaded"] == rows for run in ingests)

    def times(runs: list[dict]) -> str:
        return " / ".join(f"{r['seconds']:.2f}" for r in runs)

    print(
        f"交替运行 {repeats} 次（各在新进程中），取中位数：读取 {times(reads)} 秒；入库 {times(ingests)} 秒"
    )

    print(f"原始读取（calamine 打开 + 全部表 to_python）：{read['seconds']:.2f} 秒，{read['rows']:,} 行，"
          f"峰值内存 {_mib(read['peak'])}（导入后基线 {_mib(read['base'])}）")  # fmt: skip
    print(f"端到端入库（ingest_paths → 新 DuckDB）：{ingest['seconds']:.2f} 秒，"
          f"入库 {ingest['rows_loaded']:,} 行，问题行 {ingest['rows_rejected']:,}，状态 {ingest['status']}，"
          f"峰值内存 {_mib(ingest['peak'])}（导入后基线 {_mib(ingest['base'])}）")  # fmt: skip
    print(f"其中安全预检（工作表范围扫描）：{read['guard_seconds']:.2f} 秒，"
          f"为原始读取的 {100 * read['guard_seconds'] / read['seconds']:.0f}%")  # fmt: skip
    if ingest["errors"]:
        print(f"  错误：{ingest['errors']}")
    print(
        f"吞吐：{ingest['rows_loaded'] / ingest['seconds']:,.0f} 行/秒（原始读取 {rows / read['seconds']:,.0f} 行/秒）"
    )
    print(
        f"比值 入库/读取 = {ratio:.2f}×   底线 ≤ {MAX_RATIO:.0f}×   {'达标' if ratio_ok else '未达标'}"
    )
    print(f"峰值内存 = {_mib(peak)}   底线 < 1 GiB   {'达标' if peak_ok else '未达标'}")
    if not loaded_ok:
        print(f"入库行数 {ingest['rows_loaded']:,} ≠ 生成的 {rows:,} 行（基准表每行都应有效）")
    if save:  # for docs/benchmarks.md, which `python -m pipeline.bench.scale --ratio` writes
        figures = {"rows": rows, "file_mib": size, "read": read, "ingest": ingest, "ratio": ratio,
                   "peak": peak, "max_ratio": MAX_RATIO, "max_peak": MAX_PEAK_BYTES,
                   "read_runs": [r["seconds"] for r in reads],
                   "ingest_runs": [r["seconds"] for r in ingests]}  # fmt: skip
        save.write_text(json.dumps(figures), encoding="utf-8")
    return 0 if ratio_ok and peak_ok and loaded_ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.bench.ratio", description="入库性能基准（不是测试）"
    )
    parser.add_argument("--rows", type=int, default=ROWS, help=f"生成的行数（默认 {ROWS:,}）")
    parser.add_argument("--keep", type=Path, default=None, help="把生成的表和数据库留在此目录")
    parser.add_argument("--json", type=Path, default=None, help="把测得的数字另存为 JSON")
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help=f"读取与入库交替运行的次数（默认 {REPEATS}）"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        steps = {
            "check": lambda: _child_check(),
            "write": lambda: _child_write(Path(rest[0]), int(rest[1])),
            "read": lambda: _child_read(Path(rest[0])),
            "ingest": lambda: _child_ingest(Path(rest[0]), Path(rest[1])),
        }
        result = steps[mode]()
        print(json.dumps(result))
        return 0
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run(args.rows, args.keep, args.json, args.repeats)
    with tempfile.TemporaryDirectory(prefix="census-bench-") as tmp:
        return run(args.rows, Path(tmp), args.json, args.repeats)


if __name__ == "__main__":
    sys.exit(main())
