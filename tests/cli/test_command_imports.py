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
