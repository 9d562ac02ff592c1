"""A run is atomic: a killed ingest leaves the previous warehouse intact; readers are never blocked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline.cli.commands import stats_rows
from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse.store import connect_readonly
from tests.conftest import HEADER, ROOT, SAMPLES, member, needs_samples, valid_id

# A child that ingests, and stops dead (SIGKILL to itself) at a chosen point mid-run.
KILLER = """
import os, signal, sys
import pipeline.warehouse.load as wh
point = sys.argv[2]
if point == "after_first_file":
    real = wh.load_file
    def load_then_die(*a, **k):
        status = real(*a, **k)
        os.kill(os.getpid(), signal.SIGKILL)
    wh.load_file = load_then_die
    import pipeline.ingest.batch as ing
    ing.load_file = load_then_die
elif point == "before_swap":
    real_replace = os.replace
    def die(*a, **k):
        os.kill(os.getpid(), signal.SIGKILL)
    os.replace = die
from pipeline.ingest.batch import ingest_paths
ingest_paths([sys.argv[3]], db=sys.argv[1])
"""


def _run_killed(db: Path, point: str, source: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(db), point, str(source)],
        env=env,
        capture_output=True,
        timeout=300,
    )
    return proc.returncode


@needs_samples
def test_sigkill_mid_ingest_leaves_previous_warehouse(write_xlsx, isolated_env, tmp_path):
    db = isolated_env / "w.duckdb"
    ingest_paths([SAMPLES / "2022-04_xx镇_流动党员普查.xlsx"], db=db)
    before = stats_rows(db)
    newer = tmp_path / "batch"

    def rows(township):
        return [HEADER] + [
            member(
                seq=i,
                name=f"新{i}",
                township=township,
                branch="第1党支部",
                id_number=valid_id(f"33032719900101{i:03d}"),
            )
            for i in range(1, 6)
        ]

    write_xlsx("2022-04_xx镇_补报.xlsx", {"s": rows("xx镇")}, folder=newer)
    write_xlsx("2022-04_灵溪镇.xlsx", {"s": rows("灵溪镇")}, folder=newer)
    for point in ("after_first_file", "before_swap"):
        assert _run_killed(db, point, newer) == -signal.SIGKILL
        assert stats_rows(db) == before  # same figures, file readable
    assert list(db.parent.glob(".w.duckdb.*.tmp*"))  # the killed runs left their private copies
    # a normal run afterwards works, sees the new files and sweeps the dead runs' copies away
    report = ingest_paths([newer], db=db)
    assert [f.status for f in report.files] == ["replaced", "loaded"]
    assert not list(db.parent.glob(".w.duckdb.*.tmp*"))


@needs_samples
def test_ingest_succeeds_while_a_reader_holds_the_warehouse(isolated_env):
    db = isolated_env / "w.duckdb"
    ingest_paths([SAMPLES / "2022-04_xx镇_流动党员普查.xlsx"], db=db)
    reader = connect_readonly(db)
    try:
        assert reader.execute("select count(*) from mart_township_wave").fetchone()[0] == 1
        report = ingest_paths([SAMPLES / "钱库镇流动党员台账_2022年4月.xlsx"], db=db)
        assert report.files[0].status == "loaded"
        # the open reader still sees its consistent snapshot ...
        assert reader.execute("select count(*) from mart_township_wave").fetchone()[0] == 1
    finally:
        reader.close()
    # ... and a new connection sees the new data
    assert {r["township"] for r in stats_rows(db)} == {"xx镇", "钱库镇"}


@needs_samples
def test_no_extension_is_ever_installed_or_loaded(isolated_env):
    db = isolated_env / "w.duckdb"
    ingest_paths([SAMPLES / "2022-04_xx镇_流动党员普查.xlsx"], db=db)
    con = connect_readonly(db)
    settings = dict(
        con.execute(
            "select name, value from duckdb_settings() where name in "
            "('autoinstall_known_extensions', 'autoload_known_extensions')"
        ).fetchall()
    )
    con.close()
    assert settings == {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }


@needs_samples
def test_concurrent_writers_are_serialised(isolated_env, tmp_path):
    """Two ingests at once: both finish, neither loses the other's file."""
    db = isolated_env / "w.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "pipeline", "ingest", "--db", str(db), "--json"]
    procs = [
        subprocess.Popen([*cmd, str(SAMPLES / name)], env=env, stdout=subprocess.PIPE)
        for name in ("2022-04_xx镇_流动党员普查.xlsx", "钱库镇流动党员台账_2022年4月.xlsx")
    ]
    deadline = time.time() + 300
    for proc in procs:
        proc.wait(timeout=max(1, deadline - time.time()))
        assert proc.returncode == 0
    assert {r["township"] for r in stats_rows(db)} == {"xx镇", "钱库镇"}
