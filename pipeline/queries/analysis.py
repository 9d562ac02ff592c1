"""Named queries: every number the dashboard shows comes from one of these functions.

Each takes a DuckDB connection (or cursor) and a `Filters`, binds every value as a
parameter, and returns a small aggregated DataFrame. They read the `mart_*` tables built
after each ingest; only the follow-up list touches member rows, filtered and capped in SQL.
Pages never hold SQL.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.queries.base import (
    Filters,
    free_text_sql,
    mask_name_sql,
    mask_phone_sql,
    member_level,
    redact_sql,
    where,
)
from pipeline.warehouse import metric_sql, models

__all__ = ["Filters"]

# The metric columns of mart_branch_wave, summed for any grouping.
COUNT_COLUMNS = list(models.COUNT_COLUMNS)
# Branch as the marts spell it, for queries that read member rows directly.
_BRANCH = "coalesce(nullif(trim(branch), ''), '未注明支部')"


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def _grain(f: Filters, by_branch: str, by_township: str, county: str | None = None) -> str:
    """The mart to read: its township-grain sum unless a branch is chosen, its county-wide sum
    (when there is one) for the whole county unrestricted. Same figures (these marts are sums
    of the branch rows, built once per ingest), far fewer rows: at ten million members the
    branch rows made every page view rescan hundreds of thousands."""
    if f.branch:
        return by_branch
    if county and not f.township and f.allowed_townships is None:
        return county
    return by_township


def _rollup(f: Filters, group: str, where_sql: str) -> str:
    sums = None if f.branch else "mart_township_sums"
    return metric_sql.rollup_sql(group, where_sql, township_sums=sums)


# --- filter choices -----------------------------------------------------------------------


def waves(con, f: Filters) -> pd.DataFrame:
    """Waves with data in scope, newest first (the wave filter is ignored)."""
    w, p = where(f, wave=False, township=False, branch=False)
    return _df(con, f"select distinct wave from mart_branch_wave {w} order by wave desc", p)


def townships(con, f: Filters) -> pd.DataFrame:
    """Townships seen in any wave, in scope."""
    w, p = where(f, wave=False, township=False, branch=False)
    return _df(con, f"select distinct township from mart_branch_wave {w} order by township", p)


def branches(con, f: Filters) -> pd.DataFrame:
    """Branches of the chosen township (any wave when no wave is chosen)."""
    w, p = where(f, branch=False)
    return _df(con, f"select distinct branch from mart_branch_wave {w} order by branch", p)


def as_of(con, f: Filters) -> pd.DataFrame:
    """Time of the last file that changed the warehouse (within the user's townships, and the
    chosen wave when one is given): the "数据更新于" footnote under the census wave."""
    w, p = where(f, township=False, branch=False, extra="status in ('loaded', 'replaced')")
    return _df(
        con,
        f"select max(ingested_at) as as_of, count(distinct file_hash) as files from ingest_log {w}",
        p,
    )


# --- metrics --------------------------------------------------------------------------------


def metrics_by_wave(con, f: Filters) -> pd.DataFrame:
    """Every §5 count per wave for the selection (township/branch honoured, all waves), with
    how many townships and branches each possibly-unreported count covers: feeds the KPI
    cards, the summary and the trend chart."""
    w, p = where(f, wave=False)
    return _df(con, _rollup(f, "wave", w), p)


def wave_comparison(con, f: Filters) -> pd.DataFrame:
    """One row: the chosen wave against the previous one over the branches present in both
    (`cur_*`, `prev_*`; each count only where both waves reported it), and the branches left
    out (`only_current`, `only_previous`). No row's figures when there is no earlier wave."""
    w, p = where(f, wave=False)
    towns = None if f.branch else "mart_wave_pairs_township"
    return _df(con, metric_sql.comparison_sql(w, township_pairs=towns), [*p, f.wave, f.wave])


def metrics_previous_comparable(con, f: Filters) -> pd.DataFrame:
    """The previous wave's side of `wave_comparison` (empty when there is no earlier wave)."""
    row = wave_comparison(con, f)
    if row.empty or row["prev_wave"].isna().all():
        return pd.DataFrame()
    _cur, prev = metric_sql.split_comparison(row.iloc[0])
    return pd.DataFrame([{**prev, "wave": row["prev_wave"].iloc[0]}])


