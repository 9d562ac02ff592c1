"""Imports a command does not use are not loaded (issue 18): `stats` is duckdb alone.

A fresh interpreter is the only honest place to look at sys.modules; the command itself runs
in-process there, through `pipeline.cli.commands.main`, exactly as `python -m pipeline stats` does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "pandera", "plotly", "python_calamine", "fastexcel", "pyarrow", "numpy")

_PROBE = """
import json, sys
from pipeline.cli.commands import main
code = main(["stats", "--json", "--db", sys.argv[1]])
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_stats_loads_no_dataframe_library(samples_db):
    db, _ = samples_db
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(db)], capture_output=True, text=True, env=env, check=True
    )
    *stats, probe = done.stdout.strip().splitlines()
    result = json.loads(probe)
    assert result["code"] == 0
    assert json.loads(stats[-1])  # the figures came out
    loaded = {m.split(".")[0] for m in result["modules"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    if importlib.util.find_spec("_duckdb"):  # duckdb's Python layer costs a third of the budget
        assert "duckdb" not in loaded


_FIRST_READ = """
import json, sys
from pathlib import Path
from pipeline.ingest.files import collect_files, start_reading
files = collect_files([Path(sys.argv[1])])
heavy_before = sorted(m for m in sys.modules if m.split(".")[0] in ("pandas", "pandera", "duckdb"))
read = start_reading(files[0], "330327")[0].result()
print(json.dumps({"before": heavy_before, "tables": len(read.book[1].tables), "error": repr(read.error)}))
"""


def test_ingest_starts_reading_before_the_heavy_imports(write_xlsx):
    """`ingest` parses its first file while pandas, pandera and DuckDB load: nothing on the way
    to that first read may import them."""
    path = write_xlsx("2024-04_灵溪镇_流动党员普查.xlsx", {"名单": [["姓名", "身份证号", "所在党支部", "流入地"], ["张三", "", "城东村党支部", "上海"]]})  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _FIRST_READ, str(path.parent)],
                          capture_output=True, text=True, env=env, check=True)  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"before": [], "tables": 1, "error": "None"}


def test_ingest_does_not_import_hypothesis(write_xlsx, tmp_path):
    """pandera loads hypothesis (a test tool) for its strategies whenever it is installed; the
    command shows it absent, and validation and loading go on as before."""
    path = write_xlsx("2024-04_灵溪镇_流动党员普查.xlsx", {"名单": [["姓名", "身份证号", "所在党支部", "流入地"], ["张三", "", "城东村党支部", "上海"], ["", "", "城东村党支部", "上海"]]})  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipeline", "ingest", str(path), "--json",
         "--db", str(tmp_path / "w.duckdb")],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")]  # fmt: skip
    assert "pandera" in imported  # the file was validated
    # (a refused attempt at hypothesis.strategies is logged too; hypothesis itself never loads)
    assert "hypothesis" not in imported and "hypothesis.core" not in imported
    [result] = json.loads(done.stdout)["files"]
    assert (result["status"], result["rows_loaded"], result["rows_rejected"]) == ("loaded", 1, 1)


# While another thread holds files.IMPORTING, neither the primer (run while calamine parses)
# nor the command's own import of the pipeline may start importing: two threads importing
# pandas, pyarrow and pandera at once can hand one of them a half-imported module.
_LOCK_PROBE = """
import json, sys, threading, time
sys.modules.setdefault("hypothesis", None)
from pipeline.cli import commands
from pipeline.ingest import files
path, db = sys.argv[1], sys.argv[2]
files.IMPORTING.acquire()
primer = threading.Thread(target=files._prime, args=("330327",))
command = threading.Thread(target=commands.main, args=(["ingest", path, "--json", "--db", db],))
primer.start(); command.start()
time.sleep(3)  # either would have imported pandas by now
early = sorted(m for m in ("pandas", "pipeline.ingest.primer", "pipeline.ingest.batch") if m in sys.modules)
files.IMPORTING.release()
primer.join(); command.join()
print(json.dumps({"while_held": early, "after": "pipeline.ingest.batch" in sys.modules}))
"""


def test_the_ingest_imports_one_thread_at_a_time(tmp_path, write_xlsx):
    from tests.conftest import HEADER, member

    path = write_xlsx("2022-04_灵溪镇.xlsx", {"s": [HEADER, member(seq=1)]})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CENSUS_SECRET_FILE": str(tmp_path / "k")}
    done = subprocess.run(
        [sys.executable, "-c", _LOCK_PROBE, str(path), str(tmp_path / "w.duckdb")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"while_held": [], "after": True}


# The failure this prevents, seen in three of about fifty runs: the reading thread imported the
# readers (a dataclass) while the command imported `typing`, and got it half-built.
_READER_PROBE = """
import json, sys, threading
sys.modules.setdefault("hypothesis", None)
importers = {}

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name.startswith("pipeline."):
            importers.setdefault(name, threading.current_thread().name)
        return None

sys.meta_path.insert(0, Watch())
from pipeline.ingest import files
read = files.start_reading(files.Path(sys.argv[1]), "330327")[0].result()
assert read.error is None, read.error
print(json.dumps(importers))
"""


def test_the_reading_thread_imports_none_of_the_readers_itself(tmp_path, write_xlsx):
    from tests.conftest import HEADER, member

    path = write_xlsx("2022-04_灵溪镇.xlsx", {"s": [HEADER, member(seq=1)]})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CENSUS_SECRET_FILE": str(tmp_path / "k")}
    done = subprocess.run(
        [sys.executable, "-c", _READER_PROBE, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    importers = json.loads(done.stdout.strip().splitlines()[-1])
    assert importers["pipeline.intake.readers"] == "MainThread"
