"""Named queries and the analytics marts, against the samples warehouse (truth.json) and a
hand-made one whose every transition is known."""

from __future__ import annotations

import inspect

import duckdb
import pandas as pd
import pytest
from dashboard_warehouse import build

from pipeline.queries import analysis as queries
from pipeline.queries import quality as queries_quality
from pipeline.queries.base import Filters, where
from pipeline.reports import narrative
from pipeline.warehouse import store as warehouse

SCOPES = {
    "跨省": "scope_cross_province",
    "省内跨市": "scope_cross_city",
    "市内跨县": "scope_cross_county",
    "县内": "scope_within_county",
    "未知": "scope_unknown",
}
ALL_QUERIES = [
    fn
    for module in (queries, queries_quality)
    for name, fn in inspect.getmembers(module, inspect.isfunction)
    if fn.__module__ == module.__name__ and not name.startswith("_")
]


@pytest.fixture(scope="module")
def samples(samples_db):
    # The app's own read-only settings: an AppTest earlier in this process may still hold the
    # samples warehouse open, and DuckDB refuses a second connection with other settings.
    con = warehouse.connect_readonly(samples_db[0])
    yield con
    con.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    con = duckdb.connect(
        str(build(tmp_path_factory.mktemp("tiny") / "tiny.duckdb")), read_only=True
    )
    yield con
    con.close()


def test_every_truth_figure_is_reproduced(samples, truth):
    for key, expected in truth["stats"].items():
        township, wave = key.split("|")
        row = queries.metrics_by_township(samples, Filters(wave=wave, township=township)).iloc[0]
        assert row["outflow"] == expected["outflow"], key
        for field in ("long_term", "lost_contact", "returnees", "enterprises", "jobs_created"):
            assert row[field] == expected[field], (key, field)
        total = None if pd.isna(row["members_total"]) else int(row["members_total"])
        assert total == expected["members_total"], key
        for scope, column in SCOPES.items():
            assert row[column] == expected["scope"].get(scope, 0), (key, scope)


def test_seed_census_shares(samples):
    f = Filters(wave="2022-04", township="xx镇")
    row = queries.metrics_by_wave(samples, f).set_index("wave").loc["2022-04"]
    assert narrative.outflow_share(row) == 20.38
    text = narrative.paragraph(row, "xx镇", "2022-04")
    assert (
        "现有流出党员195名，占党员总数的20.38%，其中跨省流动党员40名，占流动党员总数的20.51%"
        in text
    )
    scopes = queries.scope_counts(samples, f).set_index("scope")["outflow"]
    assert scopes["跨省"] == 40 and scopes["未知"] == 4


def test_branch_mart_rolls_up_to_the_township_mart(samples):
    """The dashboard's branch grain and the CLI's township grain must never disagree."""
    lead = samples.execute("select * from mart_township_wave").df().set_index(["township", "wave"])
    mine = (
        samples.execute(
            "select township, wave, sum(outflow) outflow, sum(long_term) long_term, "
            "sum(lost_contact) lost_contact, sum(at_risk) at_risk, sum(dual_managed) dual_managed, "
            "sum(two_nots) two_nots, sum(certified) certified, sum(returnees) returnees, "
            "sum(enterprises) enterprises, sum(jobs_created) jobs_created, "
            "sum(scope_unknown) scope_unknown from mart_branch_wave group by all"
        )
        .df()
        .set_index(["township", "wave"])
    )
    for column in mine.columns:
        assert (mine[column] == lead.loc[mine.index, column]).all(), column


def test_destination_and_occupation_marts_add_up(samples):
    f = Filters(wave="2022-04", township="xx镇")
    provinces = queries.province_counts(samples, f)
    assert provinces["outflow"].sum() == 195 - 4  # all but the unresolved destinations
    assert queries.occupations(samples, f)["outflow"].sum() == 195
    assert len(queries.top_cities(samples, f)) <= 10
    flows = queries.sankey_flows(samples, f)
    assert flows["outflow"].sum() == 195 and set(flows["township"]) == {"xx镇"}


def test_county_share_counts_only_townships_with_totals(tiny):
    row = queries.metrics_by_wave(tiny, Filters()).set_index("wave").loc["2022-04"]
    assert row["members_total"] == 120 and row["outflow"] == 8 and row["outflow_counted"] == 6
    assert narrative.outflow_share(row) == 5.0


def test_previous_wave_is_compared_over_the_same_townships(tiny):
    prev = queries.metrics_previous_comparable(tiny, Filters(wave="2023-08"))
    assert prev["wave"].tolist() == ["2022-04"]
    assert prev["townships"].iloc[0] == 1 and prev["outflow"].iloc[0] == 6  # 乙镇 left out
    assert queries.metrics_previous_comparable(tiny, Filters(wave="2022-04")).empty


