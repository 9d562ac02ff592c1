"""Watch mode: only complete files are ingested, each once; Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.intake.watch import FileState, WatchState, advance, is_candidate, mark_done, scan
from pipeline.warehouse.store import connect_readonly
from tests.conftest import ROOT, SAMPLES

A = "/raw/a.xlsx"


def _run(snapshots, *, stable_polls=2):
    """Feed snapshots through `advance`, marking ready files done; ready lists per poll."""
    state, out = WatchState(), []
    for snap in snapshots:
        state, ready = advance(state, snap, stable_polls=stable_polls)
        state = mark_done(state, ready, snap)
        out.append(ready)
    return out


def test_ready_only_after_size_and_mtime_hold_still():
    half, full = FileState(1000, 1), FileState(2000, 2)
    polls = [{A: half}, {A: half}, {A: full}, {A: full}, {A: full}, {A: full}]
    assert _run(polls) == [[], [], [], [], [A], []]  # once, and never the half


def test_mtime_change_at_same_size_restarts_the_wait():
    # Some copy tools allocate the full size first and fill it in afterwards.
    polls = [
        {A: FileState(10, 1)},
        {A: FileState(10, 2)},
        {A: FileState(10, 3)},
        {A: FileState(10, 3)},
        {A: FileState(10, 3)},
    ]
    assert _run(polls) == [[], [], [], [], [A]]


def test_empty_files_wait_and_changed_files_come_back():
    empty, v1, v2 = FileState(0, 1), FileState(5, 2), FileState(7, 3)
    polls = [{A: empty}] * 4 + [{A: v1}] * 3 + [{A: v2}] * 3
    assert _run(polls) == [[], [], [], [], [], [], [A], [], [], [A]]


def test_deleted_then_restored_file_is_seen_again():
    s = FileState(5, 1)
    polls = [{A: s}, {A: s}, {A: s}, {}, {A: s}, {A: s}, {A: s}]
    assert _run(polls) == [[], [], [A], [], [], [], [A]]


def test_stable_polls_is_honoured():
    s = FileState(5, 1)
    assert _run([{A: s}] * 5, stable_polls=4) == [[], [], [], [], [A]]


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("金乡镇_2022-04.xlsx", True),
        ("宜山镇.csv", True),
        ("old.XLS", True),
        (
            "桥墩镇_WPS.et",
            True,
        ),  # WPS 表格's own format: read by its bytes, or refused with a reason
        ("~$金乡镇.xlsx", False),
        (".~lock.金乡镇.xlsx#", False),
        (".hidden.xlsx", False),
        ("金乡镇.xlsx.part", False),
        ("金乡镇.xlsx.crdownload", False),
        ("金乡镇.tmp", False),
        ("说明.docx", False),
        ("notes.md", False),
    ],
)
def test_candidate_names(name, ok):
    assert is_candidate(name) is ok


def test_scan_skips_partials_and_hidden_folders(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".staging").mkdir()
    for name in ("sub/a.xlsx", ".staging/b.xlsx", "c.xlsx.part", "~$d.xlsx", "e.csv"):
        (tmp_path / name).write_bytes(b"x")
    assert sorted(os.path.relpath(p, tmp_path) for p in scan(tmp_path)) == ["e.csv", "sub/a.xlsx"]
    assert scan(tmp_path / "missing") == {}


def _log(db):
    if not db.exists():
        return []
    con = connect_readonly(db)
    try:
        return con.execute(
            "select file_name, status, rows_loaded from ingest_log order by ingested_at"
        ).fetchall()
    finally:
        con.close()


# `python -m pipeline`, with Ctrl-C turned into KeyboardInterrupt as a terminal's process has
# it: a suite started in the background by a non-interactive shell (nohup, `make test &`)
# hands its children SIGINT ignored, and Python then leaves it ignored, so the watcher never
# heard the SIGINT below and was killed after 30 s.
_AS_FROM_A_TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'pipeline'; runpy.run_module('pipeline', run_name='__main__', alter_sys=True)"
)


def _wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_watcher_ingests_a_slow_copy_once_after_it_is_complete(tmp_path):
    if not SAMPLES.exists():
        pytest.skip("../shared/samples is not beside this checkout")
    raw, db = tmp_path / "raw", tmp_path / "watch.duckdb"
    raw.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _AS_FROM_A_TERMINAL,
            "watch",
            str(raw),
            "--db",
            str(db),
            "--interval",
            "0.3",
            "--stable-polls",
            "6",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()  # the watcher is polling from here on
        assert first.startswith("正在监视"), first + proc.stderr.read()
        sample = (SAMPLES / "金乡镇_2022-04_含错误行.xlsx").read_bytes()
        target = raw / "金乡镇_2022-04_含错误行.xlsx"
        # A lock file and a browser download in progress, which must never be read.
        (raw / "~$金乡镇_2022-04_含错误行.xlsx").write_bytes(b"lock")
        (raw / "钱库镇.xlsx.crdownload").write_bytes(sample[:1000])
        with open(target, "wb") as handle:
            handle.write(sample[: len(sample) // 2])
            handle.flush()
            # Longer than one poll, so the watcher sees the half file; shorter than the
            # six stable polls (1.8 s) it waits for, with room for a busy machine.
            time.sleep(0.8)
            handle.write(sample[len(sample) // 2 :])
        assert _wait_for(lambda: _log(db), timeout=60), "the complete file was never ingested"
        time.sleep(2.0)  # several more polls: nothing else may be ingested
        assert _log(db) == [("金乡镇_2022-04_含错误行.xlsx", "loaded", 50)]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "已入库：金乡镇_2022-04_含错误行.xlsx（金乡镇 2022-04：入库 50 行，问题行 8 行）" in out
    assert out.strip().endswith("已停止监视。")
    assert "钱库镇" not in out


def test_watch_usage_errors(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "watch", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "找不到文件夹" in done.stderr
