"""Spec §5 metric definitions at their boundaries, through a real workbook and the SQL marts."""

from __future__ import annotations

from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse.store import connect_readonly
from tests.conftest import valid_id

HEADER = [
    "姓名",
    "身份证号",
    "所在党支部",
    "流出时间",
    "流入地",
    "流入地党组织",
    "是否持流动党员证",
    "最近联系时间",
    "联系状态",
    "是否返乡",
    "返乡时间",
    "创办企业",
    "带动就业人数",
]


def person(
    n,
    outflow="2021-06-01",
    dest="上海市闵行区",
    org=None,
    cert="否",
    contact="2022-04-01",
    status="正常",
    returned="否",
    back=None,
    firm=None,
    jobs=None,
):
    return [
        f"成员{n}",
        valid_id(f"33032719800101{n:03d}"),
        "第一党支部",
        outflow,
        dest,
        org,
        cert,
        contact,
        status,
        returned,
        back,
        firm,
        jobs,
    ]


def test_metric_boundaries(write_xlsx, isolated_env):
    rows = [
        HEADER,
        person(1, outflow="2021-04-30"),  # exactly 365 days at 2022-04-30: long-term
        person(2, outflow="2021-05-01"),  # 364 days: not
        person(3, contact="2021-11-01"),  # 180 days without contact: not at risk
        person(4, contact="2021-10-31"),  # 181 days: at risk, and no inflow org: two-nots
        person(5, contact="2021-10-31", org="上海市闵行区流动党员党支部"),  # at risk, dual-managed
        person(6, contact="2020-01-01", status="失联"),  # lost, not "at risk", still two-nots
        person(7, org="无", cert="是"),  # 无 is no organisation
        person(8, returned="是", back="2022-01-01", firm="苍南县某农业合作社", jobs=5),
        person(9, returned="是", back="2022-02-01", jobs=0),
        person(10, dest=None),
    ]
    path = write_xlsx("2022-04_灵溪镇.xlsx", {"s": rows})
    db = isolated_env / "m.duckdb"
    assert ingest_paths([path], db=db).files[0].rows_loaded == 10
    con = connect_readonly(db)
    got = con.execute(
        """select outflow, long_term, at_risk, two_nots, lost_contact, dual_managed, certified,
                  returnees, enterprises, jobs_created, scope_unknown, lost_contact_rate_pct
           from mart_township_wave"""
    ).fetchone()
    con.close()
    # outflow excludes the two returnees; long_term: 1 plus the defaults (2021-06-01 is 333 days: no)
    assert got == (8, 1, 2, 2, 1, 1, 1, 2, 1, 5, 1, 12.5)
