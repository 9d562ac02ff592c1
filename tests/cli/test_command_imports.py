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
read = start_reading(files[0], "330327").result()
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
