"""Named queries for the data-quality page: ingest history, quarantine, warnings and
which townships have submitted. Same contract as `queries`: (connection, Filters) → small
DataFrame, values bound as parameters, township scope enforced by `where()`."""

from __future__ import annotations

import pandas as pd

from pipeline.intake.error_cells import FORMULA_ERRORS
from pipeline.queries.base import Filters, mask_name_sql, mask_phone_sql, redact_sql, where


def _df(con, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def ingest_history(con, f: Filters) -> pd.DataFrame:
    """Latest 300 ingest attempts. The wave filter is ignored: a rejected file may have no
    wave, and it is exactly what the analyst needs to see here."""
    w, p = where(f, wave=False, branch=False)
    sql = f"""
        select ingested_at, file_name, status, rows_loaded, rows_rejected, township, wave,
               error, uploaded_by
        from ingest_log {w}
        order by ingested_at desc, file_name
        limit 300
    """
    return _df(con, sql, p)


def ingest_status_counts(con, f: Filters) -> pd.DataFrame:
    w, p = where(f, wave=False, branch=False)
    sql = f"select status, count(*)::bigint as files from ingest_log {w} group by status"
    return _df(con, sql, p)


def replaced_units(con, f: Filters) -> pd.DataFrame:
    """Unit versions superseded by a re-submission: kept in history, not counted."""
    w, p = where(f, extra="not is_current")
    sql = f"""
        select u.township, u.wave, u.branch, old.file_name as old_file, u.loaded_at,
               u.replaced_at, new.file_name as new_file
        from (select * from units {w}) as u
        left join source_files as old on old.file_hash = u.file_hash
        left join source_files as new on new.file_hash = u.replaced_by
        order by u.replaced_at desc, u.township, u.branch
        limit 300
    """
    return _df(con, sql, p)


def quarantine_summary(con, f: Filters) -> pd.DataFrame:
    """Rejected rows per field (reasons name the offending value, so they rarely repeat);
    `reason` is one example."""
    w, p = where(f, branch=False)
    sql = f"""
        select coalesce(column_label, field) as field, count(*)::bigint as rows,
               count(distinct file_name)::bigint as files, any_value(reason) as reason
        from quarantine {w}
        group by 1 order by rows desc, field
    """
    return _df(con, sql, p)


def _issue_rows(table: str, con, f: Filters) -> pd.DataFrame:
    """The offending cell's value is masked when it is a name or a phone number, unless
    `f.show_personal_data` (ID numbers are masked at rest already)."""
    w, p = where(f, branch=False)
    value = redact_sql("value", phones=False)  # an ID typed into any column
    shown = []
    if not f.show_personal_data:
        # what a failed formula showed (#N/A) is nobody's name or phone: shown as it is
        value = f"""case when list_contains(?, value) then value
                         when field = 'name' then {mask_name_sql("value")}
                         when field = 'phone' then {mask_phone_sql("value")}
                         else {redact_sql("value", phones=True)} end"""
        shown = [sorted(FORMULA_ERRORS)]
    sql = f"""
        select file_name, township, wave, sheet, excel_row,
               coalesce(column_label, field) as field, {value} as value, reason
        from {table} {w}
        order by file_name, sheet, excel_row
        limit 1000
    """
    return _df(con, sql, [*shown, *p])


def quarantine_rows(con, f: Filters) -> pd.DataFrame:
    """Rejected rows with the Excel row number an analyst can find in the workbook."""
    return _issue_rows("quarantine", con, f)


def warning_rows(con, f: Filters) -> pd.DataFrame:
    return _issue_rows("warnings", con, f)


def completeness(con, f: Filters) -> pd.DataFrame:
    """Every township seen in any wave, and whether it submitted for the chosen wave."""
    w_any, p_any = where(f, wave=False, branch=False, extra="is_current")
    chosen = f.wave
    sql = f"""
        with u as (select * from units {w_any})
        select township,
               count(distinct wave)::bigint as waves_submitted,
               max(wave) as last_wave,
               bool_or(wave = ?) as submitted,
               count(distinct branch) filter (where wave = ?)::bigint as branches,
               max(loaded_at) filter (where wave = ?) as loaded_at
        from u group by township order by submitted, township
    """
    # Placeholders in text order: the scope inside the CTE first, then the chosen wave.
    return _df(con, sql, [*p_any, chosen, chosen, chosen])


def file_notices(con, f: Filters) -> pd.DataFrame:
    """Notices of the files behind the current data (需核对 reasons, skipped hidden sheets,
    waves taken from the filling date), one row per notice. Files only: no personal data."""
    present = con.execute(
        "select count(*) from information_schema.tables where table_name = 'file_notices'"
    ).fetchone()[0]
    if not present:  # a warehouse from before notices were kept
        return pd.DataFrame(columns=["file_name", "township", "wave", "needs_review", "notice"])
    w, p = where(f, branch=False, township_expr="s.township", wave_expr="s.wave")
    sql = f"""
        select s.file_name, s.township, s.wave,
               starts_with(n.notice, '需核对') as needs_review, n.notice
        from file_notices n join source_files s using (file_hash)
        {w}
        order by needs_review desc, s.township, s.wave, s.file_name, n.position
    """
    return _df(con, sql, p)
