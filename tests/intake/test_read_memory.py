"""Memory for reading a file is bounded by a fixed multiple of its size (issue #12, item 9):
a one-line CSV of tens of megabytes of `ab,ab,…` (millions of cells in one row) is refused
with a Chinese reason before the csv module builds that row. Measured in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import json, resource, sys
from pipeline.intake.readers import read_sheets
from pipeline.intake.sniff import FileRejected
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_sheets(sys.argv[1])
    reason = None
except FileRejected as exc:
    reason = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_kib": after - before, "reason": reason}, ensure_ascii=False))
"""


def test_a_one_line_csv_is_refused_within_a_few_times_its_size(tmp_path):
    path = tmp_path / "钱库镇_2022-04_一行.csv"
    size = 40 * 1024 * 1024
    path.write_bytes(("姓名,身份证号\n").encode() + b"ab," * (size // 3))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["reason"] and "列" in out["reason"], out
    assert out["grew_kib"] * 1024 <= 4 * size, out  # the bytes themselves plus small pieces
