"""Every path and tunable in one place; each can be overridden from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser() if value else default


DATA_CURATED = _path("CENSUS_CURATED", ROOT / "data" / "curated")


def raw_dir() -> Path:
    """Where census files are dropped and uploads are kept; read on every call like db_path()."""
    return _path("CENSUS_RAW", ROOT / "data" / "raw")


SQL_DIR = Path(__file__).resolve().parent / "sql"


def db_path() -> Path:
    """The warehouse file; read on every call so tests and tools can point elsewhere."""
    return _path("CENSUS_DB", DATA_CURATED / "census.duckdb")


def secret_path() -> Path:
    """Key for hashing ID numbers: outside the repository, created on first use."""
    return _path("CENSUS_SECRET_FILE", Path.home() / ".config" / "census-analytics" / "secret.key")


def state_db_path() -> Path:
    """Accounts, sessions and the audit log (SQLite). Kept apart from the warehouse on purpose:
    every ingest replaces the warehouse file wholesale, which would wipe accounts and history."""
    return _path("CENSUS_STATE_DB", ROOT / "data" / "state" / "app.sqlite")


@dataclass(frozen=True)
class AuthPolicy:
    """Sign-in throttling and session lifetimes (issue #5)."""

    free_failures_per_account: int = 3  # typos happen; delays start after this many
    free_failures_per_source: int = 10  # higher: a township office shares one address
    base_delay_seconds: float = 2.0  # doubles with every further failure...
    max_delay_seconds: float = 900.0  # ...up to this: slowed down, never locked for good
    # An address slows down, never shuts out: one office NAT holds every account of a township,
    # so a burst from it may cost the others a few seconds, not a quarter of an hour.
    max_source_delay_seconds: float = 8.0
    forget_failures_after_seconds: float = 3600.0  # a quiet hour clears the count
    session_hours: float = 8.0  # one working day
    session_idle_minutes: float = 30.0  # an unattended office PC signs itself out
    min_password_length: int = 10


def auth_policy() -> AuthPolicy:
    """Read per call, like db_path(), so tests and deployments can change it via the environment."""
    env = os.environ
    d = AuthPolicy()
    return AuthPolicy(
        free_failures_per_account=int(
            env.get("CENSUS_LOGIN_FREE_FAILURES", d.free_failures_per_account)
        ),
        free_failures_per_source=int(
            env.get("CENSUS_LOGIN_FREE_FAILURES_SOURCE", d.free_failures_per_source)
        ),
        base_delay_seconds=float(env.get("CENSUS_LOGIN_BASE_DELAY", d.base_delay_seconds)),
        max_delay_seconds=float(env.get("CENSUS_LOGIN_MAX_DELAY", d.max_delay_seconds)),
        max_source_delay_seconds=float(
            env.get("CENSUS_LOGIN_MAX_SOURCE_DELAY", d.max_source_delay_seconds)
        ),
        forget_failures_after_seconds=float(
            env.get("CENSUS_LOGIN_FORGET_AFTER", d.forget_failures_after_seconds)
        ),
        session_hours=float(env.get("CENSUS_SESSION_HOURS", d.session_hours)),
        session_idle_minutes=float(env.get("CENSUS_SESSION_IDLE_MINUTES", d.session_idle_minutes)),
        min_password_length=int(env.get("CENSUS_MIN_PASSWORD_LENGTH", d.min_password_length)),
    )


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


# --- the leaders' report (issue #16) -----------------------------------------------------------


def report_issuer(scope_name: str, is_county: bool) -> str:
    """The issuing body printed above the date at the end of the report (发文机关署名).
    `CENSUS_REPORT_ISSUER` overrides it for county reports, `CENSUS_TOWNSHIP_ISSUER` (with
    {township} as placeholder) for township reports."""
    if is_county:
        return os.environ.get("CENSUS_REPORT_ISSUER") or f"中共{scope_name}委组织部"
    template = os.environ.get("CENSUS_TOWNSHIP_ISSUER") or "中共{township}委员会"
    return template.replace("{township}", scope_name)


def township_order() -> list[str] | None:
    """The county's own township order for report tables (`CENSUS_TOWNSHIP_ORDER`, names
    separated by 、 or commas); None: townships by outflow, largest first."""
    text = os.environ.get("CENSUS_TOWNSHIP_ORDER", "").strip()
    if not text:
        return None
    names = [n.strip() for n in text.replace("，", ",").replace("、", ",").split(",")]
    return [n for n in names if n] or None


@dataclass(frozen=True)
class BaseMap:
    """A standard base map an administrator configured: a GeoJSON of provinces and its
    approval number (审图号). Without one, no map leaves the app in a report or package."""

    path: Path
    approval: str  # e.g. GS(2019)1822号


def base_map() -> BaseMap | None:
    """`CENSUS_BASE_MAP` (GeoJSON file) and `CENSUS_BASE_MAP_APPROVAL` (审图号), both needed."""
    path = os.environ.get("CENSUS_BASE_MAP", "").strip()
    approval = os.environ.get("CENSUS_BASE_MAP_APPROVAL", "").strip()
    if not path or not approval:
        return None
    found = Path(path).expanduser()
    return BaseMap(found, approval) if found.is_file() else None
