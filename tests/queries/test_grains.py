"""Issue 18: pages at ten million members read marts made for them at ingest (township-grain
sums, the county's first screenful of each long list). These must give what the branch rows
give: the same figures, the same first rows in the same order. The county lists are checked
on a warehouse large enough that each list is longer than its screenful, so the cut at 500 or
2,000 (and the townships ranked for it) is really exercised."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.demo import bulk as demo_bulk
from pipeline.ingest import bulk
from pipeline.queries import analysis as q
from pipeline.queries import duty as qd
from pipeline.queries.base import Filters, where
from pipeline.warehouse import metric_sql
from pipeline.warehouse.store import connect_readonly


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A bulk-loaded county: 30,000 member rows, six townships, three waves."""
    folder = tmp_path_factory.mktemp("grains")
    towns = demo_bulk.plan(30_000, 6, seed=18)
    bulk.write_chunk(folder / "all.arrow", *demo_bulk.chunk_frame(towns))
    db = folder / "w.duckdb"
    bulk.ingest_chunks(bulk.chunk_files(folder), db, workers=1)
    con = connect_readonly(db)
    yield con
    con.close()


def _waves(con) -> list[str]:
    return [
        w
        for (w,) in con.execute("select distinct wave from mart_branch_wave order by 1").fetchall()
    ]


def _every_township(con) -> tuple[str, ...]:
    """The whole county spelt out as a township scope: the same rows, read the general way."""
    return tuple(
        t for (t,) in con.execute("select distinct township from mart_branch_wave").fetchall()
    )


def test_the_lists_are_longer_than_a_screenful(big):
    # otherwise the tests below would not exercise the cut
    assert (
        big.execute(
            "select min(n) from (select count(*) n from mart_follow_up group by wave)"
        ).fetchone()[0]
        > 500
    )
    assert (
        big.execute(
            "select min(n) from (select count(*) n from mart_duty_list group by wave)"
        ).fetchone()[0]
        > 2000
    )
    moved = big.execute(
        "select count(*) from mart_duty_wave_changes where change in ('仍未办结', '已销号') group by wave"
    ).fetchall()
    assert moved and min(n for (n,) in moved) > 2000


@pytest.mark.parametrize("personal", [False, True])
def test_county_follow_up_is_the_first_500_of_the_whole_list(big, personal):
    everyone = _every_township(big)
    for wave in _waves(big):
        county = q.follow_up(big, Filters(wave=wave, show_personal_data=personal))
        general = q.follow_up(
            big, Filters(wave=wave, allowed_townships=everyone, show_personal_data=personal)
        )
        assert list(county.columns) == list(general.columns)
        assert len(county) == len(general) == 500
        # rows tied on every sort key may be either of them; the keys agree row by row
        keys = ["reason", "days_since_contact", "township", "branch"]
        pd.testing.assert_frame_equal(county[keys], general[keys])


@pytest.mark.parametrize("personal", [False, True])
def test_county_duty_list_is_the_first_2000_of_the_whole_list(big, personal):
    everyone = _every_township(big)
    for wave in _waves(big):
        county = qd.duty_members(big, Filters(wave=wave, show_personal_data=personal))
        general = qd.duty_members(
            big, Filters(wave=wave, allowed_townships=everyone, show_personal_data=personal)
        )
        assert len(county) == qd.SCREEN_ROWS
        pd.testing.assert_frame_equal(county, general)


def test_county_duty_changes_are_the_first_2000_of_the_whole_list(big):
    everyone = _every_township(big)
    compared = 0
    for wave in _waves(big):
        county = qd.duty_changes(big, Filters(wave=wave))
        general = qd.duty_changes(big, Filters(wave=wave, allowed_townships=everyone))
        assert len(county) == len(general)
        keys = ["change", "township", "branch", "rule_name"]
        pd.testing.assert_frame_equal(county[keys], general[keys])
        compared += len(county)
    assert compared >= 2 * qd.SCREEN_ROWS


