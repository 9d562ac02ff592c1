"""Destination resolution (pipeline.places.geo): GB/T 2260 lookup, flow scope, caching, speed."""

from __future__ import annotations

import csv
import io
import math
import random

import pytest

from pipeline.places import geo
from pipeline.places import table as table_module
from pipeline.places import words as geo_words
from pipeline.places.geo import Place, flow_scope, province_short, resolve_destination, resolve_many
from pipeline.places.traditional import T2S
from tests.conftest import SAMPLES, needs_samples

HOME = "330327"  # 浙江省温州市苍南县, the default jurisdiction


def codes(place: Place) -> tuple[str | None, str | None, str | None]:
    return place.province_code, place.city_code, place.county_code


@pytest.fixture(autouse=True)
def _fresh_cache():
    resolve_destination.cache_clear()
    yield
    resolve_destination.cache_clear()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("浙江省温州市苍南县赤溪镇", ("330000", "330300", "330327")),
        ("上海市闵行区", ("310000", "310100", "310112")),
        ("浙江义乌", ("330000", "330700", "330782")),
        ("上海浦东", ("310000", "310100", "310115")),
        ("杭州", ("330000", "330100", None)),
        ("广东深圳宝安", ("440000", "440300", "440306")),
        ("温州鹿城", ("330000", "330300", "330302")),
        ("江苏昆山", ("320000", "320500", "320583")),
        ("北京市朝阳区", ("110000", "110100", "110105")),
        ("浙江省温州市龙港市", ("330000", "330300", "330383")),
        ("浙江省温州市流动党员党支部", ("330000", "330300", None)),
        # split 省 / 市 / 县(区) columns joined by the caller repeat the municipality
        ("上海市上海市浦东新区", ("310000", "310100", "310115")),
        ("北京市北京市朝阳区", ("110000", "110100", "110105")),
        # full-width and stray spaces, full-width punctuation
        ("浙江省\u3000温州市 苍南县", ("330000", "330300", "330327")),
        ("  上海 浦东  ", ("310000", "310100", "310115")),
        ("浙江省（温州市）", ("330000", "330300", None)),
        # bare names
        ("浦东", ("310000", "310100", "310115")),
        ("苍南", ("330000", "330300", "330327")),
        ("吉林", ("220000", None, None)),
        ("吉林市", ("220000", "220200", None)),
        ("吉林省吉林市", ("220000", "220200", None)),
        # context resolves a name shared by several counties
        ("北京朝阳区", ("110000", "110100", "110105")),
        ("长春市朝阳区", ("220000", "220100", "220104")),
        ("江苏省南京市鼓楼区", ("320000", "320100", "320106")),
        # county-level city directly under a province (省直辖): no prefecture
        ("湖北仙桃", ("420000", None, "429004")),
        ("湖北省仙桃市", ("420000", None, "429004")),
        # ethnic-autonomous names and their colloquial forms
        ("恩施", ("420000", "422800", None)),
        ("恩施州", ("420000", "422800", None)),
        ("丽水景宁", ("330000", "331100", "331127")),
        ("景宁县", ("330000", "331100", "331127")),
        ("新疆乌鲁木齐", ("650000", "650100", None)),
        ("内蒙包头", ("150000", "150200", None)),
        # 重庆 is one city, its 县 included
        ("重庆市城口县", ("500000", "500100", "500229")),
        ("重庆万州", ("500000", "500100", "500101")),
        # cities without counties
        ("广东东莞", ("440000", "441900", None)),
        # current divisions: 龙港 left 苍南 in 2019
        ("苍南县龙港镇", ("330000", "330300", "330383")),
        ("龙港市", ("330000", "330300", "330383")),
        # renamed prefecture
        ("襄樊", ("420000", "420600", None)),
        # leading country name and text that does not start with the place
        ("中国浙江省杭州市", ("330000", "330100", None)),
        ("在杭州市务工", ("330000", "330100", None)),
        # Hong Kong / Macau / Taiwan are province-level units
        ("香港", ("810000", None, None)),
        ("澳门特别行政区", ("820000", None, None)),
        ("台湾台北", ("710000", "710100", None)),
    ],
)
def test_resolve_codes(text, expected):
    assert codes(resolve_destination(text)) == expected


