"""Places near home that the county-level code table cannot place: the home county's own
townships (灵溪镇, 钱库镇: a register names them bare, without 苍南县) and the home city's urban
districts written as one (温州市区).

`data/townships.csv` lists townships by county code (苍南县 330327 after 龙港 left it in 2019);
a county missing there simply gets no township matching. `geo` applies these.
"""

from __future__ import annotations

import csv
import functools
import re

from pipeline.places.table import data_file

_ETHNIC_TOWNSHIP = re.compile(r"(?:畲族|回族|满族|蒙古族|苗族|瑶族|土家族)乡$")
_CITY_PROPER = re.compile(r"市区|主城区")


@functools.cache
def listed_townships(county_code: str) -> tuple[str, ...]:
    """The county's townships as `data/townships.csv` lists them (the county seat first)."""
    with data_file("townships.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(
            row["township"] for row in csv.DictReader(fh) if row["county_code"] == county_code
        )


@functools.cache
def townships(county_code: str) -> tuple[str, ...]:
    """The county's township names as people write them (凤阳畲族乡 also 凤阳乡), longest first."""
    names = set(listed_townships(county_code))
    names |= {_ETHNIC_TOWNSHIP.sub("乡", name) for name in names}
    return tuple(sorted(names, key=len, reverse=True))


def names_home_township(text: str, county_code: str, at_start: bool = False) -> bool:
    """Whether normalised destination text names one of the home county's townships
    (`at_start`: begins with one)."""
    if at_start:
        return text.startswith(townships(county_code))
    return any(name in text for name in townships(county_code))


def names_city_proper(text: str) -> bool:
    """Whether the text names a city's urban districts as one ("温州市区"), not one of them."""
    return _CITY_PROPER.search(text) is not None


def is_city_district(county_code: str) -> bool:
    """Whether a county-level code is one of its city's 市辖区 (GB/T 2260: 01–20); 县 (21–80)
    and 县级市 (81–99) lie outside the city proper."""
    return county_code[4:6].isdigit() and int(county_code[4:6]) <= 20