def test_duty_change_counts_match_the_change_rows(big):
    for wave in _waves(big):
        for f in (Filters(wave=wave), Filters(wave=wave, township=_every_township(big)[0])):
            summed = qd.duty_changes_summary(big, f)
            w, p = where(f)
            counted = big.execute(
                f"""select rule_name, rule_order, prev_wave,
                       count(*) filter (where change = '仍未办结') as still_open,
                       count(*) filter (where change = '已销号') as cleared,
                       count(*) filter (where change = '新增') as new_due
                    from mart_duty_wave_changes {w}
                    group by all order by rule_order, prev_wave""",
                p,
            ).df()
            cols = ["rule_name", "rule_order", "prev_wave", "still_open", "cleared", "new_due"]
            pd.testing.assert_frame_equal(summed[cols], counted, check_dtype=False)


@pytest.mark.parametrize("group", ["wave", "township"])
def test_rollups_from_township_sums_equal_rollups_of_the_branch_rows(big, group):
    town = _every_township(big)[0]
    for f in (Filters(), Filters(wave=_waves(big)[-1]), Filters(township=town),
              Filters(allowed_townships=(town,))):  # fmt: skip
        w, p = where(f, wave=group != "wave")
        from_branches = big.execute(metric_sql.rollup_sql(group, w), p).df()
        got = (q.metrics_by_wave if group == "wave" else q.metrics_by_township)(big, f)
        pd.testing.assert_frame_equal(got, from_branches)


def test_flow_and_returnee_sums_equal_the_branch_rows(big):
    wave = _waves(big)[-1]
    town = _every_township(big)[0]
    # a branch-level view reads the branch rows; the sums of every branch are the township's
    branches = [b for (b,) in big.execute(
        "select distinct branch from mart_branch_wave where wave = ? and township = ?", [wave, town]
    ).fetchall()]  # fmt: skip
    for fn, key, value in [
        (q.scope_counts, "scope", "outflow"),
        (q.occupations, "occupation", "outflow"),
        (q.returnee_breakdown, "industry", "returnees"),
        (q.return_to_founding, "since_return", "returnees"),
    ]:
        township = fn(big, Filters(wave=wave, township=town)).set_index(key)[value]
        parts = (
            pd.concat([fn(big, Filters(wave=wave, township=town, branch=b)) for b in branches])
            .groupby(key)[value]
            .sum()
        )
        pd.testing.assert_series_equal(
            township.sort_index(), parts.sort_index(), check_dtype=False, check_names=False
        )
        county = fn(big, Filters(wave=wave)).set_index(key)[value].sort_index()
        scoped = fn(big, Filters(wave=wave, allowed_townships=_every_township(big)))
        pd.testing.assert_series_equal(county, scoped.set_index(key)[value].sort_index())


def test_township_sums_keep_what_branches_did_not_report(big):
    """A count some branches did not report (NULL) stays out of the township sums and their
    `<count>_branches`, as it does when the branch rows are rolled up directly."""
    import duckdb

    from pipeline.config import SQL_DIR
    from pipeline.warehouse.metrics import NULLABLE

    con = duckdb.connect()
    con.register("branch_rows", big.execute("select * from mart_branch_wave").df())
    con.execute("create table mart_branch_wave as select * from branch_rows")
    # every third branch of the first township did not carry these fields
    town = _every_township(big)[0]
    nulls = ", ".join(f"{c} = null" for c in NULLABLE if c not in ("primary_lost",))
    bases = ", ".join(f"{c}_base = null" for c in ("long_term", "at_risk", "dual_managed"))
    con.execute(
        f"update mart_branch_wave set {nulls}, {bases} where township = ? and hash(branch) % 3 = 0",
        [town],
    )
    con.execute((SQL_DIR / "marts" / "mart_township_sums.sql").read_text(encoding="utf-8"))
    for group in ("wave", "township"):
        for f in (Filters(), Filters(township=town)):
            w, p = where(f, wave=False)
            direct = con.execute(metric_sql.rollup_sql(group, w), p).df()
            summed = con.execute(
                metric_sql.rollup_sql(group, w, township_sums="mart_township_sums"), p
            ).df()
            pd.testing.assert_frame_equal(summed, direct)
    assert con.execute("select count(*) from mart_branch_wave where long_term is null").fetchone()[
        0
    ]


