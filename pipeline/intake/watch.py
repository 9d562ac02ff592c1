"""Watch mode: `python -m pipeline watch data/raw` ingests census files as they appear.

A file is read only once it is complete: its size and mtime must be unchanged over
`stable_polls` consecutive polls, and names that mark a copy in progress (~$ lock files,
.tmp/.part/.crdownload, hidden files) are never read at all. Polling with os.scandir needs no
extra dependency and behaves the same on network shares, where inotify sees nothing.
The decision is a pure function of two snapshots (`advance`); the loop around it is thin.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest.batch import SPREADSHEET_SUFFIXES

PARTIAL_SUFFIXES = frozenset(
    {".tmp", ".part", ".partial", ".crdownload", ".download", ".swp", ".lock"}
)
STATUS_LABELS = {
    "loaded": "已入库",
    "replaced": "已替换旧版本",
    "unchanged": "未变化",
    "rejected": "已拒收",
}


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int


Snapshot = dict[str, FileState]  # path (as str) → state


def is_candidate(name: str) -> bool:
    """A finished census file by its name: no lock file, no download in progress, no hidden file."""
    if name.startswith(("~$", ".", "~")):
        return False
    suffix = os.path.splitext(name)[1].lower()
    return suffix not in PARTIAL_SUFFIXES and suffix in SPREADSHEET_SUFFIXES


def scan(folder: Path | str) -> Snapshot:
    """Every candidate file under folder (recursively, skipping hidden folders)."""
    found: Snapshot = {}
    stack = [str(folder)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if not entry.name.startswith("."):
                                stack.append(entry.path)
                        elif entry.is_file() and is_candidate(entry.name):
                            stat = entry.stat()
                            found[entry.path] = FileState(stat.st_size, stat.st_mtime_ns)
                    except FileNotFoundError:
                        continue  # removed between listing and stat
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
    return found


@dataclass(frozen=True)
class WatchState:
    """What the watcher remembers between polls."""

    previous: Snapshot = field(default_factory=dict)
    streak: Mapping[str, int] = field(default_factory=dict)  # polls a file has been unchanged
    done: Mapping[str, FileState] = field(default_factory=dict)  # state last handed to ingest


def advance(
    state: WatchState, current: Snapshot, *, stable_polls: int = 2
) -> tuple[WatchState, list[str]]:
    """(next state, files ready to ingest now). Pure.

    Ready means: present with the same size and mtime in the last `stable_polls` + 1 snapshots,
    not empty, and not already ingested in exactly this state. A file that changes again after
    ingestion is picked up again once it settles; one that disappears is forgotten.
    """
    streak = {
        path: state.streak.get(path, 0) + 1 if state.previous.get(path) == now else 0
        for path, now in current.items()
    }
    ready = sorted(
        path
        for path, now in current.items()
        if streak[path] >= stable_polls and now.size > 0 and state.done.get(path) != now
    )
    done = {path: s for path, s in state.done.items() if path in current}
    return WatchState(previous=dict(current), streak=streak, done=done), ready


def mark_done(state: WatchState, paths: list[str], snapshot: Snapshot) -> WatchState:
    done = dict(state.done)
    for path in paths:
        if path in snapshot:
            done[path] = snapshot[path]
    return WatchState(previous=state.previous, streak=state.streak, done=done)


# ------------------------------------------------------------------------------ the loop


def describe(result) -> str:
    """One Chinese line per file, as the ingest command prints it."""
    line = f"{STATUS_LABELS.get(result.status, result.status)}：{result.file}"
    if result.status in ("loaded", "replaced"):
        line += f"（{result.township} {result.wave}：入库 {result.rows_loaded} 行，问题行 {result.rows_rejected} 行）"
    if result.error:
        line += f"：{result.error}"
    return line


def watch(
    folder: Path,
    *,
    db: Path | None = None,
    interval: float = 2.0,
    stable_polls: int = 2,
    uploaded_by: str | None = None,
    out: Callable[[str], None] | None = None,
    max_polls: int | None = None,
) -> int:
    """Poll until interrupted (Ctrl-C or SIGTERM); returns the exit code (0 on a clean stop)."""
    from pipeline.ingest.batch import ingest_paths

    def say(text: str) -> None:
        (out or (lambda t: print(t, flush=True)))(text)

    previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    state = WatchState()
    say(f"正在监视 {folder}（每 {interval:g} 秒检查一次，文件稳定后自动入库；按 Ctrl+C 退出）")
    polls = 0
    try:
        while max_polls is None or polls < max_polls:
            snapshot = scan(folder)
            state, ready = advance(state, snapshot, stable_polls=stable_polls)
            ready = [p for p in ready if os.path.exists(p)]
            if ready:
                state = mark_done(state, ready, snapshot)
                _ingest(ready, db, uploaded_by, say, ingest_paths)
            polls += 1
            time.sleep(interval)
    except KeyboardInterrupt:
        say("已停止监视。")
    finally:
        signal.signal(signal.SIGTERM, previous_term)
    return 0


def _ingest(paths: list[str], db, uploaded_by, say, ingest_paths) -> None:
    try:
        report = ingest_paths(paths, db=db, uploaded_by=uploaded_by)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 — the watcher keeps watching; the warehouse is intact
        say(f"入库失败（{type(exc).__name__}），数据仓库未改动，文件变化后将重试：{exc}")
        return
    for result in report.files:
        say(describe(result))


def _raise_interrupt(_signum, _frame) -> None:
    # SIGTERM (a service stop) ends the watcher exactly like Ctrl-C: between two files, cleanly.
    raise KeyboardInterrupt
