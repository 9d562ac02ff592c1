"""The 失联 page's follow-up list and transition tables, now read from marts built once per
ingest (issue 18), are what the page computed from the member rows on every view: same rows,
same order, same masking, same counts."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.queries import analysis as q
from pipeline.queries.base import Filters, mask_name_sql, mask_phone_sql, where
from pipeline.warehouse.store import connect_readonly

_BRANCH = "coalesce(nullif(trim(branch), ''), '未注明支部')"


def _from_members(con, f: Filters) -> pd.DataFrame:
    """The list as the page computed it before the mart, straight from stg_members."""
    name = "name" if f.show_personal_data else mask_name_sql("name")
    phone = "phone" if f.show_personal_data else mask_phone_sql("phone")
    w, p = where(f, extra="not coalesce(is_returned, false)", branch_expr=_BRANCH)
    sql = f"""
        with m as (
            select township, {_BRANCH} as branch, name, gender, phone, id_masked,
                   case when dest_city is null or dest_city = dest_province then dest_province
                        else dest_province || dest_city end as destination,
                   destination_text, outflow_date, last_contact_date, contact_status, inflow_org,
                   date_diff('day', last_contact_date, wave_end) as days_since_contact,
                   last_contact_date is null
                       or date_diff('day', last_contact_date, wave_end) > 180 as stale
            from stg_members {w}
        ),
        flagged as (
            select *,
                case
                    when contact_status = '失联' then '失联'
                    when stale and nullif(trim(inflow_org), '') is null then '两不管'
                    when stale then '超180天未联系'
                end as reason
            from m
        )
        select township, branch, {name} as name, gender, {phone} as phone, id_masked,
               coalesce(nullif(destination, ''), destination_text) as destination,
               strftime(outflow_date, '%Y-%m') as outflow_date,
               strftime(last_contact_date, '%Y-%m-%d') as last_contact_date,
               days_since_contact, reason
        from flagged
        where reason is not null
        order by case reason when '失联' then 0 when '两不管' then 1 else 2 end,
                 days_since_contact desc nulls first, township, branch
    """
    return con.execute(sql, p).df()


def _key(df: pd.DataFrame) -> list[tuple]:
    # Rows tied on every sort key may come in either order; compare them as a multiset.
    return sorted(map(tuple, df.astype(str).to_numpy().tolist()))


@pytest.mark.parametrize("personal", [False, True])
def test_follow_up_matches_the_list_computed_from_members(samples_db, personal):
    db, _ = samples_db
    con = connect_readonly(db)
    try:
        views = [Filters()]
        for wave, township, branch in con.execute(
            "select distinct wave, township, branch from mart_branch_wave order by all"
        ).fetchall():
            views += [Filters(wave=wave), Filters(wave=wave, township=township),
                      Filters(wave=wave, township=township, branch=branch)]  # fmt: skip
        compared = 0
        for f in views:
            f = f.with_(show_personal_data=personal)
            got, expected = q.follow_up(con, f), _from_members(con, f)
            assert list(got.columns) == list(expected.columns)
            assert len(got) == min(len(expected), 500)
            if len(expected) <= 500:
                assert _key(got) == _key(expected)
                # the order keys agree row by row
                order = ["reason", "days_since_contact", "township"]
                assert (
                    got[order].astype(str).values.tolist()
                    == expected[order].astype(str).values.tolist()
                )
            compared += len(got)
        assert compared > 0
    finally:
        con.close()


def _transitions_from_members(con, f: Filters) -> pd.DataFrame:
    w, p = where(f)
    sql = f"""
        select transition, count(*)::bigint as members,
               string_agg(distinct prev_wave, '、' order by prev_wave) as prev_waves,
               count(*) filter (where match_method = '姓名+出生年月+支部')::bigint as matched_by_name
        from mart_member_transitions {w}
        group by transition
    """
    return con.execute(sql, p).df()


def _by_wave_from_members(con, f: Filters) -> pd.DataFrame:
    w, p = where(f, wave=False)
    sql = f"""
        select wave, transition, count(*)::bigint as members
        from mart_member_transitions {w}
        group by wave, transition order by wave
    """
    return con.execute(sql, p).df()


def test_transition_counts_match_the_member_rows(samples_db):
    db, _ = samples_db
    con = connect_readonly(db)
    try:
        views = [Filters(), Filters(allowed_townships=("xx镇",))]
        for wave, township, branch in con.execute(
            "select distinct wave, township, branch from mart_member_transitions order by all"
        ).fetchall():
            views += [Filters(wave=wave), Filters(wave=wave, township=township),
                      Filters(wave=wave, township=township, branch=branch)]  # fmt: skip
        counted = 0
        for f in views:
            for got, expected in (
                (q.transitions(con, f), _transitions_from_members(con, f)),
                (q.transitions_by_wave(con, f), _by_wave_from_members(con, f)),
            ):
                assert list(got.columns) == list(expected.columns)
                assert _key(got) == _key(expected)
                counted += int(got["members"].sum())
        assert counted > 0
    finally:
        con.close()
