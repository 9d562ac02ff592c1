"""`make bench`, part one: issue 18's floors, each from whole processes the way a user meets them.

    python -m pipeline.bench.floors [--repeats 3] [--json FILE] [--keep DIR]

Every figure is a whole process timed from outside (interpreter start, imports, work, exit),
and the processes of one round alternate, so a noisy moment on a shared machine lands on both
sides of a ratio rather than on one:

- one 100,000-member workbook: `python -m pipeline ingest FILE` against a process that only
  reads it with fastexcel (calamine underneath) into Arrow tables, every sheet;
- the same 100,000 members as a county batch of 60 township files (20 townships × 3 waves,
  `bench_scale`'s set): `python -m pipeline ingest DIR` against reading those files;
- `python -m pipeline stats --json` on the batch's warehouse;
- a warm PNG export of each of two charts (`bench_probes kaleido`: Chromium kept warm, a pause
  between downloads as a user makes one).

Medians of `--repeats` rounds (at least 3). Prints each against its floor; `--json` keeps the
figures for `bench_scale`, which writes them into docs/benchmarks.md with the pages at 10M.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000
TOWNSHIPS = 20  # × 3 waves = 60 files, as bench_scale's 100,000-row set
FLOORS = {
    "one_file": 1.5,  # ingest ÷ read
    "batch": 2.0,  # ingest ÷ read
    "stats_s": 0.3,
    "png_warm_s": 0.3,
    "page_p95_ms": 300.0,
}

# The reader's real limit: fastexcel (calamine) straight into Arrow, nothing else.
_READ = """
import sys
from pathlib import Path
import fastexcel
target = Path(sys.argv[1])
paths = sorted(target.glob("*.xlsx")) if target.is_dir() else [target]
rows = 0
for path in paths:
    reader = fastexcel.read_excel(path.read_bytes())
    for index in range(len(reader.sheet_names)):
        rows += reader.load_sheet(index, header_row=None).to_arrow().num_rows
