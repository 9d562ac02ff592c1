"""Build the analytics models: every `sql/staging/stg_*.sql`, then every `sql/intermediate/int_*.sql` (intermediate
models the marts share: which fields each unit reported, per-member flags), then every
`sql/marts/mart_*.sql`, each layer sorted."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

import duckdb

from pipeline.config import SQL_DIR
from pipeline.duties import rules as duty_rules
from pipeline.warehouse import registers as registers_store
from pipeline.warehouse import store as warehouse

# The additive counts of mart_branch_wave: any grouping (township, county) is their sum, and
# every rate is computed after summing. A count may be NULL for a branch whose register did
# not carry its field (not reported): sums skip it, and stay NULL when no branch reported.
COUNT_COLUMNS = (
    "registered",
    "outflow",
    "scope_cross_province",
    "scope_cross_city",
    "scope_cross_county",
    "scope_within_county",
    "scope_unknown",
    "long_term",
    "lost_contact",
    "at_risk",
    "dual_managed",
    "two_nots",
    "certified",
    "primary_lost",
    "primary_two_nots",
    "primary_stale",
    "long_term_base",
    "lost_contact_base",
    "at_risk_base",
    "dual_managed_base",
    "two_nots_base",
    "certified_base",
    "returnees",
    "enterprises",
    "jobs_created",
)


def model_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    return [
        path
        for layer, folder in (("stg", "staging"), ("int", "intermediate"), ("mart", "marts"))
        for path in sorted((sql_dir / folder).glob(f"{layer}_*.sql"))
    ]


def models_fingerprint(sql_dir: Path = SQL_DIR) -> str:
    """Identifies the model SQL a warehouse was built with; readers compare it with theirs."""
    digest = hashlib.sha256()
    for path in model_files(sql_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(duty_rules.rules_fingerprint())
    return digest.hexdigest()[:16]


def built_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint stored by the last build, None for a warehouse older than the stamp."""
    try:
        [(found,)] = con.execute("select fingerprint from model_version").fetchall()
    except duckdb.CatalogException:
        return None
    return found


def model_needs(sql_dir: Path = SQL_DIR) -> dict[str, set[str]]:
    """Each model with the models its SQL reads (by name, comments left out)."""
    return _needs(_model_sql(sql_dir))


def _model_sql(sql_dir: Path) -> dict[str, str]:
    """Each model's SQL by name, in build order."""
    return {path.stem: path.read_text(encoding="utf-8") for path in model_files(sql_dir)}


def _needs(sql: dict[str, str]) -> dict[str, set[str]]:
    texts = {name: _COMMENT.sub("", text) for name, text in sql.items()}
    return {
        name: {other for other in texts if other != name and re.search(rf"\b{other}\b", text)}
        for name, text in texts.items()
    }


_COMMENT = re.compile(r"--[^\n]*")
# Models built at once, each on its own cursor, on a warehouse of up to ALONE_ABOVE member
# rows: there most models are small queries that leave a core idle (a 60-file county batch of
# 100,000 members: 2.2 → 1.5-1.8 s). On a big warehouse DuckDB spreads each query over every
# core itself, and several at once only add memory (10M members: 63 → 68 s, peak 5.4 → 8.8 GB).
BUILDERS = 3
ALONE_ABOVE = 1_000_000


def build_models(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Run each model file and stamp the warehouse; returns the model names in build order.

    A model starts once every model it reads is built (`model_needs`), BUILDERS at a time.
    Each runs on its own cursor, which sees only what is committed: the caller has committed
    its load (every caller does; a connection still inside a transaction builds one by one,
    as does a warehouse of more than ALONE_ABOVE member rows)."""
    duty_rules.write_rules(con)  # the duty models read their thresholds from this table
    # The duty and check models read source_files and the registers, which a warehouse rebuilt
    # from a Parquet export (or never given a register) lacks: empty tables then.
    warehouse.create_schema(con)
    registers_store.create_schema(con)
    sql = _model_sql(sql_dir)
    if _in_transaction(con) or _member_rows(con) > ALONE_ABOVE:
        for text in sql.values():
            con.execute(text)
    else:
        _build_scheduled(con, sql)
    con.execute(
        "create or replace table model_version as select ? as fingerprint",
        [models_fingerprint(sql_dir)],
    )
    return list(sql)


def _build_scheduled(con, sql: dict[str, str]) -> None:
    def build(name: str) -> None:
        cursor = con.cursor()
        try:
            cursor.execute(sql[name])
        finally:
            cursor.close()

    needs = _needs(sql)
    # the longest chains of models first: the last of them ends the build
    chains = _chains(needs)
    waiting, built, running = sorted(sql, key=lambda n: -chains[n]), set(), {}
    with ThreadPoolExecutor(BUILDERS, thread_name_prefix="models") as pool:
        while waiting or running:
            for name in [n for n in waiting if needs[n] <= built][: BUILDERS - len(running)]:
                waiting.remove(name)
                running[pool.submit(build, name)] = name
            if not running:
                raise RuntimeError(f"models that read each other: {sorted(waiting)}")
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                future.result()  # a failed model stops the build, as one by one
                built.add(running.pop(future))


def _chains(needs: dict[str, set[str]]) -> dict[str, int]:
    """Each model's longest chain of models to a last one, itself included."""
    after = {name: [other for other, read in needs.items() if name in read] for name in needs}
    memo: dict[str, int] = {}

    def chain(name: str, path: frozenset[str]) -> int:
        if name in path:
            return 0  # models that read each other: the scheduler refuses them
        if name not in memo:
            memo[name] = 1 + max((chain(o, path | {name}) for o in after[name]), default=0)
        return memo[name]

    return {name: chain(name, frozenset()) for name in needs}


def _member_rows(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from members").fetchone()[0]


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Inside an explicit transaction two statements share one id; outside, each statement is
    a transaction of its own. (Asking with `begin` would abort the caller's transaction.)"""
    ask = "select txid_current()"
    return con.execute(ask).fetchone()[0] == con.execute(ask).fetchone()[0]