@pytest.mark.parametrize(
    ("text", "names", "level"),
    [
        ("浙江义乌", ("浙江省", "金华市", "义乌市"), "county"),
        ("江苏昆山", ("江苏省", "苏州市", "昆山市"), "county"),
        ("上海浦东", ("上海市", "上海市", "浦东新区"), "county"),
        ("杭州", ("浙江省", "杭州市", None), "city"),
        ("浙江", ("浙江省", None, None), "province"),
        ("恩施", ("湖北省", "恩施土家族苗族自治州", None), "city"),
        ("不详", (None, None, None), None),
    ],
)
def test_resolve_names_and_level(text, names, level):
    place = resolve_destination(text)
    assert (place.province, place.city, place.county) == names
    assert place.level == level


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("廣東省深圳市", ("440000", "440300", None)),
        ("浙江省溫州市蒼南縣", ("330000", "330300", "330327")),
        ("廣東深圳寶安", ("440000", "440300", "440306")),
        ("廈門", ("350000", "350200", None)),
        ("臺灣", ("710000", None, None)),
        ("澳門", ("820000", None, None)),
        ("遼寧省瀋陽市", ("210000", "210100", None)),
        ("黑龍江省", ("230000", None, None)),
    ],
)
def test_traditional_characters(text, expected):
    assert codes(resolve_destination(text)) == expected


def test_traditional_table_never_rewrites_an_official_name():
    # A key that is also a simplified place-name character would corrupt real names.
    keys = {chr(k) for k in T2S}
    clashes = {u.name for u in table_module.code_table().units.values() if keys & set(u.name)}
    assert clashes == set()


@pytest.mark.parametrize(
    "text",
    [
        "朝阳区",  # 北京 and 长春
        "鼓楼区",  # 南京, 徐州, 福州, 开封
        "龙港",  # 温州龙港市 and 葫芦岛龙港区
        "西湖",  # 杭州 and 南昌
    ],
)
def test_ambiguous_bare_names_are_not_guessed(text):
    place = resolve_destination(text)
    assert place.county_code is None
    assert place.city_code is None


def test_ambiguous_name_keeps_what_the_candidates_share():
    # 向阳区 exists in 鹤岗 and 佳木斯, both in 黑龙江
    assert codes(resolve_destination("向阳区")) == ("230000", None, None)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "\u3000",
        "不详",
        "无",
        "乱码xx",
        "123",
        "-",
        float("nan"),
        12345,
        3.5,
        "浙" * 2000,
        "\x00\x01",
    ],
)
def test_unresolvable_gives_empty_place(value):
    place = resolve_destination(value)
    assert place == Place()
    assert place.level is None
    assert flow_scope(HOME, place) is None


@pytest.mark.parametrize(
    ("text", "foreign"),
    [
        ("意大利", "意大利"),
        ("意大利米兰", "意大利"),
        ("出国（西班牙）", "西班牙"),
        ("国外", "国外"),
        ("境外务工", "国外"),
        ("印度尼西亚", "印度尼西亚"),
    ],
)
def test_foreign_destinations(text, foreign):
    place = resolve_destination(text)
    assert place.foreign == foreign
    assert codes(place) == (None, None, None)
    assert place.level is None
    assert flow_scope(HOME, place) is None  # abroad is none of the four scopes (spec §2)


