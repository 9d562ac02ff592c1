"""What `bench_scale` measures on a built warehouse, each run in its own child process:
page query times, Kaleido PNG export, and the dashboard server's memory after every page.

Kept apart from the orchestration so each probe stays small and can be run by hand:

    python -m dashboard.bench_probes pages|kaleido|app DB
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = 0.95 * (len(ordered) - 1)  # linear interpolation between closest ranks
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def page_times(db: Path, repeats: int) -> dict:
    """Per page: median and p95 (ms) of running all its queries once for one view (the county
    view of the latest wave and the largest township's view, `repeats` times each, no
    cache), and the slowest query's median."""
    from dashboard.bench_pages import PAGE_QUERIES, _views, page_calls
    from pipeline.warehouse import store as warehouse

    con = warehouse.connect_readonly(db)
    try:
        views = _views(con)
        for f in views:  # warm the buffer pool once, as a running dashboard would be
            for page in PAGE_QUERIES:
                for fn in page_calls(page, f):
                    fn(con, f)
        result = {}
        for page in PAGE_QUERIES:
            samples: list[float] = []
            per_query: dict[str, list[float]] = {}
            for _ in range(repeats):
                for f in views:
                    total = 0.0
                    for fn in page_calls(page, f):
                        start = time.perf_counter()
                        fn(con, f)
                        spent = (time.perf_counter() - start) * 1000
                        per_query.setdefault(fn.__name__, []).append(spent)
                        total += spent
                    samples.append(total)
            slowest = max(per_query, key=lambda name: statistics.median(per_query[name]))
            result[page] = {
                "median_ms": statistics.median(samples),
                "p95_ms": _p95(samples),
                "samples": len(samples),
                "queries": sum(1 for _ in page_calls(page, views[0])),
                "slowest": slowest,
                "slowest_median_ms": statistics.median(per_query[slowest]),
            }
        return result
    finally:
        con.close()


PAUSE_SECONDS = 1.0


def kaleido_times(db: Path, warm_runs: int = 3) -> dict:
    """PNG export of the flows page's province map and the per-township bars: the first call
    starts Chromium (cold), later calls reuse it (warm)."""
    from pipeline.charts import export as exports
    from pipeline.charts import units as charts
    from pipeline.charts.base import ChartContext
    from pipeline.charts.province_map import province_map
    from pipeline.queries import analysis as q
    from pipeline.queries.base import Filters
    from pipeline.warehouse import store as warehouse

    con = warehouse.connect_readonly(db)
    try:
        wave = con.execute("select max(wave) from mart_branch_wave").fetchall()[0][0]
        f = Filters(wave=wave)
        ctx = ChartContext(scope="全县", wave=wave)
        figures = [
            province_map(q.province_counts(con, f), ctx),
            charts.outflow_by_unit(
                q.metrics_by_township(con, f).rename(columns={"township": "unit"}),
                ctx,
                unit_label="乡镇",
            ),
        ]
    finally:
        con.close()
    names = ["map", "bars"]
    try:
        start = time.perf_counter()
        size = len(exports.to_png(figures[0]))
        cold = (time.perf_counter() - start) * 1000
        warm: dict[str, list[float]] = {name: [] for name in names}
        for i in range(warm_runs * len(figures)):
            # A user reads one download before asking for the next; the renderer reloads its
            # page in that pause (the reload would otherwise be the next export's wait).
            time.sleep(PAUSE_SECONDS)
            start = time.perf_counter()
            exports.to_png(figures[i % len(figures)])
            warm[names[i % len(figures)]].append((time.perf_counter() - start) * 1000)
    finally:
        exports.shutdown()
    every = [t for runs in warm.values() for t in runs]
    return {
        "cold_ms": cold,
        "warm_ms": statistics.median(every),
        "warm_by_chart_ms": {name: statistics.median(runs) for name, runs in warm.items()},
        "warm_runs_ms": warm,
        "pause_s": PAUSE_SECONDS,
        "png_bytes": size,
    }


# --- the dashboard's memory -------------------------------------------------------------------