def _duty_table_from_rows(con, f: Filters) -> pd.DataFrame:
    """The branch × rule table as the page used to build it: every (branch, rule) row read,
    summed over waves, then a branch's count kept only where the rule could be assessed."""
    w, p = where(f)
    long = con.execute(
        f"select township, branch, rule, outflow, assessed, due from mart_duty_per_branch {w}", p
    ).df()
    long = long.groupby(["township", "branch", "rule"], as_index=False).sum()
    long["value"] = long["due"].where(long["assessed"] > 0)
    wide = long.pivot(index=["township", "branch"], columns="rule", values="value")
    wide = wide.reindex(columns=[r.code for r in qd.DUTY_RULES]).add_prefix("due_")
    outflow = long.groupby(["township", "branch"])["outflow"].max()
    return pd.concat([outflow, wide], axis=1).reset_index()


@pytest.fixture(params=["bulk", "samples"])
def duty_warehouse(request, big):
    if request.param == "bulk":
        yield big
        return
    from tests.conftest import require_samples  # the samples' registers lack some columns

    require_samples()
    db, _ = request.getfixturevalue("samples_db")
    con = connect_readonly(db)
    yield con
    con.close()


def test_duty_table_is_the_branch_rule_rows_pivoted(duty_warehouse):
    """One row per branch from SQL, as the page used to pivot it from every (branch, rule)
    row; 未填报 (missing) exactly where the rule could not be assessed."""
    con = duty_warehouse
    for wave in [*_waves(con), None]:
        f = Filters(wave=wave)
        got = qd.duty_table(con, f)
        want = _duty_table_from_rows(con, f)
        assert len(got) == len(want) > 0
        pd.testing.assert_frame_equal(
            got.astype("float64", errors="ignore").reset_index(drop=True),
            want.astype("float64", errors="ignore")[got.columns].reset_index(drop=True),
            check_dtype=False,
        )
    assert got.filter(like="due_").isna().any().any()  # 未填报 cells are in play


def _comparison_by_join(where_sql: str) -> str:
    """The comparison as the page computed it before mart_wave_pairs: the chosen wave's and
    the previous wave's branch rows joined on every view. The reference the marts must match
    (the final sums are the page's own: only the pairing and the lists are rebuilt here)."""
    sql = metric_sql.comparison_sql(where_sql)
    final = sql[sql.index("        select\n            (select wave from prev)") :]
    town_sums = ",\n".join(metric_sql._town_sums())
    return f"""
        with base as (select * from mart_branch_wave {where_sql}),
        prev as (select max(wave) as wave from base where wave < ?),
        cur as (select ? as wave),
        cur_rows as (select * from base where wave = (select wave from cur)),
        prev_rows as (select * from base where wave = (select wave from prev)),
        pairs as (
            select c.township, c.branch, {_JOINED_PAIRS}
            from cur_rows as c
            inner join prev_rows as p on c.township = p.township and c.branch = p.branch
            where (c.registered > 0) = (p.registered > 0)
        ),
        towns as (
            select township, count(*) as branches, {town_sums}
            from pairs group by township
        ),
        only_current as (
            select township || '·' || branch as unit from cur_rows
            where registered > 0 and (township, branch) not in (
                select (township, branch) from prev_rows where registered > 0
            )
        ),
        only_previous as (
            select township || '·' || branch as unit from prev_rows
            where registered > 0 and (township, branch) not in (
                select (township, branch) from cur_rows where registered > 0
            )
        )
        {final}"""


