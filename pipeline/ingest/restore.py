"""Restore a replaced version: the units a file once supplied become current again.

Re-submitting a (wave, township, branch) unit replaces it and keeps the old version in the
history (`warehouse.load.load_file`). Restoring is the same move backwards: inside one
`write_transaction`, the chosen file's non-current units and their member rows become current,
and whatever is current for those units now (the versions that replaced them) becomes history,
marked `replaced_by` the restored file. Nothing is ever deleted, so a restore can itself be
undone by restoring the other version. The models are rebuilt and the restore is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline import config
from pipeline.access import audit
from pipeline.access.scope import Scope
from pipeline.warehouse.load import NOT_APART, kept_apart, unnamed_units_elsewhere
from pipeline.warehouse.models import build_models
from pipeline.warehouse.store import connect_readonly, write_transaction


class RestoreError(Exception):
    """A restore that cannot (or may not) be done; the message is Chinese, for the analyst."""


@dataclass
class RestoreResult:
    file_hash: str
    file_name: str
    township: str | None
    wave: str | None
    branches: list[str] = field(default_factory=list)  # units made current again
    displaced: list[str] = field(default_factory=list)  # file names that are history now
    members: int = 0  # member rows made current again


_UNITS_TO_RESTORE = """
    create or replace temp table restore_units as
    select wave, township, branch from units where file_hash = ? and not is_current
"""
_IN_RESTORED = "(wave, township, branch) in (select (wave, township, branch) from restore_units)"
_UNNAMED_ROWS = (
    "select wave, township, branch, id_hash, name from members where file_hash = ? and branch = ''"
)


def _source(con, file_hash: str) -> tuple[str, str, str | None, str | None]:
    found = con.execute(
        "select file_hash, file_name, township, wave from source_files where file_hash = ?",
        [file_hash],
    ).fetchone()
    if found is None:
        raise RestoreError("数据库中没有这个版本的入库记录，无法恢复")
    return found


def _check_scope(scope: Scope | None, township: str | None) -> None:
    if scope is None:
        return
    if not scope.may_upload:
        raise RestoreError("当前账号没有恢复历史版本的权限")
    if not scope.allows(township):
        raise RestoreError("只能恢复本乡镇的数据版本")


def restorable(db: Path | str, file_hash: str) -> bool:
    """True when the file still has units that another version replaced."""
    con = connect_readonly(db)
    try:
        (n,) = con.execute(
            "select count(*) from units where file_hash = ? and not is_current", [file_hash]
        ).fetchone()
    finally:
        con.close()
    return n > 0


def restore_version(
    db: Path | str | None,
    file_hash: str,
    *,
    actor: str,
    scope: Scope | None = None,
    now: datetime | None = None,
) -> RestoreResult:
    """Make `file_hash`'s replaced units current again; returns what changed.

    Raises RestoreError when the version is unknown, nothing of it was replaced, or `scope`
    may not do it. The live warehouse is only ever swapped whole (write_transaction).
    """
    db = Path(db) if db else config.db_path()
    if not db.exists():
        raise RestoreError("尚未建立普查数据库，没有可恢复的版本")
    now = now or datetime.now()
    with write_transaction(db) as con:
        digest, file_name, township, wave = _source(con, file_hash)
        _check_scope(scope, township)
        con.execute("begin transaction")
        try:
            result = _restore(con, digest, file_name, township, wave, now)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        build_models(con)
    audit.record(
        "restore",
        actor,
        scope,
        {
            "file_name": file_name,
            "township": township,
            "wave": wave,
            "branches": len(result.branches),
            "members": result.members,
            "displaced": result.displaced,
        },
    )
    return result


def _restore(con, digest: str, file_name: str, township, wave, now: datetime) -> RestoreResult:
    con.execute(_UNITS_TO_RESTORE, [digest])
    branches = [
        b for (b,) in con.execute("select branch from restore_units order by branch").fetchall()
    ]
    if not branches:
        raise RestoreError(f"“{file_name}”当前就是现行版本（没有被替换的部分），无需恢复")
    # Another branch's list kept beside this one's (both naming no branch) is not a version of
    # it and stays (see `load.kept_apart`); the list parameter `apart` below.
    unnamed = con.execute(_UNNAMED_ROWS, [digest]).fetchdf()
    apart = kept_apart(unnamed_units_elsewhere(con, unnamed, digest))
    displaced_hashes = [
        h
        for (h,) in con.execute(
            f"select distinct file_hash from units where is_current and {_IN_RESTORED} "
            f"and {NOT_APART} order by file_hash",
            [apart],
        ).fetchall()
    ]
    displaced = [
        n
        for (n,) in con.execute(
            "select file_name from source_files where list_contains(?::varchar[], file_hash) order by file_name",
            [displaced_hashes],
        ).fetchall()
    ]

    # Units: the versions current now become history, replaced by the restored one.
    con.execute(
        f"update units set is_current = false, replaced_at = ?, replaced_by = ? where is_current and {_IN_RESTORED} and {NOT_APART}",
        [now, digest, apart],
    )
    con.execute(
        f"update units set is_current = true, replaced_at = null, replaced_by = null "
        f"where file_hash = ? and {_IN_RESTORED}",
        [digest],
    )
    # Members follow their units.
    con.execute(
        f"update members set is_current = false where is_current and {_IN_RESTORED} and {NOT_APART}",
        [apart],
    )
    con.execute(
        f"update members set is_current = true where file_hash = ? and {_IN_RESTORED}", [digest]
    )
    (members,) = con.execute(
        f"select count(*) from members where file_hash = ? and is_current and {_IN_RESTORED}",
        [digest],
    ).fetchone()

    # Branch totals (支部情况): where the restored file brought a total and the current one came
    # from a version now displaced, the restored file's total is current again — as if the
    # restored file had been loaded last. Totals of other files are left alone.
    con.execute(
        """
        create or replace temp table restore_totals as
        select distinct t.wave, t.township, t.branch
        from branch_totals t
        join branch_totals mine on mine.file_hash = ?
             and (mine.wave, mine.township, mine.branch) = (t.wave, t.township, t.branch)
        where t.is_current and list_contains(?::varchar[], t.file_hash)
        """,
        [digest, displaced_hashes],
    )
    in_totals = "(wave, township, branch) in (select (wave, township, branch) from restore_totals)"
    con.execute(
        f"update branch_totals set is_current = (file_hash = ?) where {in_totals}", [digest]
    )
    con.execute("drop table restore_totals")
    con.execute("drop table restore_units")
    return RestoreResult(digest, file_name, township, wave, branches, displaced, int(members))