_FILL_JS = """
(() => {
  const set = (label, value) => {
    const input = document.querySelector(`input[aria-label="${label}"]`);
    if (!input) return false;
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    setter.call(input, value);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    return true;
  };
  const ok = set(%s, %s) && set(%s, %s);
  const button = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === '登录');
  if (ok && button) { setTimeout(() => button.click(), 300); return true; }
  return false;
})()
"""
_CLICK_JS = """
(() => {
  const link = [...document.querySelectorAll('[data-testid="stSidebarNav"] a, [data-testid="stSidebarNavLink"]')]
      .find(a => (a.getAttribute('href') || '').endsWith('/%s'));
  if (!link) return false;
  link.click();
  return true;
})()
"""


def app_memory(db: Path) -> dict:
    """Start the real Streamlit server on the warehouse, sign in, open every analysis page in
    headless Chromium (in-app navigation, one session), then read the server's RSS."""
    import psutil

    from dashboard.browser import Chromium, Server

    with tempfile.TemporaryDirectory(prefix="census-bench-app-") as tmp:
        os.environ["CENSUS_STATE_DB"] = str(Path(tmp) / "state.sqlite")
        username, password = "bench", "Pw-" + os.urandom(9).hex()
        _make_account(username, password)
        pages = ["overview", "flows", "lost-contact", "returnees", "quality"]
        visited = []
        with Server(db) as server, Chromium() as browser:
            process = psutil.Process(server.proc.pid)
            session = browser.open(server.url + "/")
            state = _rendered(browser, session, 120)
            if _signed_out(state):
                # The sign-in form's own labels (dashboard/auth.py), filled as a person would.
                args = ("用户名", username, "密码", password)
                _evaluate(browser, session, _FILL_JS % tuple(json.dumps(a) for a in args))
                time.sleep(2)
            start = time.perf_counter()
            for slug in pages:
                if slug != "overview" and not _evaluate(browser, session, _CLICK_JS % slug):
                    continue
                time.sleep(1.0)
                state = _rendered(browser, session, 240)
                visited.append(
                    {
                        "page": slug,
                        "title": state.get("title"),
                        "errors": len(state.get("exceptions", [])),
                        "charts": state.get("drawn", 0),
                    }
                )
            seconds = time.perf_counter() - start
            rss = process.memory_info().rss
            tree = rss + sum(_rss(c) for c in process.children(recursive=True))
    return {"rss_bytes": rss, "tree_rss_bytes": tree, "visited": visited, "seconds": seconds}


def _make_account(username: str, password: str) -> None:
    try:
        from pipeline.access import accounts
    except ImportError:  # a build without accounts: nothing to sign in to
        return
    accounts.create_user(username, password, "admin", must_change_password=False)


def _rendered(browser, session: str, timeout: float) -> dict:
    """`wait_rendered`, patient with a tab busy drawing charts of thousands of townships (its
    DevTools calls time out meanwhile)."""
    deadline = time.time() + timeout
    while True:
        try:
            return browser.wait_rendered(session, timeout=max(1.0, deadline - time.time()))
        except TimeoutError:
            if time.time() > deadline:
                return {"title": None, "exceptions": [], "text": "", "drawn": 0, "timed_out": True}


def _signed_out(state: dict) -> bool:
    return "登录" in (state.get("title") or "") or "密码" in state.get("text", "")[:2000]


def _evaluate(browser, session: str, js: str, timeout: float = 240):
    deadline = time.time() + timeout
    while True:
        try:
            reply = browser.send(
                "Runtime.evaluate", {"expression": js, "returnByValue": True}, session=session
            )
            return reply.get("result", {}).get("value")
        except TimeoutError:  # the tab is still busy drawing; ask again
            if time.time() > deadline:
                raise


def _rss(proc) -> int:
    try:
        return proc.memory_info().rss
    except Exception:  # noqa: BLE001 — a child that just exited holds no memory
        return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    mode, db, *rest = argv
    probes = {
        "pages": lambda: page_times(Path(db), int(rest[0]) if rest else 7),
        "kaleido": lambda: kaleido_times(Path(db), int(rest[0]) if rest else 3),
        "app": lambda: app_memory(Path(db)),
    }
    print(json.dumps(probes[mode](), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
