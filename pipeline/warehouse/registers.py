"""Storage of the roster and host registers (issue #17): rows with history, like members.

A register file replaces the current rows of the same kind, wave and unit (a roster's unit is
its township, a host register's its 流入地党组织); the replaced rows stay, `is_current` false.
Rejected rows go to the same `quarantine` table as the census's.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from pipeline.ingest.registers import ROSTER, CleanRegister

SCHEMA = """
create table if not exists register_rows (
    kind varchar, wave varchar, unit varchar, township varchar, branch varchar, name varchar,
    gender varchar, birth_date date, id_hash varchar, id_masked varchar,
    member_category varchar, joined_date date, host_org varchar, home_org varchar,
    reported_date date, phone varchar, sheet varchar, excel_row integer, file_hash varchar,
    source_file varchar, is_current boolean
);
create table if not exists register_units (
    kind varchar, wave varchar, unit varchar, file_hash varchar, loaded_at timestamp,
    replaced_at timestamp, replaced_by varchar, is_current boolean
);
"""


def register_township(clean: CleanRegister) -> str | None:
    """The township a register file belongs to: a roster's; a host register lists several
    townships' members and belongs to none (it is no township's census submission)."""
    towns = clean.rows["township"].dropna()
    return towns.mode().iat[0] if clean.kind == ROSTER and len(towns) else None


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


def load_register(
    con: duckdb.DuckDBPyConnection,
    clean: CleanRegister,
    *,
    file_name: str,
    file_hash: str,
    sheets: list[str],
    unmapped: list[str],
    header_map: str,
    now: datetime,
    own_transaction: bool = True,
) -> str:
    """Load one cleaned register file in one transaction; 'loaded' or 'replaced'.
    `own_transaction=False` when the caller's transaction covers the whole batch."""
    create_schema(con)
    if own_transaction:
        con.execute("begin transaction")
    try:
        keys = [[clean.kind, clean.wave, unit] for unit in clean.units]
        replaced = 0
        for kind, wave, unit in keys:
            [(count,)] = con.execute(
                "select count(*) from register_units where is_current and kind = ? and wave = ? "
                "and unit = ? and file_hash <> ?",
                [kind, wave, unit, file_hash],
            ).fetchall()
            replaced += count
            con.execute(
                "update register_rows set is_current = false "
                "where is_current and kind = ? and wave = ? and unit = ?",
                [kind, wave, unit],
            )
            con.execute(
                "update register_units set is_current = false, replaced_at = ?, replaced_by = ? "
                "where is_current and kind = ? and wave = ? and unit = ?",
                [now, file_hash, kind, wave, unit],
            )
            con.execute(
                "insert into register_units values (?, ?, ?, ?, ?, null, null, true)",
                [kind, wave, unit, file_hash, now],
            )
        rows = clean.rows.assign(file_hash=file_hash, source_file=file_name, is_current=True)
        con.register("new_register", pa.Table.from_pandas(rows, preserve_index=False))
        con.execute("insert into register_rows by name select * from new_register")
        con.unregister("new_register")
        if len(clean.rejects):
            issues = clean.rejects.assign(file_hash=file_hash, file_name=file_name)
            con.register("new_issues", issues)
            con.execute("insert into quarantine by name select * from new_issues")
            con.unregister("new_issues")
        con.execute(
            "insert into source_files values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                file_hash,
                file_name,
                register_township(clean),
                clean.wave,
                now,
                sheets,
                unmapped,
                header_map,
            ],
        )
        if own_transaction:
            con.execute("commit")
    except BaseException:
        if own_transaction:
            con.execute("rollback")
        raise
    return "replaced" if replaced else "loaded"
