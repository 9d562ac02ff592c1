"""Validated files into the warehouse, inside a `store.write_transaction`: unit replacement
with history (a branch's newer file makes its older rows not current), quarantine, warnings,
the source-file record and the ingest log; and the questions a batch asks first (which files
are known, which IDs are already current elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa


def is_known_file(con: duckdb.DuckDBPyConnection, file_hash: str) -> bool:
    # fetchall, not fetchone: DuckDB keeps a half-read result open and then refuses register()
    [(count,)] = con.execute(
        "select count(*) from source_files where file_hash = ?", [file_hash]
    ).fetchall()
    return count > 0


def known_files(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every file hash the warehouse holds: a batch's reader skips parsing these."""
    return {h for (h,) in con.execute("select file_hash from source_files").fetchall()}


_DUPLICATE_COLUMNS = ["position", "source_file", "sheet", "excel_row"]


def shared_with_other_townships(
    con: duckdb.DuckDBPyConnection, file_hashes: list[str]
) -> list[tuple[str, str, int]]:
    """(file hash, other township, members) for the given files' current members
    whose ID is also current in another township's register of the same wave: one person
    counted twice in the county's figures. One query for a whole batch."""
    if not file_hashes:
        return []
    return con.execute(
        """
        with own as (
            select wave, township, id_hash, file_hash
            from members
            where is_current and id_hash is not null and list_contains(?, file_hash)
        )
        select o.file_hash, m.township, count(distinct o.id_hash)
        from own as o
        join members as m
            on m.is_current and m.wave = o.wave and m.id_hash = o.id_hash
            and m.township <> o.township
        group by all
        order by all
        """,
        [file_hashes],
    ).fetchall()


def duplicates_elsewhere(con: duckdb.DuckDBPyConnection, members: pd.DataFrame) -> pd.DataFrame:
    """New rows whose ID is already current in the same township-wave under another unit.

    Units the new file covers are about to be replaced, so a match there is no duplicate.
    Returns the new rows' positions with where the earlier entry stands.
    """
    new = members.loc[members["id_hash"].notna(), ["wave", "township", "branch", "id_hash"]]
    if new.empty:
        return pd.DataFrame(columns=_DUPLICATE_COLUMNS)
    con.register("new_ids", new.reset_index(names="position"))
    try:
        # Only a current unit of the same township-wave that this file does not cover can
        # hold a duplicate; without one (a new township, or a file covering all its branches)
        # the scan of every member is skipped.
        [(others,)] = con.execute(
            """
            select count(*) from units as u
            where u.is_current
                and (u.wave, u.township) in (select (wave, township) from new_ids)
                and (u.wave, u.township, u.branch) not in (
                    select (wave, township, branch) from new_ids
                )
            """
        ).fetchall()
        if not others:
            return pd.DataFrame(columns=_DUPLICATE_COLUMNS)
        return con.execute(
            """
            select n.position, m.source_file, m.sheet, m.excel_row
            from new_ids as n
            join members as m
                on m.is_current and m.wave = n.wave and m.township = n.township
                and m.id_hash = n.id_hash
            where (m.wave, m.township, m.branch) not in (
                select (wave, township, branch) from new_ids
            )
            order by n.position
            """
        ).fetchdf()
    finally:
        con.unregister("new_ids")


_UNNAMED_COLUMNS = ["wave", "township", "file_hash", "source_file", "shared", "members"]


def unnamed_units_elsewhere(
    con: duckdb.DuckDBPyConnection, members: pd.DataFrame, file_hash: str
) -> pd.DataFrame:
    """Current units with no branch ('') in the new rows' township-waves, loaded from other
    files, with how many members the new rows share with each (same ID; same name where
    either side has no ID) and how many each holds."""
    new = members.loc[members["branch"] == "", ["wave", "township", "id_hash", "name"]]
    if new.empty:
        return pd.DataFrame(columns=_UNNAMED_COLUMNS)
    con.register("new_unnamed", new)
    try:
        return con.execute(
            """
            select m.wave, m.township, m.file_hash, min(m.source_file) as source_file,
                count(distinct m.member_key) filter (where n.name is not null) as shared,
                count(distinct m.member_key) as members
            from members as m
            left join new_unnamed as n
                on n.wave = m.wave and n.township = m.township
                and (n.id_hash = m.id_hash
                    or ((n.id_hash is null or m.id_hash is null) and n.name = m.name))
            where m.is_current and m.branch = '' and m.file_hash <> ?
                and (m.wave, m.township) in (select (wave, township) from new_unnamed)
            group by all
            order by source_file
            """,
            [file_hash],
        ).fetchdf()
    finally:
        con.unregister("new_unnamed")


