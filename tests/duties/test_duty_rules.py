"""The duty rules (issue #17) at their thresholds, on real workbooks through the real ingest:
days and months counted to the end of the census month (2022-04 → 2022-04-30), a register
without a field leaves the rule 未填报 (never zero), and duties cleared or still open since the
previous census."""

from __future__ import annotations

import pytest
from conftest import HEADER, member, valid_id

from pipeline.duties import rules as duty_rules
from pipeline.duties import text as duty_text
from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse import store as warehouse

EXTRA = ["流入地党组织", "是否持流动党员证", "党费缴纳至"]


def person(
    seq,
    name,
    *,
    contact,
    status="正常",
    org="杭州市某党支部",
    cert="是",
    dues="2022.3",
    returned="否",
    return_date=None,
    township="灵溪镇",
):
    idn = valid_id(f"33032719800101{seq:03d}")
    row = member(
        seq,
        name,
        id_number=idn,
        township=township,
        status=status,
        contact=contact,
        returned=returned,
        return_date=return_date,
    )
    return [*row, org, cert, dues]


# Census 2022-04: the month ends 2022-04-30.
WAVE_1 = [
    person(1, "甲一", contact="2021-11-02"),  # 179 days
    person(2, "甲二", contact="2021-11-01"),  # 180 days
    person(3, "甲三", contact="2021-10-31"),  # 181 days → no_contact
    person(4, "甲四", contact="2021-11-01", org=None),  # 180 days, no host: not yet 两不管
    person(5, "甲五", contact="2021-10-31", org=None),  # 181 days, no host → 两不管
    person(6, "甲六", contact="2021-11-30", status="失联"),  # 失联 5 months
    person(7, "甲七", contact="2021-10-30", status="失联"),  # 失联 6 months → lost_contact
    person(8, "甲八", contact="2022-04-01", dues="2021.11"),  # 5 months unpaid
    person(9, "甲九", contact="2022-04-01", dues="2021.10"),  # 6 months unpaid → dues_unpaid
    person(10, "甲十", contact="2022-04-01", cert="否"),  # → no_certificate
    person(11, "乙一", contact="2022-04-01", cert=None, dues=None),  # blanks: not assessed
]


def build(write_xlsx, tmp_path, files: dict[str, list[list]]):
    folder = tmp_path / "raw"
    for name, rows in files.items():
        header = HEADER + EXTRA if len(rows[0]) > len(HEADER) else HEADER
        write_xlsx(name, {"流动党员": [header, *rows]}, folder=folder)
    db = tmp_path / "census.duckdb"
    report = ingest_paths([folder], db=db)
    assert all(r.status != "rejected" and not r.rows_rejected for r in report.files), report.files
    return warehouse.connect_readonly(db)


def due(con, wave="2022-04") -> dict[str, list[tuple]]:
    rows = con.execute(
        "select rule, name, due_date::varchar, days_overdue from mart_duty_list "
        "where wave = ? order by rule, name",
        [wave],
    ).fetchall()
    found: dict[str, list[tuple]] = {}
    for rule, name, date, days in rows:
        found.setdefault(rule, []).append((name, date, days))
    return found


@pytest.fixture
def wave_one(write_xlsx, tmp_path):
    return build(write_xlsx, tmp_path, {"2022-04_灵溪镇.xlsx": WAVE_1})


def test_no_contact_is_due_after_180_days_not_at_180(wave_one):
    assert due(wave_one)["no_contact"] == [("甲三", "2022-04-30", 0), ("甲五", "2022-04-30", 0)]


def test_two_nots_needs_no_host_and_more_than_180_days(wave_one):
    assert due(wave_one)["two_nots"] == [("甲五", "2022-04-30", 0)]


def test_lost_contact_is_due_at_6_months_not_at_5(wave_one):
    assert due(wave_one)["lost_contact"] == [("甲七", "2022-04-30", 0)]


def test_dues_are_due_after_6_unpaid_months_not_5(wave_one):
    assert due(wave_one)["dues_unpaid"] == [("甲九", "2022-04-30", 0)]


def test_no_certificate_counts_from_the_outflow_date_and_a_blank_is_not_a_no(wave_one):
    # member() goes out 2021.3 → due from 2021-03-01, 425 days before 2022-04-30
    assert due(wave_one)["no_certificate"] == [("甲十", "2021-03-01", 425)]
    counts = dict(
        wave_one.execute(
            "select rule, not_assessed from mart_duty_per_branch where rule in "
            "('no_certificate', 'dues_unpaid')"
        ).fetchall()
    )
    assert counts == {"no_certificate": 1, "dues_unpaid": 1}  # 乙一's blanks