print(rows)
"""


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str], env: dict[str, str], cpu: list[float] | None = None) -> float:
    """Wall seconds of one whole process; its CPU seconds (with its own children) go to `cpu`:
    on a machine shared with other work, CPU time shows what wall time alone cannot."""
    start, cpu_start = time.perf_counter(), _cpu_of_children()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - start
    if cpu is not None:
        cpu.append(_cpu_of_children() - cpu_start)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:4])} 失败（退出码 {done.returncode}）：{done.stderr[-2000:]}"
        )
    if "ingest" in cmd:  # time only a run that loaded every file (the bench's files are clean)
        files = json.loads(done.stdout)["files"]
        if not_loaded := [f for f in files if f["status"] != "loaded"]:
            raise RuntimeError(f"{' '.join(cmd[:4])} 有文件未入库：{not_loaded[:3]}")
    return seconds


def _median(values: list[float]) -> float:
    return statistics.median(values)


def measure(work: Path, repeats: int, log) -> dict:
    env = dict(os.environ)
    env.update(CENSUS_SECRET_FILE=str(work / "secret.key"), CENSUS_DB=str(work / "unused.duckdb"),
               CENSUS_STATE_DB=str(work / "state.sqlite"), PYTHONWARNINGS="ignore")  # fmt: skip
    py = sys.executable
    one = work / f"2024-04_灵溪镇_流动党员普查_{ROWS}行.xlsx"
    batch = work / "batch"
    if not one.exists():
        subprocess.run([py, "-m", "pipeline.bench.ratio", "--child", "write", str(one), str(ROWS)],
                       check=True, env=env, cwd=ROOT, capture_output=True)  # fmt: skip
    if not batch.exists():
        batch.mkdir()
        subprocess.run([py, "-m", "pipeline.bench.scale", "--child", "files", str(batch), str(ROWS),
                        str(TOWNSHIPS)], check=True, env=env, cwd=ROOT, capture_output=True)  # fmt: skip
    files = len(list(batch.glob("*.xlsx")))
    log(f"生成：单个 {ROWS:,} 行普查表（{one.stat().st_size / 2**20:.1f} MiB）；"
        f"同样 {ROWS:,} 名党员分为 {files} 个乡镇普查表")  # fmt: skip

    runs: dict[str, list[float]] = {k: [] for k in ("read_one", "ingest_one", "read_batch",
                                                    "ingest_batch", "stats")}  # fmt: skip
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    batch_db = work / "batch.duckdb"
    for attempt in range(repeats):
        db_one, db_batch = work / f"one{attempt}.duckdb", work / f"batch{attempt}.duckdb"
        for db in (db_one, db_batch):
            db.unlink(missing_ok=True)
        runs["read_one"].append(_timed([py, "-c", _READ, str(one)], env, cpu["read_one"]))
        runs["ingest_one"].append(
            _timed(
                [py, "-m", "pipeline", "ingest", str(one), "--json", "--db", str(db_one)],
                env,
                cpu["ingest_one"],
            )
        )
        runs["read_batch"].append(_timed([py, "-c", _READ, str(batch)], env, cpu["read_batch"]))
        runs["ingest_batch"].append(
            _timed(
                [py, "-m", "pipeline", "ingest", str(batch), "--json", "--db", str(db_batch)],
                env,
                cpu["ingest_batch"],
            )
        )
        shutil.copyfile(db_batch, batch_db)
        runs["stats"].append(
            _timed(
                [py, "-m", "pipeline", "stats", "--json", "--db", str(batch_db)], env, cpu["stats"]
            )
        )
        db_one.unlink(missing_ok=True)
        if attempt < repeats - 1:
            db_batch.unlink(missing_ok=True)
        log(
            f"  第 {attempt + 1} 轮（墙钟 / CPU 秒）："
            + "，".join(f"{k} {v[-1]:.2f} / {cpu[k][-1]:.2f}" for k, v in runs.items())
        )
    png = json.loads(
        subprocess.run([py, "-m", "dashboard.bench_probes", "kaleido", str(batch_db), str(repeats)],
                       check=True, env=env, cwd=ROOT, capture_output=True, text=True
                       ).stdout.strip().splitlines()[-1]
    )  # fmt: skip
    # where one workbook's time goes: each step of the ingest alone (pipeline.bench.phases)
    db_phases = work / "phases.duckdb"
    db_phases.unlink(missing_ok=True)
    phases = json.loads(
        subprocess.run([py, "-m", "pipeline.bench.phases", str(one), str(db_phases)], check=True,
                       env=env, cwd=ROOT, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    )  # fmt: skip
    db_phases.unlink(missing_ok=True)
    log(
        "  单个工作簿各步骤（秒，逐步单独计时）："
        + "，".join(f"{k} {v:.2f}" for k, v in phases.items())
    )
    medians = {k: _median(v) for k, v in runs.items()}
    return {
        "phases": phases,
        "load_average": os.getloadavg(),
        "rows": ROWS,
        "files": files,
        "repeats": repeats,
        "runs": runs,
        "medians": medians,
        "cpu_runs": cpu,
        "cpu_medians": {k: _median(v) for k, v in cpu.items()},
        "ratio_one": medians["ingest_one"] / medians["read_one"],
        "ratio_batch": medians["ingest_batch"] / medians["read_batch"],
        "png": png,
        "floors": FLOORS,
    }


def lines(
    figures: dict, page_p95_ms: float | None = None
) -> list[tuple[str, str, str, bool | None]]:
    """(what, measured, floor, met) for each floor; the page line when the 10M run gave one."""
    m, f, c = figures["medians"], figures["floors"], figures["cpu_medians"]
    png = figures["png"]["warm_by_chart_ms"]
    out = [
        ("一个 10 万人工作簿：入库 ÷ 读取",
         f"{figures['ratio_one']:.2f}×（{m['ingest_one']:.2f} 秒 ÷ {m['read_one']:.2f} 秒；"
         f"CPU {c['ingest_one']:.2f} ÷ {c['read_one']:.2f} = {c['ingest_one'] / c['read_one']:.2f}×）",
         f"≤ {f['one_file']}×", figures["ratio_one"] <= f["one_file"]),
        (f"{figures['files']} 个乡镇文件的县级批次：入库 ÷ 读取",
         f"{figures['ratio_batch']:.2f}×（{m['ingest_batch']:.2f} 秒 ÷ {m['read_batch']:.2f} 秒；"
         f"CPU {c['ingest_batch']:.2f} ÷ {c['read_batch']:.2f} = {c['ingest_batch'] / c['read_batch']:.2f}×）",
         f"≤ {f['batch']}×", figures["ratio_batch"] <= f["batch"]),
        ("python -m pipeline stats --json（整个进程）", f"{m['stats']:.2f} 秒（CPU {c['stats']:.2f} 秒）",
         f"≤ {f['stats_s']} 秒", m["stats"] <= f["stats_s"]),
    ]  # fmt: skip
    for chart, ms in png.items():
        label = {"map": "流入地地图", "bars": "各乡镇柱状图"}.get(chart, chart)
        out.append((f"PNG 热导出：{label}", f"{ms / 1000:.2f} 秒", f"≤ {f['png_warm_s']} 秒",
                    ms / 1000 <= f["png_warm_s"]))  # fmt: skip
    if page_p95_ms is not None:
        out.append(("1000 万人最慢页面 p95", f"{page_p95_ms:.0f} ms", f"≤ {f['page_p95_ms']:.0f} ms",
                    page_p95_ms <= f["page_p95_ms"]))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.bench.floors", description="速度底线基准（不是测试）"
    )
    parser.add_argument("--repeats", type=int, default=3, help="交替轮数（至少 3）")
    parser.add_argument(
        "--json", type=Path, help="把测得的数字另存为 JSON（供 bench_scale 写入文档）"
    )
    parser.add_argument("--keep", type=Path, help="把生成的表和数据库留在此目录（再次运行时复用）")
    args = parser.parse_args(argv)
    repeats = max(3, args.repeats)
    work = args.keep or Path(tempfile.mkdtemp(prefix="census-floors-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        figures = measure(work, repeats, lambda line: print(line, flush=True))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n交替运行 {repeats} 轮，各为完整进程，取中位数：")
    rows = lines(figures)
    for what, measured, floor, met in rows:
        print(f"  {what}：{measured}   底线 {floor}   {'达标' if met else '未达标'}")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False), encoding="utf-8")
    return 0 if all(met for *_, met in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