def kept_apart(unnamed: pd.DataFrame) -> list[str]:
    """The files whose unnamed units a new unnamed file must not replace.

    Two files that name no branch share the key (wave, township, ''), yet a correction of a
    register shares its people with it, while two branches' registers share nobody (one
    member, one branch). Replacing on the key alone silently dropped a whole branch's list
    (R24), so a file with nobody in common is kept beside the other: the analyst sees both
    lists, told so, and nothing is lost; a later correction replaces the one it overlaps."""
    return unnamed.loc[unnamed["shared"] == 0, "file_hash"].tolist()


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection, own: bool = True) -> Iterator[None]:
    """One file's writes, all or nothing: a surprise mid-file leaves the batch's copy clean.

    `own=False` when the caller already holds a transaction covering the whole batch."""
    if not own:
        yield
        return
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


# A row of a unit `kept_apart` is not replaced (the list parameter: those files' hashes).
NOT_APART = "not (branch = '' and list_contains(?::varchar[], file_hash))"
_INSERT_QUARANTINE = "insert into quarantine by name select * from new_issues"
_INSERT_WARNINGS = "insert into warnings by name select * from new_issues"


def load_file(
    con: duckdb.DuckDBPyConnection,
    *,
    file_name: str,
    file_hash: str,
    members: pd.DataFrame,
    branch_totals: pd.DataFrame | None,
    rejects: pd.DataFrame,
    warnings: pd.DataFrame,
    sheets: list[str],
    unmapped: list[str],
    header_map: str,
    township: str | None,
    wave: str | None,
    now: datetime,
    own_transaction: bool = True,
    apart: list[str] | None = None,
) -> str:
    """Load one validated file; returns 'loaded' or 'replaced'.

    `apart`: the files whose unnamed units stay (`kept_apart`); found here when not given."""
    with _transaction(con, own_transaction):
        if apart is None:
            apart = kept_apart(unnamed_units_elsewhere(con, members, file_hash))
        units = members[["wave", "township", "branch"]].drop_duplicates()
        con.register("new_units", units)
        [(replaced,)] = con.execute(
            f"""
            select count(*) from units u join new_units n using (wave, township, branch)
            where u.is_current and u.file_hash <> ? and {NOT_APART}
            """,
            [file_hash, apart],
        ).fetchall()
        if replaced:  # otherwise no current member belongs to these units: skip scanning them all
            con.execute(
                f"""
                update members set is_current = false
                where is_current and (wave, township, branch) in (select (wave, township, branch) from new_units)
                    and {NOT_APART}
                """,
                [apart],
            )
        con.execute(
            f"""
            update units set is_current = false, replaced_at = ?, replaced_by = ?
            where is_current and (wave, township, branch) in (select (wave, township, branch) from new_units)
                and {NOT_APART}
            """,
            [now, file_hash, apart],
        )
        con.execute(
            "insert into units select wave, township, branch, ?, ?, null, null, true from new_units",
            [file_hash, now],
        )
        con.unregister("new_units")

        rows = members.assign(file_hash=file_hash, source_file=file_name, is_current=True)
        # An Arrow table is scanned without touching Python objects; pandas' string columns are not.
        con.register("new_members", pa.Table.from_pandas(rows, preserve_index=False))
        con.execute("insert into members by name select * from new_members")
        con.unregister("new_members")

        if branch_totals is not None and len(branch_totals):
            totals = branch_totals.assign(file_hash=file_hash, is_current=True)
            con.register("new_totals", totals)
            con.execute(
                """
                update branch_totals set is_current = false
                where is_current and (wave, township, branch) in (select (wave, township, branch) from new_totals)
                """
            )
            con.execute("insert into branch_totals by name select * from new_totals")
            con.unregister("new_totals")

        for insert, frame in ((_INSERT_QUARANTINE, rejects), (_INSERT_WARNINGS, warnings)):
            if len(frame):
                issues = _issues_of(
                    frame,
                    {
                        "file_hash": file_hash,
                        "file_name": file_name,
                        "wave": wave,
                        "township": township,
                    },
                )
                con.register("new_issues", issues)
                con.execute(insert)
                con.unregister("new_issues")

        con.execute(
            "insert into source_files values (?, ?, ?, ?, ?, ?, ?, ?)",
            [file_hash, file_name, township, wave, now, sheets, unmapped, header_map],
        )
        return "replaced" if replaced else "loaded"