def test_transitions_between_waves(tiny):
    rows = (
        tiny.execute("select member_key, transition, match_method from mart_member_transitions")
        .df()
        .set_index("member_key")
    )
    assert rows.loc["i:h1", "transition"] == "新增失联"  # 张三 正常 → 失联
    assert rows.loc["i:h2", "transition"] == "恢复联系"  # 李四 失联 → 正常
    assert rows.loc["i:h3", "transition"] == "返乡"
    assert rows.loc["i:h10", "transition"] == "新增流出"
    assert rows.loc["i:h6", "transition"] == "不再登记"
    # 钱七 had no ID number in 2022-04: matched by name + birth month + branch.
    assert rows.loc["i:h5", "transition"] == "保持正常"
    assert rows.loc["i:h5", "match_method"] == "姓名+出生年月+支部"
    counts = queries.transitions(tiny, Filters(wave="2023-08")).set_index("transition")["members"]
    assert counts["新增失联"] == 1 and counts["恢复联系"] == 1 and counts["保持正常"] == 2
    assert queries.transitions(tiny, Filters(wave="2022-04")).empty


def test_follow_up_list_is_masked_and_ranked(tiny):
    people = queries.follow_up(tiny, Filters(wave="2022-04"))
    assert people["reason"].tolist()[:2] == ["失联", "失联"]
    assert set(people["reason"]) == {"失联", "两不管", "超180天未联系"}
    assert people["name"].str.fullmatch(r".\*+").all()
    assert people["phone"].str.fullmatch(r"1\d\d\*{4}\d{4}").all()
    assert people["id_masked"].str.fullmatch(r"330327\*{8}\d{3}[\dX]").all()
    assert "138****5678" in people["phone"].tolist()


def test_branch_filter_and_default_branch_name(tiny):
    f = Filters(wave="2022-04", township="甲镇", branch="二支部")
    row = queries.metrics_by_wave(tiny, f).set_index("wave").loc["2022-04"]
    assert row["outflow"] == 3 and row["members_total"] == 60 and row["returnees"] == 1
    branches = queries.branches(tiny, Filters(wave="2022-04", township="甲镇"))["branch"].tolist()
    assert branches == ["一支部", "三支部", "二支部"]  # 三支部 has a total but no outflow


def test_returnee_queries(samples):
    f = Filters(wave="2022-04", township="钱库镇")
    industries = queries.returnee_breakdown(samples, f)
    assert industries["returnees"].sum() == 12 and industries["enterprises"].sum() == 6
    assert industries["jobs_created"].sum() == 32
    assert queries.returnee_origins(samples, f)["returnees"].sum() == 12
    assert queries.return_to_founding(samples, f)["enterprises"].sum() == 6


def test_quality_queries(samples):
    f = Filters(wave="2022-04")
    done = queries_quality.completeness(samples, Filters(wave="2023-08")).set_index("township")
    assert bool(done.loc["xx镇", "submitted"]) and not bool(done.loc["钱库镇", "submitted"])
    assert len(done) == 4
    rejected = queries_quality.quarantine_rows(samples, f)
    assert len(rejected) == 8 and rejected["reason"].notna().all()
    assert (rejected["excel_row"] > 0).all()
    assert queries_quality.quarantine_summary(samples, f)["rows"].sum() == 8
    history = queries_quality.ingest_history(samples, f)
    assert len(history) == 5 and set(history["status"]) == {"loaded"}


@pytest.mark.parametrize("fn", ALL_QUERIES, ids=lambda fn: fn.__name__)
def test_township_scope_is_enforced_by_every_query(samples, fn):
    """A user limited to 钱库镇 never sees another township, whatever the query."""
    f = Filters(wave="2022-04", allowed_townships=("钱库镇",))
    result = fn(samples, f)
    assert len(result) < 2000  # small, aggregated frames only
    if "township" in result.columns:
        assert set(result["township"].dropna()) <= {"钱库镇"}, fn.__name__
    if fn is queries.metrics_by_wave:
        assert result["outflow"].sum() == 108


@pytest.mark.parametrize("fn", ALL_QUERIES, ids=lambda fn: fn.__name__)
def test_values_are_bound_not_spliced(samples, fn):
    hostile = Filters(wave="2022-04' or '1'='1", township="x'; drop table members; --", branch="'")
    fn(samples, hostile)  # no syntax error, nothing dropped
    assert samples.execute("select count(*) from members").fetchone()[0] > 0


def test_where_builder():
    sql, params = where(
        Filters(wave="2022-04", township="xx镇", allowed_townships=("xx镇",)), extra="outflow > 0"
    )
    assert (
        sql
        == "where wave = ? and township = ? and list_contains(?::varchar[], township) and outflow > 0"
    )
    assert params == ["2022-04", "xx镇", ["xx镇"]]
    assert where(Filters()) == ("", [])