def test_a_register_without_the_columns_is_not_assessed_never_zero(write_xlsx, tmp_path):
    plain = [member(1, "丙一", township="钱库镇", contact="2021-01-01")]
    con = build(write_xlsx, tmp_path, {"2022-04_灵溪镇.xlsx": WAVE_1, "2022-04_钱库镇.xlsx": plain})
    rows = con.execute(
        "select rule, assessed, due from mart_duty_per_branch where township = '钱库镇' "
        "order by rule"
    ).fetchall()
    assert rows == [
        ("dues_unpaid", 0, 0),
        ("lost_contact", 1, 0),
        ("no_certificate", 0, 0),
        ("no_contact", 1, 1),
        ("two_nots", 0, 0),  # no 流入地党组织 column: nobody can be said to have no host
    ]
    text = duty_text.duty_paragraph(con, "2022-04", ["钱库镇"])
    assert "连续6个月未交党费未填报" in text and "两不管未填报" in text
    assert "超过180天未联系1人" in text
    both = duty_text.duty_paragraph(con, "2022-04")
    assert "两不管1人（1个支部未填报）" in both


def test_a_column_blank_in_every_row_is_not_assessed_never_everyone(write_xlsx, tmp_path):
    """钱库镇's register has the 最近联系时间 and 持证 columns, every cell blank: nobody can be
    said to be 180 days without contact (it was every member), nor without a certificate."""
    blank = [
        person(k, f"丁{k}", contact=None, cert=None, dues=None, township="钱库镇")
        for k in range(1, 4)
    ]
    con = build(write_xlsx, tmp_path, {"2022-04_灵溪镇.xlsx": WAVE_1, "2022-04_钱库镇.xlsx": blank})
    rows = dict(
        con.execute(
            "select rule, due from mart_duty_per_branch where township = '钱库镇' "
            "and rule in ('no_contact', 'two_nots', 'no_certificate')"
        ).fetchall()
    )
    assert rows == {"no_contact": 0, "two_nots": 0, "no_certificate": 0}
    assert due(con)["no_contact"] == [("甲三", "2022-04-30", 0), ("甲五", "2022-04-30", 0)]


def test_duties_cleared_and_still_open_since_the_last_census(write_xlsx, tmp_path):
    PAID = "2023.3"
    wave_two = [
        person(
            3, "甲三", contact="2022-12-01", dues=PAID
        ),  # contacted: no_contact cleared (已整改)
        person(5, "甲五", contact="2022-01-01", org=None, dues=PAID),  # still 两不管 and no contact
        person(7, "甲七", contact="2021-10-30", status="失联", dues=PAID),  # still lost
        person(
            9, "甲九", contact="2022-12-01", returned="是", return_date="2022-10", dues=PAID
        ),  # back
        person(10, "甲十", contact="2022-12-01", cert="否", dues=PAID),  # still no certificate
    ]
    con = build(
        write_xlsx,
        tmp_path,
        {"2022-04_灵溪镇.xlsx": WAVE_1, "2023-04_灵溪镇.xlsx": wave_two},
    )
    rows = con.execute(
        "select rule, name, change, cleared_how from mart_duty_wave_changes "
        "where wave = '2023-04' order by rule, name"
    ).fetchall()
    assert rows == [
        ("dues_unpaid", "甲九", "已销号", "已返乡"),
        ("lost_contact", "甲七", "仍未办结", None),
        ("no_certificate", "甲十", "仍未办结", None),
        ("no_contact", "甲三", "已销号", "已整改"),
        ("no_contact", "甲五", "仍未办结", None),
        ("two_nots", "甲五", "仍未办结", None),
    ]


def test_every_rule_names_its_source_and_the_sql_reads_the_configured_thresholds(
    write_xlsx, tmp_path, monkeypatch
):
    assert all(r.source.startswith("《") and r.name for r in duty_rules.DUTY_RULES)
    # Raise the contact threshold to 181 days: 甲三 (181 days) is no longer due.
    changed = tuple(
        duty_rules.DutyRule(**{**r.__dict__, "threshold": 181}) if r.code == "no_contact" else r
        for r in duty_rules.DUTY_RULES
    )
    monkeypatch.setattr(duty_rules, "DUTY_RULES", changed)
    con = build(write_xlsx, tmp_path, {"2022-04_灵溪镇.xlsx": WAVE_1})
    assert "no_contact" not in due(con)
