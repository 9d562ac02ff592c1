"""Dates written as a year or a part of one: read as a month, with a warning naming the text."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.clean import normalize as nz
from pipeline.clean import rough_counts
from pipeline.clean.row_issues import rough_dates
from pipeline.cli.commands import stats_rows
from pipeline.ingest.batch import ingest_paths
from tests.conftest import HEADER, member, valid_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020", date(2020, 1, 1)),  # a year, never the Excel serial 2020 (1905-07-12)
        (2020, date(2020, 1, 1)),
        (2020.0, date(2020, 1, 1)),
        ("1949", date(1949, 1, 1)),  # the schema refuses it as before 1950, naming 1949
        ("2019年", date(2019, 1, 1)),
        ("2019年底", date(2019, 12, 1)),
        ("2018年初", date(2018, 1, 1)),
        ("2020年春节后", date(2020, 2, 1)),
        ("2020年春節後", date(2020, 2, 1)),  # traditional characters
        ("2015年左右", date(2015, 1, 1)),
        ("约2019年", date(2019, 1, 1)),
        ("2021年上半年", date(2021, 1, 1)),
        ("2017年下半年", date(2017, 7, 1)),
        ("2016.8前", date(2016, 8, 1)),
        ("2020年3月以后", date(2020, 3, 1)),
        ("44270", date(2021, 3, 15)),  # five digits stay a serial
        (44270, date(2021, 3, 15)),
    ],
)
def test_rough_dates_read_as_a_month(value, expected):
    assert nz.parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "caveat"),
    [
        ("2020", "日期“2020”不够精确，按2020年1月统计"),
        (2020, "日期“2020”不够精确，按2020年1月统计"),
        ("2019年底", "日期“2019年底”不够精确，按2019年12月统计"),
        ("2021年上半年", "日期“2021年上半年”不够精确，按2021年1月统计"),
        ("2021.3", None),  # month precision is what the spec asks for
        ("2021年3月左右", None),
        (44270, None),
        ("长期", None),  # not read at all: that is the parser's error, not a caveat
        (None, None),
    ],
)
def test_date_caveat_names_the_text(value, caveat):
    assert nz.date_caveat(value) == caveat


def test_rough_dates_warn_only_the_loaded_rows():
    raw = pd.DataFrame(
        {
            "outflow_date": ["2019年底", "2021.3", "2020", "2018年"],
            "return_date": [None, "2022年", None, None],
        }
    )
    found = rough_dates(raw, pd.Index([0, 1, 2]), ("outflow_date", "return_date", "birth_date"))
    assert sorted(zip(found["row"], found["field"], found["reason"], strict=True)) == [
        (0, "outflow_date", "日期“2019年底”不够精确，按2019年12月统计"),
        (1, "return_date", "日期“2022年”不够精确，按2022年1月统计"),
        (2, "outflow_date", "日期“2020”不够精确，按2020年1月统计"),
    ]


@pytest.mark.parametrize(
    ("value", "expected", "caveat"),
    [
        ("10余人", 10, "带动就业人数“10余人”不是确切人数，按10人统计"),
        ("约20人", 20, "带动就业人数“约20人”不是确切人数，按20人统计"),
        ("二十余人", 20, "带动就业人数“二十余人”不是确切人数，按20人统计"),
        ("8-10人", 8, "带动就业人数“8-10人”不是确切人数，按8人统计"),  # the lower end
        ("30人左右", 30, "带动就业人数“30人左右”不是确切人数，按30人统计"),
        ("十人", 10, None),  # exact, in Chinese numerals
        ("12 人", 12, None),
        (5, 5, None),
    ],
)
def test_rough_jobs_figures_count_the_number_written(value, expected, caveat):
    assert rough_counts.parse_jobs(value) == expected
    assert rough_counts.jobs_caveat(value) == caveat


@pytest.mark.parametrize("value", ["家庭成员3人", "很多", "约2.5人", "1000000000余人"])
def test_jobs_that_are_no_count_are_still_refused(value):
    with pytest.raises(ValueError):
        rough_counts.parse_jobs(value)


def test_rough_jobs_figures_warn_only_the_loaded_rows():
    raw = pd.DataFrame({"jobs_created": ["10余人", "约20人", "3"]})
    found = rough_dates(raw, pd.Index([0, 2]), ())
    assert list(zip(found["row"], found["field"], strict=True)) == [(0, "jobs_created")]


def test_a_returnee_with_a_rough_jobs_figure_is_counted(tmp_path, write_xlsx):
    """V06: 10余人 and 约20人 cost two returnees and their enterprises (rejected as no whole
    number); they load, count the number written, and the warning says so."""
    back = dict(returned="是", return_date="2022.5", enterprise="紫菜加工厂")
    rows = [
        member(1, "甲", id_number=valid_id("33032719800101301"), jobs="10余人", **back),
        member(2, "乙", id_number=valid_id("33032719800101302"), jobs="约20人", **back),
        member(3, "丙", id_number=valid_id("33032719800101303"), jobs="3", **back),
    ]
    folder = tmp_path / "in"
    write_xlsx("灵溪镇_2023-06_返乡.xlsx", {"名册": [HEADER, *rows]}, folder=folder)
    db = tmp_path / "j.duckdb"
    [result] = ingest_paths([folder], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (3, 0)
    [row] = stats_rows(db)
    assert (row["returnees"], row["enterprises"], row["jobs_created"]) == (3, 3, 33)


@pytest.mark.parametrize(
    ("value", "expected", "caveat"),
    [
        ("2021.3-2022.5", date(2021, 3, 1), "日期“2021.3-2022.5”是一段时间，按开始时间2021年3月1日统计"),
        ("2019年8月至2021年2月", date(2019, 8, 1), "日期“2019年8月至2021年2月”是一段时间，按开始时间2019年8月1日统计"),
        ("2021.3.15~2022.5.1", date(2021, 3, 15), "日期“2021.3.15~2022.5.1”是一段时间，按开始时间2021年3月15日统计"),
        ("2021-03-15", date(2021, 3, 15), None),  # a dash inside one date is no period
    ],
)  # fmt: skip
def test_a_period_with_an_end_reads_as_its_start(value, expected, caveat):
    """V10: 外出时间 "2021.3-2022.5" was left blank as unreadable (long_term undercounted)."""
    assert nz.parse_date(value) == expected
    assert nz.date_caveat(value) == caveat
