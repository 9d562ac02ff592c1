"""The analyst's decisions, kept: which field a township's column means, and a file's wave.

What the rules cannot decide (a header nobody has seen, a wave no title names) an analyst
decides once in the upload dry run. A column choice is kept per township and applies to every
later file of that township, in the dashboard and in `python -m pipeline ingest` alike; a
township or wave choice belongs to one file (by its content hash), since the next file is
another wave. Kept in the state database (never the warehouse, which every ingest replaces);
every change is audited; an admin lists and removes them.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field

from pipeline import config
from pipeline.access import audit
from pipeline.access.scope import Scope
from pipeline.access.state import now_text, open_state, transaction
from pipeline.clean.schemas import FIELD_LABELS
from pipeline.parse.header_rules import header_key

log = logging.getLogger(__name__)

IGNORE = "ignore"  # "this column is no census field": kept with the row, no longer flagged

_SCHEMA = """
create table if not exists column_mappings (
    id integer primary key,
    township text not null,
    header_key text not null,
    label text not null,
    field text not null,
    created_by text,
    created_at text not null,
    unique (township, header_key)
);
create table if not exists file_choices (
    file_hash text primary key,
    file_name text,
    township text,
    wave text,
    created_by text,
    created_at text not null
);
"""

# Fields an analyst may map a column to: the member fields and the destination parts.
CHOOSABLE = {
    **{k: v for k, v in FIELD_LABELS.items() if k != "members_total"},
    "dest_province": "流入地（省）",
    "dest_city": "流入地（市）",
    "dest_county": "流入地（县区）",
    IGNORE: "不是统计字段（忽略）",
}


@dataclass
class Choices:
    """Everything decided so far, loaded once per batch."""

    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # township → key → field
    files: dict[str, dict] = field(default_factory=dict)  # file hash → {township, wave}

    def for_township(self, township: str | None) -> dict[str, str]:
        return self.columns.get(township or "", {})


def _ready(con) -> None:
    con.executescript(_SCHEMA)


def load() -> Choices:
    """Every kept choice. No state database yet means none (and creates nothing); one that
    cannot be read is logged and treated as none, so an ingest never fails on it."""
    out = Choices()
    if not config.state_db_path().exists():
        return out
    try:
        return _load(out)
    except (sqlite3.Error, OSError) as exc:
        log.warning("analysts' column choices could not be read: %s", type(exc).__name__)
        return Choices()


def _load(out: Choices) -> Choices:
    with open_state() as con:
        _ready(con)
        for r in con.execute("select township, header_key, field from column_mappings"):
            out.columns.setdefault(r["township"], {})[r["header_key"]] = r["field"]
        for r in con.execute("select file_hash, township, wave from file_choices"):
            out.files[r["file_hash"]] = {"township": r["township"], "wave": r["wave"]}
    return out


def save_column(
    township: str, label: str, field_name: str, actor: str, scope: Scope | str | None = None
) -> int:
    """Keep `label` → `field_name` for `township`'s files (replacing an earlier choice)."""
    township = (township or "").strip()
    key = header_key(label)  # as `header_rows.map_columns` looks it up
    if not township:
        raise ValueError("未能确定乡镇，无法保存列映射；请先指定乡镇")
    if not key:
        raise ValueError(f"列名“{label}”为空，无法保存映射")
    if field_name not in CHOOSABLE:
        raise ValueError(f"未知字段：{field_name}")
    with open_state() as con:
        _ready(con)
        with transaction(con):
            con.execute(
                "insert into column_mappings (township, header_key, label, field, created_by,"
                " created_at) values (?, ?, ?, ?, ?, ?) on conflict (township, header_key) do"
                " update set label = excluded.label, field = excluded.field,"
                " created_by = excluded.created_by, created_at = excluded.created_at",
                (township, key, label, field_name, actor, now_text()),
            )
            (mapping_id,) = con.execute(
                "select id from column_mappings where township = ? and header_key = ?",
                (township, key),
            ).fetchone()
    audit.record(
        "mapping_saved",
        actor,
        scope,
        {"township": township, "column": label, "field": CHOOSABLE[field_name]},
    )
    return int(mapping_id)


def save_file_choice(
    file_hash: str,
    file_name: str,
    *,
    township: str | None,
    wave: str | None,
    actor: str,
    scope: Scope | str | None = None,
) -> None:
    """Keep the township and/or wave an analyst set for one file (by its content)."""
    if wave is not None and not _is_wave(wave):
        raise ValueError(f"普查批次“{wave}”格式应为 YYYY-MM（如 2022-04）")
    with open_state() as con:
        _ready(con)
        with transaction(con):
            con.execute(
                "insert into file_choices values (?, ?, ?, ?, ?, ?) on conflict (file_hash) do"
                " update set township = coalesce(excluded.township, township),"
                " wave = coalesce(excluded.wave, wave), created_by = excluded.created_by,"
                " created_at = excluded.created_at",
                (file_hash, file_name, township or None, wave or None, actor, now_text()),
            )
    audit.record(
        "mapping_saved", actor, scope, {"file_name": file_name, "township": township, "wave": wave}
    )


def _is_wave(text: str) -> bool:
    parts = text.split("-")
    return (
        len(parts) == 2
        and len(parts[0]) == 4
        and all(p.isdigit() for p in parts)
        and 1950 <= int(parts[0]) <= 2100
        and 1 <= int(parts[1]) <= 12
    )


def list_columns(township: str | None = None) -> list[dict]:
    """Kept column choices (one township's, or all), newest first."""
    with open_state() as con:
        _ready(con)
        sql = "select id, township, label, field, created_by, created_at from column_mappings"
        rows = con.execute(
            sql + (" where township = ?" if township else "") + " order by id desc",
            (township,) if township else (),
        ).fetchall()
    return [{**dict(r), "field_label": CHOOSABLE.get(r["field"], r["field"])} for r in rows]


def list_file_choices() -> list[dict]:
    with open_state() as con:
        _ready(con)
        rows = con.execute(
            "select file_hash, file_name, township, wave, created_by, created_at"
            " from file_choices order by created_at desc"
        ).fetchall()
    return [dict(r) for r in rows]


def remove_column(mapping_id: int, actor: str, scope: Scope | str | None = None) -> bool:
    """Forget one column choice; True when there was one."""
    with open_state() as con:
        _ready(con)
        with transaction(con):
            row = con.execute(
                "select township, label, field from column_mappings where id = ?", (mapping_id,)
            ).fetchone()
            if row is None:
                return False
            con.execute("delete from column_mappings where id = ?", (mapping_id,))
    audit.record(
        "mapping_removed",
        actor,
        scope,
        {"township": row["township"], "column": row["label"], "field": row["field"]},
    )
    return True


def remove_file_choice(file_hash: str, actor: str, scope: Scope | str | None = None) -> bool:
    with open_state() as con:
        _ready(con)
        with transaction(con):
            row = con.execute(
                "select file_name from file_choices where file_hash = ?", (file_hash,)
            ).fetchone()
            if row is None:
                return False
            con.execute("delete from file_choices where file_hash = ?", (file_hash,))
    audit.record("mapping_removed", actor, scope, {"file_name": row["file_name"]})
    return True