def current_places(con: duckdb.DuckDBPyConnection, places: set[tuple[str, str]]) -> set[tuple]:
    """Which of these (wave, township) pairs the warehouse already holds current units of."""
    if not places:
        return set()
    frame = pd.DataFrame(list(places), columns=["wave", "township"])
    con.register("asked_places", frame)
    try:
        return set(
            con.execute(
                """
                select distinct u.wave, u.township from units as u
                join asked_places using (wave, township) where u.is_current
                """
            ).fetchall()
        )
    finally:
        con.unregister("asked_places")


def load_files_together(con: duckdb.DuckDBPyConnection, files: list[dict]) -> None:
    """Load several validated files at once, as `load_file` would one by one, for files that
    touch no current unit (`current_places`) and no other file's (wave, township): nothing of
    theirs can replace, or duplicate, anything, so the per-file bookkeeping is one insert per
    table. Each dict holds `load_file`'s keyword arguments (and `notices`)."""
    if not files:
        return

    def stacked(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
        frames = [f for f in frames if f is not None and len(f)]
        return pd.concat(frames, ignore_index=True) if frames else None

    loaded = [f for f in files if f["members"] is not None and len(f["members"])]
    if loaded:
        # One frame for every file's members, each file's own columns set by repetition
        # (not a copy per file), and the units taken from it by DuckDB in the same pass.
        members = pd.concat([f["members"] for f in loaded], ignore_index=True)
        lengths = [len(f["members"]) for f in loaded]
        for column, key in (("file_hash", "file_hash"), ("source_file", "file_name")):
            members[column] = np.repeat(np.array([f[key] for f in loaded], dtype=object), lengths)
        members["is_current"] = True
        members["loaded_at_"] = pd.to_datetime(
            np.repeat(np.array([f["now"] for f in loaded], dtype=object), lengths)
        )
        con.register("new_members", pa.Table.from_pandas(members, preserve_index=False))
        con.execute(
            "insert into units select distinct wave, township, branch, file_hash, loaded_at_, "
            "null, null, true from new_members"
        )
        con.execute("insert into members by name select * exclude (loaded_at_) from new_members")
        con.unregister("new_members")
    totals = stacked(
        [
            f["branch_totals"].assign(file_hash=f["file_hash"], is_current=True)
            for f in files
            if f["branch_totals"] is not None
        ]
    )
    if totals is not None:
        con.register("new_totals", totals)
        con.execute("insert into branch_totals by name select * from new_totals")
        con.unregister("new_totals")
    for insert, key in ((_INSERT_QUARANTINE, "rejects"), (_INSERT_WARNINGS, "warnings")):
        issues = stacked([_issues_of(f[key], f) for f in files if len(f[key])])
        if issues is not None:
            con.register("new_issues", issues)
            con.execute(insert)
            con.unregister("new_issues")
    con.executemany(
        "insert into source_files values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [f["file_hash"], f["file_name"], f["township"], f["wave"], f["now"], f["sheets"],
             f["unmapped"], f["header_map"]]
            for f in files
        ],
    )  # fmt: skip
    notices = [[f["file_hash"], i, t] for f in files for i, t in enumerate(f["notices"])]
    if notices:
        con.executemany("insert into file_notices values (?, ?, ?)", notices)


def _issues_of(frame: pd.DataFrame, file: dict) -> pd.DataFrame:
    """A file's quarantine or warning rows as `load_file` writes them."""
    issues = frame.assign(file_hash=file["file_hash"], file_name=file["file_name"])
    for column, of_file in (("wave", file["wave"]), ("township", file["township"])):
        own = issues.get(column)  # a row's own township and wave, where cleaning knew them
        issues[column] = of_file if own is None else own.fillna(of_file)
    return issues


def save_notices(
    con: duckdb.DuckDBPyConnection, file_hash: str, notices: list[str], first: int = 0
) -> None:
    """What the analyst should know about a loaded file (需核对 reasons, skipped sheets);
    `first` numbers notices added after the file's own."""
    if notices:
        con.executemany(
            "insert into file_notices values (?, ?, ?)",
            [[file_hash, first + i, text] for i, text in enumerate(notices)],
        )


def log_ingest(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    now: datetime,
    file_name: str,
    file_hash: str | None,
    status: str,
    rows_loaded: int,
    rows_rejected: int,
    error: str | None,
    township: str | None,
    wave: str | None,
    uploaded_by: str | None,
) -> None:
    con.execute(
        "insert into ingest_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            now,
            file_name,
            file_hash,
            status,
            rows_loaded,
            rows_rejected,
            error,
            township,
            wave,
            uploaded_by,
        ],
    )