def test_foreign_words_do_not_clash_with_place_names():
    index = table_module.code_table().index
    assert [w for w in geo_words.COUNTRIES + geo_words.ABROAD_WORDS if w in index] == []


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("浙江省温州市苍南县赤溪镇", "县内"),
        ("浙江省温州市苍南县", "县内"),
        ("温州市鹿城区", "市内跨县"),
        ("浙江省温州市鹿城区", "市内跨县"),
        ("浙江省温州市龙港市", "市内跨县"),
        ("苍南县龙港镇", "市内跨县"),
        ("浙江省温州市瑞安市", "市内跨县"),
        ("杭州", "省内跨市"),
        ("浙江义乌", "省内跨市"),
        ("上海", "跨省"),
        ("上海浦东", "跨省"),
        ("江苏昆山", "跨省"),
        ("湖北仙桃", "跨省"),
        ("香港", "跨省"),
        ("温州", None),
        ("浙江", None),
        ("浙江省温州市流动党员党支部", None),
        ("朝阳区", None),
        (None, None),
        ("", None),
        ("不详", None),
        ("乱码xx", None),
    ],
)
def test_flow_scope_from_cangnan(text, scope):
    assert flow_scope(HOME, resolve_destination(text)) == scope


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        # R08/R27: the home county's townships, written bare or around other words
        ("灵溪镇", "县内"),
        ("钱库镇", "县内"),
        ("马站镇", "县内"),
        ("凤阳乡", "县内"),  # 凤阳畲族乡 the short way
        # a township named like a county elsewhere (山东金乡县, 安徽凤阳县) is home's
        ("金乡镇", "县内"),
        ("凤阳畲族乡", "县内"),
        ("山东金乡", "跨省"),
        ("在本县灵溪镇务工", "县内"),
        ("浙江省温州市灵溪镇", "县内"),  # R09: 省 / 市 / 县(区) columns, the township in 县
        # the same name elsewhere is not home
        ("浙江省杭州市灵溪镇", "省内跨市"),
        ("湖南省灵溪镇", "跨省"),
        # the home city's districts as one: not 苍南县, so another county of the city
        ("温州市区", "市内跨县"),
        ("浙江省温州市区", "市内跨县"),
        ("杭州市区", "省内跨市"),
        # abroad is none of the four scopes (spec §2): 未知, never 跨省
        ("意大利米兰", None),
        ("法国巴黎", None),
    ],
)
def test_flow_scope_near_home(text, scope):
    assert flow_scope(HOME, resolve_destination(text, HOME)) == scope


def test_city_proper_is_unknown_for_a_district_of_that_city():
    lucheng = "330302"  # 鹿城区 is one of 温州市区's districts
    assert flow_scope(lucheng, resolve_destination("温州市区", lucheng)) is None


def test_townships_need_the_home_county():
    assert resolve_destination("灵溪镇") == Place()


@pytest.mark.parametrize(
    ("home", "text", "scope"),
    [
        ("310115", "上海市闵行区", "市内跨县"),
        ("310115", "上海浦东", "县内"),
        ("310115", "上海", None),
        ("500229", "重庆万州", "市内跨县"),  # 城口县 (GB 500200 group) and 万州区 (500100)
        ("429004", "湖北潜江", "省内跨市"),  # 省直辖 units are their own city
        ("429004", "湖北仙桃", "县内"),
        ("420100", "湖北仙桃", "省内跨市"),
        ("441900", "广东东莞", "县内"),  # a city without counties
        ("330327000000", "温州鹿城", "市内跨县"),  # 12-digit home code
        ("abc", "温州鹿城", None),
        ("", "温州鹿城", None),
    ],
)
def test_flow_scope_other_homes(home, text, scope):
    assert flow_scope(home, resolve_destination(text)) == scope


def test_flow_scope_without_place():
    assert flow_scope(HOME, None) is None


@needs_samples
def test_stated_scopes_in_sample_agree_with_destination():
    text = (SAMPLES / "宜山镇_2022-04_系统导出.csv").read_bytes().decode("gb18030")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    mismatches = [
        (r["流入地"], r["流动范围"], flow_scope(HOME, resolve_destination(r["流入地"])))
        for r in rows
    ]
    assert [m for m in mismatches if m[1] != m[2]] == []


def test_every_official_unit_resolves_from_its_qualified_name():
    table = table_module.code_table()
    wrong = []
    for unit in table.units.values():
        parts = [table.units[unit.province].name]
        if unit.city and unit.city != unit.code:
            parts.append(table.units[unit.city].name)
        if unit.level != geo.PROVINCE:
            parts.append(unit.name)
        got = codes(resolve_destination("".join(parts)))[unit.level]
        if got != unit.code:
            wrong.append((unit.code, "".join(parts), got))
    assert wrong == []


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("浙江省", "浙江"),
        ("新疆维吾尔自治区", "新疆"),
        ("香港特别行政区", "香港"),
        ("澳门特别行政区", "澳门"),
        ("广西壮族自治区", "广西"),
        ("宁夏回族自治区", "宁夏"),
        ("内蒙古自治区", "内蒙古"),
        ("西藏自治区", "西藏"),
        ("上海市", "上海"),
        ("台湾省", "台湾"),
        ("黑龙江省", "黑龙江"),
        (None, ""),
        ("", ""),
    ],
)
def test_province_short(name, short):
    assert province_short(name) == short


