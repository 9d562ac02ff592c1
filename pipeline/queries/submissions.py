"""Named queries for the 上报情况 (submissions) page: who submitted what, when, by whom, and
the versions that re-submissions replaced.

Same contract as `queries`: (connection, Filters) → small DataFrame, values bound as
parameters, the township scope of the signed-in user enforced by `where()` (a township user
only ever sees its own township's files, whatever the page asks).
"""

from __future__ import annotations

import pandas as pd

from pipeline.queries.base import Filters, where

# The ingest_log row that loaded a file (later attempts with the same bytes are 'unchanged').
_FIRST_LOAD = """
    select file_hash, arg_min(uploaded_by, ingested_at) as uploaded_by,
           arg_min(run_id, ingested_at) as run_id,
           max(rows_loaded)::bigint as rows_loaded, max(rows_rejected)::bigint as rows_rejected
    from ingest_log where status in ('loaded', 'replaced') and file_hash is not null
    group by file_hash
"""


def _df(con, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def waves(con, f: Filters) -> pd.DataFrame:
    """Every wave any visible township has data for, newest first."""
    w, p = where(f, wave=False, township=False, branch=False)
    return _df(con, f"select distinct wave from units {w} order by wave desc", p)


def township_status(con, f: Filters) -> pd.DataFrame:
    """One row per township seen in any wave: has it submitted for `f.wave`, when, how many
    versions, who uploaded, member rows now current, rows rejected in the current versions."""
    w, p = where(f, wave=False, township=False, branch=False)
    sql = f"""
        with scoped as (select * from units {w}),
        seen as (select distinct township from scoped),
        cur as (
            select township, count(distinct branch)::bigint as branches,
                   list(distinct file_hash) as current_files
            from scoped where wave = ? and is_current group by township
        ),
        files as (
            select s.township, count(*)::bigint as versions,
                   min(s.loaded_at) as first_at, max(s.loaded_at) as last_at,
                   string_agg(distinct l.uploaded_by, '、' order by l.uploaded_by) as uploaded_by
            from source_files s left join ({_FIRST_LOAD}) l using (file_hash)
            where s.wave = ? and s.file_hash in (select file_hash from scoped)
            group by s.township
        ),
        mem as (
            -- current member rows per township: the registered count of the branch marts
            select township, registered as rows_loaded
            from mart_township_sums where wave = ?
        ),
        rej as (
            select c.township, sum(l.rows_rejected)::bigint as rows_rejected
            from (select township, unnest(current_files) as file_hash from cur) c
            join ({_FIRST_LOAD}) l using (file_hash)
            group by c.township
        )
        select seen.township, cur.township is not null as submitted,
               coalesce(cur.branches, 0)::bigint as branches,
               coalesce(files.versions, 0)::bigint as versions,
               files.first_at, files.last_at, files.uploaded_by,
               coalesce(mem.rows_loaded, 0)::bigint as rows_loaded,
               coalesce(rej.rows_rejected, 0)::bigint as rows_rejected
        from seen
        left join cur using (township)
        left join files using (township)
        left join mem using (township)
        left join rej using (township)
        order by submitted desc, seen.township
    """
    return _df(con, sql, [*p, f.wave, f.wave, f.wave])


def file_versions(con, f: Filters) -> pd.DataFrame:
    """Every accepted file of `f.wave` (one row per distinct content), newest first, with
    how many of its units are still current: `state` is current | partial | replaced | empty."""
    w, p = where(f, branch=False, township_expr="s.township", wave_expr="s.wave")
    sql = f"""
        select s.file_hash, s.file_name, s.township, s.wave, s.loaded_at,
               l.uploaded_by, l.rows_loaded, l.rows_rejected,
               count(u.branch)::bigint as branches,
               (count(u.branch) filter (where u.is_current))::bigint as current_branches,
               max(u.replaced_at) as replaced_at,
               case when count(u.branch) = 0 then 'empty'
                    when count(u.branch) filter (where u.is_current) = count(u.branch) then 'current'
                    when count(u.branch) filter (where u.is_current) = 0 then 'replaced'
                    else 'partial' end as state
        from source_files s
        left join ({_FIRST_LOAD}) l using (file_hash)
        left join units u on u.file_hash = s.file_hash
        {w}
        group by all
        order by s.township, s.loaded_at desc, s.file_name
    """
    return _df(con, sql, p)


def replaced_units(con, f: Filters) -> pd.DataFrame:
    """The history: each unit version a re-submission replaced, with the file that replaced it
    and who uploaded both."""
    w, p = where(
        f, branch=False, extra="not u.is_current", township_expr="u.township", wave_expr="u.wave"
    )
    sql = f"""
        select u.township, u.branch, u.file_hash, old.file_name as old_file,
               lo.uploaded_by as old_uploaded_by, u.loaded_at, u.replaced_at,
               new.file_name as new_file, ln.uploaded_by as new_uploaded_by
        from units u
        left join source_files old on old.file_hash = u.file_hash
        left join source_files new on new.file_hash = u.replaced_by
        left join ({_FIRST_LOAD}) lo on lo.file_hash = u.file_hash
        left join ({_FIRST_LOAD}) ln on ln.file_hash = u.replaced_by
        {w}
        order by u.township, u.replaced_at desc, u.branch
        limit 2000
    """
    return _df(con, sql, p)


def rejected_files(con, f: Filters) -> pd.DataFrame:
    """Files of `f.wave` with quarantined rows: the ones a fix-list can be made for."""
    w, p = where(f, branch=False, township_expr="q.township", wave_expr="q.wave")
    sql = f"""
        select q.file_hash, any_value(q.file_name) as file_name, any_value(q.township) as township,
               count(distinct (q.sheet, q.excel_row))::bigint as rows_rejected,
               any_value(s.loaded_at) as loaded_at
        from quarantine q left join source_files s using (file_hash)
        {w}
        group by q.file_hash
        order by township, loaded_at desc
    """
    return _df(con, sql, p)


def branch_changes(con, f: Filters) -> pd.DataFrame:
    """Per township that submitted for `f.wave`: its previous wave with data, the branches
    that reported then and are missing now (`missing`), and the branches new this wave
    (`added`). A township "has submitted" while one of its branches has not: said here."""
    w, p = where(f, wave=False, branch=False)
    branch = "coalesce(nullif(trim(branch), ''), '未注明支部')"
    sql = f"""
        with scoped as (
            select distinct wave, township, {branch} as branch
            from units {w} {"and" if w else "where"} is_current
        ),
        cur as (select * from scoped where wave = ?),
        prev_wave as (
            select township, max(wave) as prev_wave from scoped
            where wave < ? and township in (select township from cur)
            group by township
        ),
        prev as (
            select s.* from scoped s
            join prev_wave pw on s.township = pw.township and s.wave = pw.prev_wave
        )
        select pw.township, pw.prev_wave,
               (select list(branch order by branch) from prev p
                where p.township = pw.township
                  and p.branch not in (select branch from cur c where c.township = pw.township))
                   as missing,
               (select list(branch order by branch) from cur c
                where c.township = pw.township
                  and c.branch not in (select branch from prev p where p.township = pw.township))
                   as added
        from prev_wave pw
        order by pw.township
    """
    return _df(con, sql, [*p, f.wave, f.wave])


def field_gaps(con, f: Filters) -> pd.DataFrame:
    """Units of `f.wave` whose registers did not carry a field some figure needs: one row per
    township and field, with how many of its branches lack it (their figure is 未填报)."""
    w, p = where(f, branch=False)
    sql = f"""
        with gaps as (
            select township, branch, field
            from int_field_coverage
            unpivot (carried for field in (
                has_outflow_date, has_contact_status, has_last_contact_date,
                has_inflow_org, has_certificate))
            {w} {"and" if w else "where"} not carried
        ),
        sizes as (
            select township, count(*)::bigint as branches
            from int_field_coverage {w} group by township
        )
        select g.township, g.field, count(*)::bigint as missing_branches, s.branches
        from gaps g join sizes s using (township)
        group by g.township, g.field, s.branches
        order by g.township, g.field
    """
    return _df(con, sql, [*p, *p])