_JOINED_PAIRS = ", ".join(
    f"c.{c} as cur_{c}, p.{c} as prev_{c}"
    for c in ["members_total", "outflow_counted", *metric_sql._FIELDS]
)


@pytest.fixture(scope="module")
def gappy(big):
    """The bulk county's branch rows with the gaps the field has: branches missing from the
    middle wave, a township missing from it altogether, branches with only a summary line
    (no register) in one wave, fields some branches did not carry. mart_wave_pairs built on
    them from its SQL file."""
    import duckdb

    from pipeline.config import SQL_DIR

    con = duckdb.connect()
    con.register("branch_rows", big.execute("select * from mart_branch_wave").df())
    con.execute("create table mart_branch_wave as select * from branch_rows")
    towns = sorted(_every_township(big))
    first, middle, _last = _waves(big)
    con.execute("delete from mart_branch_wave where wave = ? and hash(branch) % 4 = 0", [middle])
    con.execute("delete from mart_branch_wave where wave = ? and township = ?", [middle, towns[1]])
    con.execute("update mart_branch_wave set registered = 0 where hash(branch || wave) % 7 = 0")
    con.execute(
        "update mart_branch_wave set long_term = null, certified = null, long_term_base = null,"
        " certified_base = null where township = ? and hash(branch) % 3 = 0",
        [towns[2]],
    )
    for mart in ("mart_wave_pairs", "mart_wave_pairs_township"):
        con.execute((SQL_DIR / "marts" / f"{mart}.sql").read_text(encoding="utf-8"))
    yield con, towns
    con.close()


def test_wave_comparison_from_pairs_is_the_join(gappy, big):
    """Every wave, every kind of selection (county, a township, a township that skipped the
    middle wave, a branch, a jurisdiction of two townships): the comparison read from
    mart_wave_pairs is exactly the one from joining the two waves' branch rows."""
    con, towns = gappy
    branch = con.execute(
        "select branch from mart_branch_wave where township = ? limit 1", [towns[0]]
    ).fetchone()[0]
    selections = [
        Filters(),
        Filters(township=towns[0]),
        Filters(township=towns[1]),
        Filters(township=towns[0], branch=branch),
        Filters(allowed_townships=(towns[1], towns[3])),
    ]
    compared = 0
    for wave in _waves(big):
        for f in selections:
            f = f.with_(wave=wave)
            w, p = where(f, wave=False)
            mart = con.execute(metric_sql.comparison_sql(w), [*p, wave, wave]).df()
            joined = con.execute(_comparison_by_join(w), [*p, wave, wave]).df()
            pd.testing.assert_frame_equal(mart, joined)
            if not f.branch:  # the township-grain first step, as pages read it
                towns = metric_sql.comparison_sql(w, township_pairs="mart_wave_pairs_township")
                pd.testing.assert_frame_equal(con.execute(towns, [*p, wave, wave]).df(), joined)
            compared += int(mart["branches"].iloc[0] > 0)
    assert compared >= 8  # most selections really had branches in both waves
    # the gaps were real: something was left out on each side somewhere
    lists = con.execute(metric_sql.comparison_sql(""), [_waves(big)[-1], _waves(big)[-1]]).df()
    assert len(lists["only_current"].iloc[0]) > 0


def test_township_pairs_file_is_the_generated_first_step(gappy):
    """mart_wave_pairs_township.sql spells out metric_sql.township_pairs_sql: same rows."""
    con, _towns = gappy
    order = " order by wave, prev_wave, township"
    from_file = con.execute("select * from mart_wave_pairs_township" + order).df()
    generated = con.execute(f"select * from ({metric_sql.township_pairs_sql()})" + order).df()
    assert len(from_file) > 0
    pd.testing.assert_frame_equal(from_file, generated)
