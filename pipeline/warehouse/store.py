"""The DuckDB warehouse file: schema, connections, atomic write transactions.

Writers never open the live file. `write_transaction` copies it next to itself, yields a
connection to the copy, checkpoints and `os.replace`s the copy over the live file. A killed
ingest leaves the old file untouched; a dashboard holding the old file read-only keeps
reading it and sees the new one on its next connect. What is written inside a transaction
(files, unit replacement with history) is `pipeline.warehouse.load`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipeline.warehouse.settings import DUCKDB_CONFIG, connect  # noqa: F401  (re-exported)

WAL_LIMIT = "16MB"  # DuckDB's default; what matters is that commits past it skip the WAL

SCHEMA = """
create table if not exists ingest_log (
    run_id varchar, ingested_at timestamp, file_name varchar, file_hash varchar,
    status varchar, rows_loaded integer, rows_rejected integer, error varchar,
    township varchar, wave varchar, uploaded_by varchar
);
create table if not exists source_files (
    file_hash varchar primary key, file_name varchar, township varchar, wave varchar,
    loaded_at timestamp, sheets varchar[], unmapped_columns varchar[], header_map varchar
);
create table if not exists units (
    wave varchar, township varchar, branch varchar, file_hash varchar, loaded_at timestamp,
    replaced_at timestamp, replaced_by varchar, is_current boolean
);
create table if not exists members (
    member_key varchar, wave varchar, township varchar, branch varchar, name varchar,
    gender varchar, birth_date date, id_hash varchar, id_masked varchar, outflow_date date,
    destination_text varchar, dest_province varchar, dest_province_code varchar,
    dest_city varchar, dest_city_code varchar, dest_county varchar, dest_county_code varchar,
    flow_scope varchar, stated_flow_scope varchar, occupation varchar, phone varchar,
    inflow_org varchar, has_certificate boolean, last_contact_date date,
    contact_status varchar, dues_paid_through date, is_returned boolean, return_date date,
    enterprise varchar, enterprise_industry varchar, jobs_created integer, remarks varchar,
    extra varchar, sheet varchar, excel_row integer, file_hash varchar, source_file varchar,
    is_current boolean
);
create table if not exists branch_totals (
    wave varchar, township varchar, branch varchar, members_total integer, sheet varchar,
    excel_row integer, file_hash varchar, is_current boolean
);
create table if not exists quarantine (
    file_hash varchar, file_name varchar, wave varchar, township varchar, sheet varchar,
    excel_row integer, field varchar, column_label varchar, value varchar, reason varchar
);
create table if not exists file_notices (
    file_hash varchar, position integer, notice varchar
);
create table if not exists warnings (
    file_hash varchar, file_name varchar, wave varchar, township varchar, sheet varchar,
    excel_row integer, field varchar, column_label varchar, value varchar, reason varchar
);
"""


def connect_readonly(path: Path | str) -> duckdb.DuckDBPyConnection:
    return connect(path, read_only=True)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


@contextmanager
def writer_lock(db: Path) -> Iterator[None]:
    """One writer at a time; a second ingest waits rather than losing the first one's work."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def write_transaction(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a private copy of the warehouse that replaces it only on success."""
    db = Path(db)
    with writer_lock(db):
        # Under the lock, any private copy still here belongs to a run that died.
        for stale in db.parent.glob(f".{db.name}.*.tmp*"):
            stale.unlink(missing_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{db.name}.", suffix=".tmp", dir=db.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            if db.exists():
                shutil.copyfile(db, tmp)
            else:
                tmp.unlink()  # DuckDB refuses an empty file; let it create its own
            con = connect(tmp)
            try:
                # The copy is private until the swap and checkpointed before it. Small files'
                # commits gather in the WAL; a commit that takes it past this limit checkpoints
                # instead, and DuckDB then skips the WAL: a big file is written once, not twice.
                con.execute("set wal_autocheckpoint = ?", [WAL_LIMIT])
                create_schema(con)
                yield con
                con.execute("checkpoint")
            finally:
                con.close()
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, db)
            dir_fd = os.open(db.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)


def warehouse_version(db: Path | str) -> tuple[str, int, int] | None:
    """(path, inode, mtime_ns): changes whenever an ingest swaps a new warehouse in."""
    try:
        stat = os.stat(db)
    except FileNotFoundError:
        return None
    return (str(db), stat.st_ino, stat.st_mtime_ns)
