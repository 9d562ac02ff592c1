"""`make bench` times only work that was done: an ingest that loaded nothing is not a figure."""

from __future__ import annotations

import os
import sys

import pytest

from pipeline.bench import floors


def test_an_ingest_that_rejects_its_file_is_not_timed(tmp_path):
    bad = tmp_path / "2024-04_灵溪镇_流动党员普查.xlsx"
    bad.write_bytes(b"not a workbook")
    cmd = [sys.executable, "-m", "pipeline", "ingest", str(bad), "--json",
           "--db", str(tmp_path / "w.duckdb")]  # fmt: skip
    with pytest.raises(RuntimeError, match="失败|未入库"):
        floors._timed(cmd, dict(os.environ))
