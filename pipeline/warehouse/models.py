"""Build the analytics models: every `sql/staging/stg_*.sql`, then every `sql/intermediate/int_*.sql` (intermediate
models the marts share: which fields each unit reported, per-member flags), then every
`sql/marts/mart_*.sql`, each layer sorted."""

from __future__ import annotations

import hashlib
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


def build_models(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Run each model file and stamp the warehouse; returns the model names in build order."""
    built = []
    duty_rules.write_rules(con)  # the duty models read their thresholds from this table
    # The duty and check models read source_files and the registers, which a warehouse rebuilt
    # from a Parquet export (or never given a register) lacks: empty tables then.
    warehouse.create_schema(con)
    registers_store.create_schema(con)
    for path in model_files(sql_dir):
        con.execute(path.read_text(encoding="utf-8"))
        built.append(path.stem)
    con.execute(
        "create or replace table model_version as select ? as fingerprint",
        [models_fingerprint(sql_dir)],
    )
    return built
