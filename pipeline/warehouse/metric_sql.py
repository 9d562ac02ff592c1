"""The two SQL shapes every surface reads figures through, so the dashboard, the report and
exports roll up and compare the same way: `rollup_sql` (sums of mart_branch_wave for any
grouping, with how many townships and branches each possibly-unreported count covers) and
`comparison_sql` (a wave against the previous one over the branches present in both, each
count only over branches that reported it in both waves).

Only identifiers from code constants are formatted in; every value is a bound parameter.
"""

from __future__ import annotations

from pipeline.warehouse.metrics import NULLABLE
from pipeline.warehouse.models import COUNT_COLUMNS

_FIELDS = list(COUNT_COLUMNS)


def rollup_sql(
    group: str,
    where_sql: str = "",
    source: str = "mart_branch_wave",
    township_sums: str | None = None,
) -> str:
    """Sums per `group` (e.g. 'wave', 'township', 'township, branch'). members_total only over
    branches that gave one, and `outflow_counted` (the outflow share's numerator) is the
    outflow of exactly those branches (mart_branch_wave defines it). `township_sums` names a
    table holding the first step (`source` summed per wave and township, as
    `mart_township_sums` does) to start from when `group` has no branch (and `where_sql`
    filters no branch: that table has none)."""
    per_town = ",\n".join(f"sum({c})::bigint as {c}" for c in _FIELDS)
    per_town_cov = ",\n".join(f"count({c}) as {c}_branches" for c in NULLABLE)
    sums = ",\n".join(f"sum({c})::bigint as {c}" for c in _FIELDS)
    inner_group = "wave, township" if "branch" not in group else "wave, township, branch"
    cover = ",\n".join(
        f"sum({c}_branches)::bigint as {c}_branches, "
        f"{_townships(group, inner_group, f'{c} is not null')} as {c}_townships"
        for c in NULLABLE
    )
    if township_sums and "branch" not in group:
        first = f"select * from {township_sums} {where_sql}"
    else:
        first = f"""
            select {inner_group}, sum(members_total)::bigint as members_total,
                   sum(outflow_counted)::bigint as outflow_counted,
                   count(members_total) as members_total_branches,
                   count(*) filter (where registered > 0) as branches,
                   {per_town},
                   {per_town_cov}
            from {source} {where_sql}
            group by {inner_group}"""
    return f"""
        with t as ({first}
        )
        select {group},
               sum(members_total)::bigint as members_total,
               sum(outflow_counted)::bigint as outflow_counted,
               sum(members_total_branches)::bigint as members_total_branches,
               {_townships(group, inner_group, "members_total is not null")}
                   as members_total_townships,
               {_townships(group, inner_group)} as townships,
               sum(branches)::bigint as branches,
               {sums},
               {cover}
        from t group by {group} order by {group}
    """


def _townships(group: str, inner_group: str, condition: str | None = None) -> str:
    """`count(distinct township)` (of the rows meeting `condition`) over the rollup's first
    step, without DISTINCT where the grouping makes it a plain count: ten distinct counts cost
    more than the rest of the rollup together."""
    only = f" filter (where {condition})" if condition else ""
    keys = {key.strip() for key in group.split(",")}
    if "township" in keys:  # one township per group: it counts or it does not
        return f"(count(township){only} > 0)::bigint"
    if keys == {"wave"} and inner_group == "wave, township":  # one row per township and wave
        return f"count(township){only}"
    return f"count(distinct township){only}"


def _pair_columns() -> str:
    """A mart_wave_pairs row's counts as the two sides of a comparison."""
    columns = ["members_total", "outflow_counted", *_FIELDS]
    return ",\n".join(f"{c} as cur_{c}, prev_{c}" for c in columns)


def _town_sums() -> list[str]:
    """The first step of a comparison: one township's compared branches summed, each count
    only over the branches that reported it in both waves."""
    per_town = []
    for c in ["members_total", *_FIELDS]:
        both = f"cur_{c} is not null and prev_{c} is not null"
        per_town.append(f"sum(cur_{c}) filter (where {both})::bigint as cur_{c}")
        per_town.append(f"sum(prev_{c}) filter (where {both})::bigint as prev_{c}")
    # the outflow share's numerator (mart_branch_wave's outflow_counted) of branches that
    # count in it in both waves
    both = "cur_outflow_counted is not null and prev_outflow_counted is not null"
    per_town.append(
        f"sum(cur_outflow_counted) filter (where {both})::bigint as cur_outflow_counted"
    )
    per_town.append(
        f"sum(prev_outflow_counted) filter (where {both})::bigint as prev_outflow_counted"
    )
    for c in NULLABLE:
        both = f"cur_{c} is not null and prev_{c} is not null"
        per_town.append(f"count(*) filter (where {both}) as {c}_branches")
    return per_town


