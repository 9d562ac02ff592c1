"""Every path and tunable in one place; each can be overridden from the environment."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser() if value else default


DATA_RAW = _path("CENSUS_RAW", ROOT / "data" / "raw")
DATA_CURATED = _path("CENSUS_CURATED", ROOT / "data" / "curated")
SQL_DIR = Path(__file__).resolve().parent / "sql"


def db_path() -> Path:
    """The warehouse file; read on every call so tests and tools can point elsewhere."""
    return _path("CENSUS_DB", DATA_CURATED / "census.duckdb")


def secret_path() -> Path:
    """Key for hashing ID numbers: outside the repository, created on first use."""
    return _path("CENSUS_SECRET_FILE", Path.home() / ".config" / "census-analytics" / "secret.key")


# The jurisdiction whose members these are (GB/T 2260 code of the home county).
HOME_COUNTY_CODE = os.environ.get("CENSUS_HOME_COUNTY", "330327")
HOME_COUNTY_NAME = os.environ.get("CENSUS_HOME_NAME", "浙江省温州市苍南县")

# File-level safety limits.
MAX_FILE_BYTES = int(os.environ.get("CENSUS_MAX_FILE_BYTES", str(200 * 1024 * 1024)))
MAX_INFLATED_BYTES = int(os.environ.get("CENSUS_MAX_INFLATED_BYTES", str(512 * 1024 * 1024)))
MAX_SHEET_CELLS = int(os.environ.get("CENSUS_MAX_SHEET_CELLS", str(30_000_000)))

# Metric thresholds (spec §5).
LONG_TERM_DAYS = 365
AT_RISK_DAYS = 180
