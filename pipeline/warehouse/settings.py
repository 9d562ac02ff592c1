"""How every DuckDB connection is opened, in a module that imports nothing else.

Light on purpose: `python -m pipeline stats` opens the warehouse through this and must not pay
for pandas, pyarrow or the readers that `warehouse.py` brings along. It even skips duckdb's own
Python layer (relations, expressions, a package-metadata lookup: 0.1 s of imports, a third of the
command's budget): `duckdb.connect` *is* the engine module's `_duckdb.connect`, so the connection
is the very same object either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

try:
    import _duckdb as _engine  # duckdb >= 1.4 ships its C++ engine as this top-level module
except ImportError:  # pragma: no cover - older duckdb keeps it inside the package
    import duckdb as _engine

if TYPE_CHECKING:
    import duckdb

# Nothing in this project may reach for the network; extensions are never installed or loaded.
DUCKDB_CONFIG = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
}


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    return _engine.connect(str(path), read_only=read_only, config=dict(DUCKDB_CONFIG))


def fetch_records(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    """Rows as dicts straight from DuckDB's cursor: no DataFrame in between."""
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
