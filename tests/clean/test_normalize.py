"""One small function per field: every value form the spec lists."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from pipeline.clean import id_numbers as idnum
from pipeline.clean import normalize as nz
from pipeline.clean import phone_cells
from pipeline.clean import vocabulary as vocab
from pipeline.clean.fields import parse_fields
from pipeline.parse.headers import map_header, map_part


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021.3", date(2021, 3, 1)),
        ("2021年3月", date(2021, 3, 1)),
        ("2021年3月15日", date(2021, 3, 15)),
        ("20210315", date(2021, 3, 15)),
        ("2021/3/15", date(2021, 3, 15)),
        ("2021-03", date(2021, 3, 1)),
        ("２０２１．３", date(2021, 3, 1)),  # full-width digits
        (44270, date(2021, 3, 15)),  # Excel serial
        ("44270", date(2021, 3, 15)),
        (2021.3, date(2021, 3, 1)),  # typed into a numeric cell
        (2021.12, date(2021, 12, 1)),
        (20210315, date(2021, 3, 15)),
        (datetime(2021, 3, 15, 8, 30), date(2021, 3, 15)),
        # a time of day, as other systems export dates
        ("2021-03-15 00:00:00", date(2021, 3, 15)),
        ("2021/3/15 0:00", date(2021, 3, 15)),
        ("2021年3月15日 10:20", date(2021, 3, 15)),
        ("2021-03-15T08:30:00.000", date(2021, 3, 15)),
        ("2021 年 3 月", date(2021, 3, 1)),
        # digits a space keeps apart are a date's parts, not the Excel serial 20226 (1955)
        ("2022 6", date(2022, 6, 1)),
        ("2021 3 15", date(2021, 3, 15)),
        # a two-digit year with a dot, as text and typed into a numeric cell (not 1900-01-21)
        ("21.3", date(2021, 3, 1)),
        ("22.06", date(2022, 6, 1)),
        (21.3, date(2021, 3, 1)),
        # a system export in US order; a first number past 12 is the day
        ("6/1/2022", date(2022, 6, 1)),
        ("15/6/2022", date(2022, 6, 15)),
        ("2022年6月1号", date(2022, 6, 1)),
        ("2022,6", date(2022, 6, 1)),
        ("2022、6", date(2022, 6, 1)),
        ("２０２２，６", date(2022, 6, 1)),
        # a serial or yyyymmdd another system wrote as a float
        ("44256.0", date(2021, 3, 1)),
        ("20210315.0", date(2021, 3, 15)),
        # a year and a one-digit month run together (2023年1月), not the serial of a day of 1955
        ("2021.3.", date(2021, 3, 1)),  # a full stop typed after the month
        ("2021年3月，", date(2021, 3, 1)),
        ("2021.03.15。", date(2021, 3, 15)),
        (20231, date(2023, 1, 1)),
        (20239.0, date(2023, 9, 1)),
        ("20231", date(2023, 1, 1)),
        (19998, date(1999, 8, 1)),
        (20230, date(1955, 5, 21)),  # no month 0: a serial still
        (21010, date(1957, 7, 9)),
        (None, None),
        ("  ", None),
    ],
)
def test_parse_date(value, expected):
    assert nz.parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["去年", "2021-13-01", "2021年2月30日", True, "2021-03-15 0:00 下午"]
)
def test_parse_date_refuses(value):
    with pytest.raises(ValueError):
        nz.parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),
        ("√", True),
        ("×", False),
        ("Y", True),
        ("n", False),
        (" 是 ", True),
        (1, True),
        (None, None),
        ("也许", "也许"),
    ],
)
def test_parse_bool(value, expected):
    assert vocab.parse_bool(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("失联", "失联"),
        ("失去联系", "失联"),
        ("联系不上", "失联"),
        ("无法联系", "失联"),
        ("正常", "正常"),
        ("联系正常", "正常"),
        ("不清楚", "不清楚"),
        (None, None),
    ],
)
def test_contact_status(value, expected):
    assert vocab.normalize_contact_status(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (13800138000, "13800138000"),
        (13800138000.0, "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("０５７７-６４７８１２３４", "0577-64781234"),
        ("+8613800138000", "+8613800138000"),  # the country code is kept (issue #12)
        ("+86 138-0000-0000", "+86138-0000-0000"),
    ],
)
def test_phone_keeps_every_digit(value, expected):
    assert nz.normalize_phone(value) == expected


def test_phone_cells_written_by_other_systems():
    """A float export's "13812345678.0" is the number (was rejected as no phone); two numbers a
    line break keeps apart stay two (were run together into 22 digits)."""
    cells = pd.Series(["13812345678.0", "057768888888.0", "13812345678\n13987654321", "138"])
    assert phone_cells.phone_text(cells).tolist() == [
        "13812345678", "057768888888", "13812345678/13987654321", "138",
    ]  # fmt: skip


def test_id_number_rules():
    assert idnum.normalize_id(" 33032719860913261x ") == "33032719860913261X"
    assert idnum.id_problem("33032719860913261X") is None
    assert "校验位" in idnum.id_problem("330327198609132610")
    assert "18位" in idnum.id_problem("3303271986091326")
    with pytest.raises(ValueError, match="数字格式"):
        idnum.normalize_id(3.30327198609132e17)
    with pytest.raises(ValueError, match="科学计数法"):
        idnum.normalize_id("3.30327E+17")
    assert idnum.mask_id("33032719860913261X") == "330327********261X"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("姓名", "name"),
        ("姓 名", "name"),
        ("外出时间", "outflow_date"),
        ("外出地点", "destination"),
        ("现居住地", "destination"),
        ("手机号码", "phone"),
        ("聯繫電話", "phone"),
        ("联系情况", "contact_status"),
        ("是否回乡", "returned"),
        ("流出时间（年月）", "outflow_date"),
        ("*身份证号", "id_number"),
        ("公民身份号码", "id_number"),
        ("吸纳就业人数", "jobs_created"),
        ("所在党支部", "branch"),
        # traditional characters beyond the common ones
        ("外出地點", "destination"),
        ("從事職業", "occupation"),
        ("手機號碼", "phone"),
        ("支部名稱", "branch"),
        ("於何時外出", None),
        # wording of migrant-worker registers
        ("外出务工地点", "destination"),
        ("外出务工时间", "outflow_date"),
        ("联系手机", "phone"),
        ("是否失联", "lost_flag"),
        ("不相干的列", None),
        (None, None),
    ],
)
def test_header_synonyms(header, field):
    assert map_header(header) == field


@pytest.mark.parametrize(
    ("child", "field"),
    [
        ("省", "dest_province"),
        ("市", "dest_city"),
        ("县(区)", "dest_county"),
        ("县（区）", "dest_county"),
    ],
)
def test_destination_parts_only_under_destination(child, field):
    assert map_part("destination", child) == field
    assert map_part("occupation", child) is None


@pytest.mark.parametrize("value", ["无", "/", "-", "—", "暂无", " 无 ", "不详"])
def test_placeholders_mean_empty_but_stay_no_for_yes_no(value):
    assert nz.optional_text(value) is None
    assert nz.parse_date(value) is None
    assert nz.parse_count(value) is None
    assert vocab.parse_bool("无") is False


def _with_check_digit(first17: str) -> str:
    return first17 + idnum.id_check_digit(first17)


# The column forms must say exactly what the one-value forms say, row for row.
ID_CASES = [
    _with_check_digit("33032719860913261"),
    _with_check_digit("33032720000229001"),  # 2000 was a leap year
    _with_check_digit("33032719000229001"),  # 1900 was not
    _with_check_digit("33032700010101001"),  # year 1: a real date for datetime.date
    _with_check_digit("33032700000101001"),  # year 0 is not
    _with_check_digit("33032719861301001"),  # month 13
    _with_check_digit("33032719860431001"),  # 31 April
    _with_check_digit("33032719860400001"),  # day 0
    "330327198609132610",  # wrong check digit
    "33032719860913261",  # 17 characters
    "330327860913261",  # a 15-digit old number
    "33032719860913261x",  # lower-case x was not upper-cased
    None,
]


def test_id_problems_agree_with_id_problem():
    column = pd.Series(ID_CASES, dtype="str")
    expected = [None if v is None else idnum.id_problem(v) for v in ID_CASES]
    found = [None if pd.isna(v) else v for v in idnum.id_problems(column)]
    assert found == expected
    assert expected.count(None) == 4  # three valid numbers and the blank


def test_mask_ids_agree_with_mask_id():
    values = [*ID_CASES, "1234567", "12345678901"]
    masked = idnum.mask_ids(pd.Series(values, dtype="str"))
    assert [None if pd.isna(v) else v for v in masked] == [idnum.mask_id(v) for v in values]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("是", "失联"), ("√", "失联"), ("否", "正常"), ("×", "正常"), ("无", "正常"), (None, None)],
)
def test_lost_flag_is_a_contact_status(value, expected):
    assert vocab.lost_flag_status(value) == expected


def test_lost_flag_refuses_other_words():
    with pytest.raises(ValueError, match="应填“是”或“否”"):
        vocab.lost_flag_status("不清楚")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("电话联系", "正常"),
        ("微信联系", "正常"),
        ("偶尔联系", "正常"),
        ("失联（已上报）", "失联"),
        ("联系不上了", "失联"),
        ("未联系", "未联系"),  # says neither: left for the schema to flag
    ],
)
def test_contact_status_free_wording(value, expected):
    assert vocab.normalize_contact_status(value) == expected


@pytest.mark.parametrize(
    ("parse", "value", "expected"),
    [
        (vocab.normalize_gender, 1, "男"),  # GB/T 2261.1 codes
        (vocab.normalize_gender, "2", "女"),
        (nz.parse_count, "五", 5.0),
        (nz.parse_count, "十二", 12.0),
        (nz.parse_count, "二十", 20.0),
        (nz.parse_count, "两", 2.0),
        (nz.parse_count, "3名", 3.0),
        (nz.parse_date, "2021年3月上旬", date(2021, 3, 1)),
        (nz.parse_date, "2023年7月中旬", date(2023, 7, 1)),
        (nz.parse_date, "2021年3月底", date(2021, 3, 1)),
        (idnum.normalize_id, "'33032719800101123X", "33032719800101123X"),
        (vocab.parse_bool, "已返乡创业", True),
    ],
)
def test_more_field_wording(parse, value, expected):
    assert parse(value) == expected


def test_id_numbers_typed_with_words_and_dashes_keep_their_member():
    """V04: 身份证330327…, 330327-19700202-209x and …（已核实） were rejected as 20-23 characters."""
    good = ["330327197503035710", "33032719700202209X", "330327198808087356"]
    written = [
        f"身份证{good[0]}",
        "330327-19700202-209x",
        f"{good[2]}（已核实）",
        "身份证号：" + good[0],
    ]
    raw = pd.DataFrame({"id_number": written})
    parsed, failures, _ = parse_fields(raw)
    assert list(parsed["id_number"]) == [good[0], good[1], good[2], good[0]]
    assert idnum.id_problems(parsed["id_number"]).isna().all()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("330327800101123", "身份证号为15位旧号码，请填写18位新号码（第二代身份证）"),
        ("H12345678", "填写的是港澳台居民证件或护照号码，不是18位居民身份证号码，请核对"),
        ("E12345678", "填写的是港澳台居民证件或护照号码，不是18位居民身份证号码，请核对"),
    ],
)
def test_id_problem_names_what_was_typed_instead(value, reason):
    assert idnum.id_problem(value) == reason


@pytest.mark.parametrize("value", [20231, 20231.0, "20231", " 20231 "])
def test_a_year_and_month_digit_is_read_with_a_caveat(value):
    assert nz.date_caveat(value) == (
        "日期“20231”按2023年1月统计（也可能是别的日期）；请写成“2023-01”这样的格式"
    )


@pytest.mark.parametrize("value", [44927, "44927", 202301, "2023-01", 20230])
def test_other_numbers_need_no_such_caveat(value):
    assert nz.date_caveat(value) is None