def metrics_by_township(con, f: Filters) -> pd.DataFrame:
    """Every §5 count per township for the chosen wave."""
    w, p = where(f)
    return _df(con, _rollup(f, "township", w), p)


def metrics_by_branch(con, f: Filters) -> pd.DataFrame:
    """Every §5 count per branch for the chosen wave (and township)."""
    w, p = where(f)
    return _df(con, metric_sql.rollup_sql("township, branch", w), p)


def follow_up_counts(con, f: Filters) -> pd.DataFrame:
    """The follow-up list's partition (each person once, under their first reason), summed
    from mart_branch_wave, so the cards count everyone, not the first 500 listed."""
    w, p = where(f)
    sql = f"""
        select sum(primary_lost)::bigint as primary_lost,
               sum(primary_two_nots)::bigint as primary_two_nots,
               sum(primary_stale)::bigint as primary_stale
        from {_grain(f, "mart_branch_wave", "mart_township_sums")} {w}
    """
    return _df(con, sql, p)


# --- flows ----------------------------------------------------------------------------------


def scope_counts(con, f: Filters) -> pd.DataFrame:
    w, p = where(f)
    sql = f"""
        select scope, sum(outflow)::bigint as outflow
        from {_grain(f, "mart_flow_destination", "mart_flow_township")} {w}
        group by scope
    """
    return _df(con, sql, p)


def province_counts(con, f: Filters) -> pd.DataFrame:
    w, p = where(f, extra="province_code is not null")
    sql = f"""
        select province_code, any_value(province) as province, sum(outflow)::bigint as outflow,
               sum(long_term)::bigint as long_term, sum(lost_contact)::bigint as lost_contact
        from {_grain(f, "mart_flow_destination", "mart_flow_township")} {w}
        group by province_code order by outflow desc
    """
    return _df(con, sql, p)


def sankey_flows(con, f: Filters) -> pd.DataFrame:
    w, p = where(f)
    sql = f"""
        select township, scope, coalesce(province, '未知') as province,
               sum(outflow)::bigint as outflow
        from {_grain(f, "mart_flow_destination", "mart_flow_township")} {w}
        group by all
    """
    return _df(con, sql, p)


def top_cities(con, f: Filters) -> pd.DataFrame:
    w, p = where(f, extra="city is not null")
    sql = f"""
        select province, city, sum(outflow)::bigint as outflow
        from {_grain(f, "mart_flow_destination", "mart_flow_township")} {w}
        group by province, city order by outflow desc, city limit 10
    """
    return _df(con, sql, p)


def occupations(con, f: Filters) -> pd.DataFrame:
    # 从事职业 is free text: a chart every role sees (leaders too) must not show a phone or ID
    # number someone typed into it.
    w, p = where(f)
    sql = f"""
        select {redact_sql("occupation", phones=True)} as occupation,
               sum(outflow)::bigint as outflow
        from {_grain(f, "mart_occupation_wave", "mart_occupation_wave_township")} {w}
        group by 1 order by outflow desc, occupation
    """
    return _df(con, sql, p)


# --- lost contact -----------------------------------------------------------------------------


def transitions(con, f: Filters) -> pd.DataFrame:
    """Member status changes from each township's previous census into the chosen wave."""
    w, p = where(f)
    sql = f"""
        select transition, sum(members)::bigint as members,
               string_agg(distinct prev_wave, '、' order by prev_wave) as prev_waves,
               coalesce(sum(members) filter (where match_method = '姓名+出生年月+支部'), 0)::bigint
                   as matched_by_name
        from {_grain(f, "mart_transition_counts", "mart_transition_township")} {w}
        group by transition
    """
    return _df(con, sql, p)


def transitions_by_wave(con, f: Filters) -> pd.DataFrame:
    """Regained vs newly lost per wave, for the trend of contact work."""
    w, p = where(f, wave=False)
    sql = f"""
        select wave, transition, sum(members)::bigint as members
        from {_grain(f, "mart_transition_counts", "mart_transition_township")} {w}
        group by wave, transition order by wave
    """
    return _df(con, sql, p)