# A branch with a register in one wave and only a summary line in the other did not report in
# both: its members would read as a rise or a fall.
_REPORTED_BOTH = "(registered > 0) = (prev_registered > 0)"


def township_pairs_sql() -> str:
    """`mart_wave_pairs_township`'s body (see its SQL file, which must give the same rows):
    the first step of every comparison, per wave, township and the previous wave its
    branches are compared with."""
    town_body = ",\n".join(_town_sums())
    return f"""
        with pairs as (
            select wave, prev_wave, township, branch, {_pair_columns()}
            from mart_wave_pairs
            where prev_wave is not null and {_REPORTED_BOTH}
        )
        select wave, prev_wave, township, count(*) as branches,
               {town_body}
        from pairs
        group by wave, prev_wave, township
    """


def comparison_sql(where_sql: str, township_pairs: str | None = None) -> str:
    """One row: the chosen wave (`cur_*`) against the previous wave with data in the selection
    (`prev_*`), over the branches present in both; each count only over branches that
    reported it in both waves. Also the branches left out: `only_current`, `only_previous`
    (lists of 'township·branch'). Parameters: the selection's, then the wave twice.

    Reads `mart_wave_pairs` (each branch row beside its own previous one: a branch present in
    both waves of a selection has no row in between, so that is its pair). `township_pairs`
    names a table of `township_pairs_sql`'s first step to start from when `where_sql`
    chooses no branch (`mart_wave_pairs_township`): the county's comparison then sums one
    row per township instead of every branch's."""
    # Summed per township first, then over townships: a township "reported both" when any of
    # its branches did, so each `<count>_townships` is a plain count, not a distinct count
    # (ten of those cost more than the rest of the query together).
    sums = []
    for c in ["members_total", *_FIELDS]:
        sums.append(f"sum(cur_{c})::bigint as cur_{c}")
        sums.append(f"sum(prev_{c})::bigint as prev_{c}")
    sums.append("sum(cur_outflow_counted)::bigint as cur_outflow_counted")
    sums.append("sum(prev_outflow_counted)::bigint as prev_outflow_counted")
    for c in NULLABLE:
        sums.append(f"coalesce(sum({c}_branches), 0)::bigint as {c}_branches")
        sums.append(f"count(township) filter (where {c}_branches > 0) as {c}_townships")
    body = ",\n".join(sums)
    if township_pairs:
        # the selection's townships, as the branch rows of the chosen wave have them (a
        # township with a pair has a row in that wave), so its parameters are bound once
        towns = f"""
            select * from {township_pairs}
            where wave = (select wave from cur) and prev_wave = (select wave from prev)
            and township in (select township from cur_rows)"""
    else:
        town_body = ",\n".join(_town_sums())
        towns = f"""
            select township, count(*) as branches,
                   {town_body}
            from (
                select township, branch, {_pair_columns()}
                from cur_rows
                where prev_wave = (select wave from prev) and {_REPORTED_BOTH}
            )
            group by township"""
    return f"""
        with scoped as (select * from mart_wave_pairs {where_sql}),
        prev as (select max(wave) as wave from scoped where wave < ?),
        cur as (select ? as wave),
        cur_rows as (select * from scoped where wave = (select wave from cur)),
        towns as ({towns}
        ),
        only_current as (
            select township || '·' || branch as unit from cur_rows
            where registered > 0
            and not coalesce(prev_wave = (select wave from prev) and prev_registered > 0, false)
        ),
        only_previous as (
            select township || '·' || branch as unit from scoped
            where wave = (select wave from prev) and registered > 0
            and not coalesce(next_wave = (select wave from cur) and next_registered > 0, false)
        )
        select
            (select wave from prev) as prev_wave,
            coalesce(sum(branches), 0)::bigint as branches,
            count(township) as townships,
            {body},
            (select list(unit order by unit) from only_current) as only_current,
            (select list(unit order by unit) from only_previous) as only_previous
        from towns
    """


def split_comparison(row) -> tuple[dict, dict]:
    """(current, previous) rows over the compared branches, shaped like a rollup row."""
    if row is None:
        return {}, {}
    cur, prev = {}, {}
    for key, val in dict(row).items():
        if key.startswith("cur_"):
            cur[key[4:]] = val
        elif key.startswith("prev_") and key != "prev_wave":
            prev[key[5:]] = val
        else:
            cur[key] = prev[key] = val
    return cur, prev
