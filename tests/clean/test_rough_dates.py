"""Dates written as a year or a part of one: read as a month, with a warning naming the text."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.clean import normalize as nz
from pipeline.clean.row_issues import rough_dates


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