@member_level
def follow_up(con, f: Filters) -> pd.DataFrame:
    """Members needing follow-up (失联, at risk, 两不管). Names and phone numbers are masked
    in SQL, so clear values never leave the database, unless `f.show_personal_data` (set only
    for roles that may see them: a township following up its own members)."""
    # Who needs follow-up, why and in which order is decided once per ingest (mart_follow_up);
    # the county view of a wave reads its 500 with their details from mart_follow_up_county,
    # a narrower view picks its 500 in mart_follow_up and reads only their details from the
    # members, by row id (stg_members' member_row).
    if f.wave and not f.township and not f.branch and f.allowed_townships is None:
        name = "name" if f.show_personal_data else mask_name_sql("name")
        phone = "phone" if f.show_personal_data else mask_phone_sql("phone")
        w, p = where(f)
        sql = f"""
            select township, branch, {name} as name, gender, {phone} as phone, id_masked,
                   {free_text_sql("destination", f)} as destination,
                   strftime(outflow_date, '%Y-%m') as outflow_date,
                   strftime(last_contact_date, '%Y-%m-%d') as last_contact_date,
                   days_since_contact, reason
            from mart_follow_up_county {w}
            order by reason_rank, days_since_contact desc nulls first, township, branch
            limit 500
        """
        return _df(con, sql, p)
    name = "m.name" if f.show_personal_data else mask_name_sql("m.name")
    phone = "m.phone" if f.show_personal_data else mask_phone_sql("m.phone")
    w, p = where(f)
    sql = f"""
        with picked as (
            select member_row, branch, reason, reason_rank, days_since_contact
            from mart_follow_up {w}
            order by reason_rank, days_since_contact desc nulls first, township, branch
            limit 500
        )
        select m.township, c.branch, {name} as name, m.gender, {phone} as phone, m.id_masked,
               coalesce(
                   nullif(case when m.dest_city is null or m.dest_city = m.dest_province
                               then m.dest_province else m.dest_province || m.dest_city end, ''),
                   {free_text_sql("m.destination_text", f)}
               ) as destination,
               strftime(m.outflow_date, '%Y-%m') as outflow_date,
               strftime(m.last_contact_date, '%Y-%m-%d') as last_contact_date,
               c.days_since_contact, c.reason
        from picked as c
        inner join members as m on m.rowid = c.member_row
        order by c.reason_rank, c.days_since_contact desc nulls first, m.township, c.branch
    """
    return _df(con, sql, p)


# --- returnees --------------------------------------------------------------------------------


def returnee_breakdown(con, f: Filters) -> pd.DataFrame:
    """Returnees, enterprises and jobs by industry (returnees without enterprise → 未创业)."""
    w, p = where(f)
    sql = f"""
        select {redact_sql("industry", phones=True)} as industry,
               sum(returnees)::bigint as returnees,
               sum(enterprises)::bigint as enterprises, sum(jobs_created)::bigint as jobs_created
        from {_grain(f, "mart_returnee_wave", "mart_returnee_wave_township", "mart_returnee_wave_county")} {w}
        group by 1 order by enterprises desc, returnees desc, industry
    """
    return _df(con, sql, p)


def returnee_origins(con, f: Filters) -> pd.DataFrame:
    """Where returnees had been working (destination on their census row)."""
    w, p = where(f)
    sql = f"""
        select former_province, former_scope, sum(returnees)::bigint as returnees,
               sum(enterprises)::bigint as enterprises
        from {_grain(f, "mart_returnee_wave", "mart_returnee_wave_township", "mart_returnee_wave_county")} {w}
        group by all order by returnees desc
    """
    return _df(con, sql, p)


def return_to_founding(con, f: Filters) -> pd.DataFrame:
    w, p = where(f)
    sql = f"""
        select since_return, sum(returnees)::bigint as returnees,
               sum(enterprises)::bigint as enterprises, sum(jobs_created)::bigint as jobs_created
        from {_grain(f, "mart_returnee_wave", "mart_returnee_wave_township", "mart_returnee_wave_county")} {w}
        group by since_return
    """
    return _df(con, sql, p)