def test_province_short_labels_are_distinct():
    table = table_module.code_table()
    labels = [province_short(u.name) for u in table.units.values() if u.level == geo.PROVINCE]
    assert len(labels) == 34
    assert len(set(labels)) == 34
    assert all(len(label) >= 2 for label in labels)


def test_resolve_many_resolves_each_distinct_value_once(monkeypatch):
    calls = []
    real = geo._resolve
    monkeypatch.setattr(
        geo, "_resolve", lambda text, home=None: calls.append(text) or real(text, home)
    )
    values = ["浙江义乌", "上海浦东", None, "浙江义乌", "", None] * 10_000
    mapping = resolve_many(values)
    assert sorted(calls, key=str) == sorted(["浙江义乌", "上海浦东", None, ""], key=str)
    info = resolve_destination.cache_info()
    assert (info.misses, info.hits) == (4, 0)
    assert set(mapping) == {"浙江义乌", "上海浦东", None, ""}
    assert mapping["浙江义乌"].county_code == "330782"
    assert mapping[None] == Place()
    # a second batch is served from the cache
    resolve_many(values)
    assert len(calls) == 4


def test_resolve_many_accepts_a_pandas_series():
    pd = pytest.importorskip("pandas")
    series = pd.Series(["杭州", None, "杭州", "温州鹿城"] * 1000)
    mapping = resolve_many(series)
    assert resolve_destination.cache_info().misses == 3
    mapped = series.map(mapping)
    assert mapped.iloc[0].city_code == "330100"
    assert mapped.iloc[3].county_code == "330302"
    nan_key = next(k for k in mapping if not isinstance(k, str))
    assert isinstance(nan_key, float) and math.isnan(nan_key)
    assert mapping[nan_key] == Place()


def test_resolve_many_deduplicates_a_series_without_iterating_it(monkeypatch):
    """Iterating a pandas 3 string column element by element costs seconds per million rows:
    a Series is deduplicated by its own unique(), never walked value by value."""
    pd = pytest.importorskip("pandas")
    series = pd.Series([f"浙江省温州市苍南县{i % 2000}号" for i in range(100_000)], dtype="str")

    def walked(self):
        raise AssertionError("the Series was iterated element by element")

    monkeypatch.setattr(pd.Series, "__iter__", walked)
    mapping = resolve_many(series)
    assert len(mapping) == 2000


def test_table_builds_from_the_packaged_codes():
    table_module.code_table.cache_clear()
    table_module.ethnic_names.cache_clear()
    table = table_module.code_table()
    assert table.units["330383"].name == "龙港市"


def test_million_values_with_two_thousand_distinct_resolve_each_once():
    table = table_module.code_table()
    counties = sorted(u for u in table.units.values() if u.level == geo.COUNTY)
    rng = random.Random(7)
    distinct = [
        f"{table.units[u.province].name}{table.units[u.city].name if u.city else ''}{u.name}某某镇"
        for u in rng.sample(counties, 2000)
    ]
    assert len(set(distinct)) == 2000
    values = [rng.choice(distinct) for _ in range(1_000_000)]
    resolve_destination.cache_clear()
    mapping = resolve_many(values)
    assert len(mapping) == 2000
    # each distinct value resolved once: not a million lookups, even cached ones
    info = resolve_destination.cache_info()
    assert info.misses + info.hits == 2000


@pytest.mark.parametrize(
    ("text", "home", "expected"),
    [
        ("龙港", "330327", ("330000", "330300", "330383")),  # 苍南's neighbour, not 葫芦岛's
        ("龙港", "211402", ("210000", "211400", "211403")),  # seen from 葫芦岛
        ("龙港", None, (None, None, None)),
        ("普陀", "330327", (None, None, None)),  # 舟山 or 上海: neither is in 温州
        ("龙港区", "330327", ("210000", "211400", "211403")),  # the full name still decides
    ],
)
def test_a_shared_short_name_is_the_one_in_the_home_city(text, home, expected):
    assert codes(resolve_destination(text, home)) == expected


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("本县", "县内"),
        ("县内务工", "县内"),
        ("县城", "县内"),
        ("外省", "跨省"),
        ("省外", "跨省"),
        ("杭州", None),
    ],
)
def test_relative_destinations_state_a_scope(text, scope):
    assert geo.relative_scope(text) == scope