# --------------------------------------------------------------------------- access control (#5)

FOREIGN = {"xx镇", "宜山镇", "金乡镇"}  # the samples' townships other than 钱库镇


def _public_queries() -> list:
    """Every public named query — a function `(con, f)` — of every pipeline/queries module
    (`base` holds the filter plumbing): new query modules are covered without editing this
    test."""
    import importlib
    from pathlib import Path

    found = []
    modules = sorted((Path(queries.__file__).parent).glob("*.py"))
    assert len(modules) >= 6, modules  # the package moved once (#13): never find nothing
    for path in modules:
        if path.stem in ("__init__", "base"):
            continue
        module = importlib.import_module(f"pipeline.queries.{path.stem}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            params = list(inspect.signature(fn).parameters)
            if (
                fn.__module__ == module.__name__
                and not name.startswith("_")
                and params[:1] == ["con"]
            ):
                assert len(params) == 2, f"{name}: a named query takes (con, Filters)"
                found.append(fn)
    return found


def _cells(frame: pd.DataFrame) -> list[str]:
    values = [str(c) for c in frame.columns]
    for column in frame.columns:
        values += [str(v) for v in frame[column].dropna().tolist()]
    return values


@pytest.mark.parametrize("fn", _public_queries(), ids=lambda fn: f"{fn.__module__}.{fn.__name__}")
def test_a_township_scope_never_returns_a_foreign_row(samples, fn):
    """Filters built from a 乡镇 scope, whatever else the selection asks for (another
    township, another township's wave, a hand-widened allowed list), return no row, no
    cell, of any other township."""
    from pipeline.access.scope import Scope
    from pipeline.queries.base import for_scope, scoped

    scope = Scope.for_role("township", "钱库镇", "qk")
    selections = [
        for_scope(scope),
        for_scope(scope, wave="2022-04"),
        for_scope(scope, wave="2023-08"),  # only xx镇 reported this wave
        for_scope(scope, wave="2022-04", township="xx镇"),
        for_scope(scope, wave="2022-04", township="金乡镇", branch="金乡第1党支部"),
        scoped(Filters(wave="2022-04", allowed_townships=("xx镇", "钱库镇")), scope),
        scoped(Filters(wave="2022-04", allowed_townships=("宜山镇",)), scope),
    ]
    for f in selections:
        assert f.allowed_townships in (("钱库镇",), ()), f
        cells = _cells(fn(samples, f))
        leaked = sorted({t for t in FOREIGN for c in cells if t in c})
        assert not leaked, (fn.__name__, f, leaked)
    own = queries.metrics_by_township(samples, for_scope(scope, wave="2022-04"))
    assert own["township"].tolist() == ["钱库镇"]  # others filtered out, not everything


def test_a_scope_without_personal_data_never_unmasks(samples):
    from pipeline.access.scope import Scope
    from pipeline.queries.base import for_scope

    county = for_scope(Scope.for_role("county"), wave="2022-04")
    township = for_scope(Scope.for_role("township", "钱库镇"), wave="2022-04")
    assert not county.show_personal_data and township.show_personal_data
    masked = queries.follow_up(samples, county)
    assert masked["name"].str.fullmatch(r".\*+").all()
    assert masked["phone"].str.fullmatch(r"1\d\d\*{4}\d{4}").all()
    clear = queries.follow_up(samples, township)
    assert not clear["name"].str.contains(r"\*").any()
    assert clear["phone"].str.fullmatch(r"1\d{10}").all()
    assert clear["id_masked"].str.contains(r"\*{8}").all()  # no clear ID exists at all


def test_quarantine_and_warning_values_of_names_and_phones_are_masked(tmp_path):
    db = build(tmp_path / "tiny.duckdb")
    with duckdb.connect(str(db)) as con:
        for table in ("quarantine", "warnings"):
            con.executemany(
                f"insert into {table} values ('f', 'a.xlsx', '2022-04', '甲镇', 'S', ?, ?, ?, ?, 'r')",
                [
                    [3, "name", "姓名", "欧阳娜娜"],
                    [4, "phone", "联系电话", "13812345678"],
                    [5, "phone", "联系电话", "0577-6478"],
                    [6, "outflow_date", "流出时间", "2031-05"],
                ],
            )
    con = duckdb.connect(str(db), read_only=True)
    try:
        for fn in (queries_quality.quarantine_rows, queries_quality.warning_rows):
            rows = fn(con, Filters(wave="2022-04")).set_index("excel_row")["value"]
            assert rows[3] == "欧***" and rows[4] == "138****5678" and rows[5] == "*****6478"
            assert rows[6] == "2031-05"  # other fields untouched
            clear = fn(con, Filters(wave="2022-04", show_personal_data=True))
            assert "欧阳娜娜" in clear["value"].tolist()
    finally:
        con.close()
