"""Scale data for the benchmarks: thousands of townships over several waves, built with numpy.

The vocabulary (names, places, occupations, enterprises, branch names, ID numbers) is the
demo generator's; only the drawing is vectorised, because `demo.py` makes one member per
Python call and ten million of those would take longer than the benchmark may. The frames
look exactly like what `layout.parse_workbook` hands `transform.clean_census`: object
columns of text as a township would type it ("2023.11", "是"), dates from date-formatted
cells as `datetime.date`, 带动就业人数 as a number or blank. Every row is valid.

A township's people persist across waves (same ID numbers), some leave, some are new, some
return home, lose or regain contact, so the transitions mart has real work to do.
Destinations are skewed as in the field: most stay in the county or go to a few hubs
(Shanghai, Shenzhen, Yiwu), with a long tail over every province.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from pipeline.demo import people
from pipeline.demo.people import COUNTY_TOWNS, HOME_CITY, HOME_COUNTY, HOME_PROVINCE, Place

WAVES = ("2022-04", "2023-08", "2024-10")
# Rows in a wave relative to the first: registers grow a little from census to census.
WAVE_GROWTH = (1.0, 1.04, 1.07)
CHURN = 0.06  # share of a township's register that leaves before the next wave

# The long tail: one well-known district per province beyond the demo's hubs.
_TAIL = [
    ("江西省", "南昌市", "东湖区"), ("安徽省", "合肥市", "蜀山区"), ("湖南省", "长沙市", "岳麓区"),
    ("河南省", "郑州市", "金水区"), ("山东省", "济南市", "历下区"), ("河北省", "石家庄市", "长安区"),
    ("山西省", "太原市", "小店区"), ("陕西省", "西安市", "雁塔区"), ("重庆市", "重庆市", "渝中区"),
    ("贵州省", "贵阳市", "南明区"), ("云南省", "昆明市", "五华区"), ("广西壮族自治区", "南宁市", "青秀区"),
    ("海南省", "海口市", "美兰区"), ("辽宁省", "沈阳市", "和平区"), ("吉林省", "长春市", "朝阳区"),
    ("黑龙江省", "哈尔滨市", "南岗区"), ("内蒙古自治区", "呼和浩特市", "新城区"),
    ("宁夏回族自治区", "银川市", "兴庆区"), ("甘肃省", "兰州市", "城关区"), ("青海省", "西宁市", "城中区"),
    ("西藏自治区", "拉萨市", "城关区"),
]  # fmt: skip
_STEM_A = "安宝北长城大东凤福高古桂海和红虎华黄江金锦景康兰乐莲林龙鹿马梅南宁平浦青清仁瑞沙山上石双水顺松太桃天通湾旺文溪仙新兴阳永玉云樟中竹"
_STEM_B = "岙坪岭溪洋浦桥塘山田湖港墩头坑门亭湾岗园源口屿阳丰安宁"


@dataclass(frozen=True)
class Town:
    """One township's plan: its name, branch count, register size per wave and seed."""

    name: str
    branches: int
    rows: tuple[int, ...]  # per wave in WAVES
    seed: int


def township_names(n: int, seed: int) -> list[str]:
    """n distinct township names (镇/乡) that `context_hints.township_from_text` reads back."""
    stems = [a + b for a in _STEM_A for b in _STEM_B if a != b]
    if n > len(stems):
        raise ValueError(f"at most {len(stems)} townships")
    rng = random.Random(seed)
    picked = rng.sample(stems, n)
    return [s + ("乡" if rng.random() < 0.15 else "镇") for s in picked]


def plan(
    total_rows: int, townships: int, *, waves: tuple[str, ...] = WAVES, seed: int = 0
) -> list[Town]:
    """Townships whose registers over all waves add up to exactly `total_rows`; sizes are
    log-normal (a few large market towns, many small ones)."""
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 0.8, townships)
    growth = np.asarray(WAVE_GROWTH[: len(waves)])
    cells = np.outer(weights / weights.sum(), growth / growth.sum()) * total_rows
    rows = np.maximum(np.floor(cells).astype(np.int64), 1)
    short = total_rows - int(rows.sum())
    order = np.argsort(-(cells - np.floor(cells)), axis=None)  # largest remainders first
    flat = rows.reshape(-1)
    flat[order[: max(short, 0)]] += 1
    if short < 0:  # only when there are more cells than rows; trim the largest
        for i in np.argsort(-flat)[:-short]:
            flat[i] -= 1
    # Sorted by name, so a chunk of consecutive townships covers one name range and the
    # warehouse's zone maps let a chunk's duplicate check skip everyone else's rows.
    names = sorted(township_names(townships, seed))
    return [
        Town(
            name,
            int(np.clip(rows[i, 0] // 60, 3, 80)),
            tuple(int(r) for r in rows[i]),
            seed * 100_003 + i,
        )
        for i, name in enumerate(names)
    ]


def _places() -> tuple[list[str], list[str], list[list[str]], np.ndarray]:
    """Destination texts, their scopes, inflow-organisation choices and draw weights."""
    texts, scopes, orgs, weights = [], [], [], []
    rng = random.Random(0)
    in_county = [t for t in COUNTY_TOWNS]
    for i, town in enumerate(in_county):  # the county seat draws most in-county movers
        place = Place(HOME_PROVINCE, HOME_CITY, HOME_COUNTY, town)
        texts.append(f"苍南县{town}" if i % 2 else place.full)
        scopes.append("县内")
        orgs.append([people.inflow_org_for(place, rng)])
        weights.append(0.46 * (0.4 if town == "灵溪镇" else 0.6 / (len(in_county) - 1)))
    for scope, share in (("市内跨县", 0.15), ("省内跨市", 0.12), ("跨省", 0.20)):
        listed = people.OUTSIDE_COUNTY[scope]
        total = sum(w for _, w in listed)
        for place, w in listed:
            texts.append(place.full)
            scopes.append(scope)
            orgs.append([people.inflow_org_for(place, random.Random(k)) for k in range(3)])
            weights.append(share * w / total)
    tail = np.arange(1, len(_TAIL) + 1, dtype=float) ** -1.1  # Zipf over the other provinces
    for (province, city, county), w in zip(_TAIL, tail / tail.sum(), strict=True):
        place = Place(province, city, county)
        texts.append(place.full)
        scopes.append("跨省")
        orgs.append([f"{city}温州商会党委", f"{city}{county}流动党员党支部"])
        weights.append(0.04 * w)
    texts.append("")  # no destination given: scope 未知
    scopes.append("")
    orgs.append([""])
    weights.append(0.03)
    w = np.asarray(weights)
    return texts, scopes, orgs, w / w.sum()


PLACES = _places()
_SURNAMES = np.array(list(people._SURNAMES))
_MALE = np.array(list(people._MALE))
_FEMALE = np.array(list(people._FEMALE))
_PHONE_PREFIX = np.array(people._MOBILE)
_OCCUPATIONS = np.array(people.OCCUPATIONS, dtype=object)
_ENTERPRISES = [
    ("苍南县" + people._ENTERPRISE_FORMS[industry].format(b=brand), industry)
    for industry in people.INDUSTRIES
    for brand in people._BRANDS
]
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))
_EPOCH = date(1970, 1, 1)


def _day(d: date) -> int:
    return (d - _EPOCH).days


_DATES: dict[int, date] = {}


def _as_dates(days: np.ndarray) -> np.ndarray:
    """Day numbers → `datetime.date` objects, one object per distinct day."""
    uniq, inv = np.unique(days, return_inverse=True)
    objs = np.array(
        [_DATES.get(d) or _DATES.setdefault(d, _EPOCH + timedelta(days=d)) for d in uniq.tolist()],
        dtype=object,
    )
    return objs[inv]


_TEXTS: dict[tuple[str, int], str] = {}


def _formatted(days: np.ndarray, fmt: str) -> np.ndarray:
    """Day numbers → text as typed ("2023.11"), formatted once per distinct day."""
    uniq, inv = np.unique(days, return_inverse=True)
    texts = [
        _TEXTS.get((fmt, d)) or _TEXTS.setdefault((fmt, d), f"{_EPOCH + timedelta(days=d):{fmt}}")
        for d in uniq.tolist()
    ]
    return np.array(texts, dtype=object)[inv]


def _id_numbers(rng: np.random.Generator, n: int, first_birth: int, span: int, male: np.ndarray):
    """Distinct, check-digit-valid 18-character IDs (odd 17th digit for men) and birth days."""
    cell = rng.choice(span * 500, size=n, replace=False)
    birth = first_birth + cell // 500
    seq = 2 * (cell % 500) + male
    ymd = pd.to_datetime(birth, unit="D").strftime("%Y%m%d").to_numpy(dtype=str)
    first17 = np.char.add(np.char.add(people.HOME_CODE, ymd), np.char.zfill(seq.astype(str), 3))
    digits = first17.astype("S17").view(np.uint8).reshape(n, 17) - ord("0")
    check = _ID_CHECK[(digits * _ID_WEIGHTS).sum(axis=1) % 11]
    return np.char.add(first17, check).astype(object), birth


def township_frame(town: Town, waves: tuple[str, ...] = WAVES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(member rows, branch summary rows) of one township over all waves, in raw form."""
    members, totals = _township_arrays(town, waves)
    return _frame(members), _frame(totals)


def _township_arrays(town: Town, waves: tuple[str, ...]) -> tuple[dict, dict]:
    rng = np.random.default_rng(town.seed)
    ends = [people.month_end(*map(int, w.split("-"))) for w in waves]
    # Wave k lists the window [start_k, start_k + rows_k) of the township's people: the
    # front leaves (transferred away), newcomers join at the back.
    starts = [0]
    for k in range(1, len(waves)):
        starts.append(starts[-1] + int(round(CHURN * town.rows[k - 1])))
    n = max(s + r for s, r in zip(starts, town.rows, strict=True))
    entry = np.searchsorted(np.asarray(starts) + np.asarray(town.rows), np.arange(n), side="right")
    entry_end = np.array([_day(e) for e in ends])[np.minimum(entry, len(waves) - 1)]

    male = (rng.random(n) >= 0.35).astype(np.int64)
    first_birth = _day(date(ends[0].year - 66, 1, 1))
    ids, birth = _id_numbers(
        rng, n, first_birth, _day(date(ends[0].year - 22, 12, 31)) - first_birth, male
    )
    surname = _SURNAMES[rng.integers(0, len(_SURNAMES), n)]
    g1 = np.where(
        male == 1, _MALE[rng.integers(0, len(_MALE), n)], _FEMALE[rng.integers(0, len(_FEMALE), n)]
    )
    g2 = np.where(
        male == 1, _MALE[rng.integers(0, len(_MALE), n)], _FEMALE[rng.integers(0, len(_FEMALE), n)]
    )
    g2 = np.where(rng.random(n) < 0.7, g2, "")
    names = np.char.add(np.char.add(surname, g1), g2).astype(object)
    branch_names = people.branch_names(random.Random(town.seed), town.branches, town.name)
    branch_weights = rng.lognormal(0.0, 0.6, town.branches)
    branch = rng.choice(town.branches, n, p=branch_weights / branch_weights.sum())
    texts, scopes, orgs, weights = PLACES
    place = rng.choice(len(texts), n, p=weights)
    org_pick = np.array([orgs[p][k % len(orgs[p])] for p, k in zip(place, rng.integers(0, 3, n), strict=True)],
                        dtype=object)  # fmt: skip
    far = np.isin(np.asarray(scopes, dtype=object)[place], ["跨省", "省内跨市"])
    has_org = (np.asarray(texts, dtype=object)[place] != "") & (
        rng.random(n) < np.where(far, 0.4, 0.2)
    )
    # Away since: up to ~8 years before the census that first lists them, adults only.
    outflow = entry_end - rng.integers(40, 3000, n)
    outflow = np.maximum(outflow, birth + 18 * 366)
    phone = np.char.add(_PHONE_PREFIX[rng.integers(0, len(_PHONE_PREFIX), n)],
                        np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)).astype(object)  # fmt: skip
    occupation = _OCCUPATIONS[rng.integers(0, len(_OCCUPATIONS), n)]
    certificate = np.where(rng.random(n) < 0.75, "是", "否").astype(object)
    enterprise = rng.integers(0, len(_ENTERPRISES), n)
    founds = rng.random(n) < 0.4
    jobs = rng.integers(1, 31, n).astype(float)

    members, totals = [], []
    returned = np.zeros(n, dtype=bool)
    return_day = np.zeros(n, dtype=np.int64)
    lost = rng.random(n) < 0.05
    for k, (wave, end) in enumerate(zip(waves, ends, strict=True)):
        idx = np.arange(starts[k], starts[k] + town.rows[k])
        end_day = _day(end)
        # Some come home between censuses; once home they stay home.
        eligible = ~returned[idx] & (outflow[idx] <= end_day - 120)
        back = eligible & (rng.random(len(idx)) < 0.08)
        chosen = idx[back]
        returned[chosen] = True
        return_day[chosen] = rng.integers(
            np.maximum(outflow[chosen] + 60, end_day - 700), end_day - 5
        )
        flip = rng.random(len(idx))
        lost[idx] = np.where(lost[idx], flip >= 0.5, flip < 0.04) & ~returned[idx]
        at_risk = ~lost[idx] & (rng.random(len(idx)) < 0.05)
        stale = lost[idx] | at_risk
        last = np.where(
            stale,
            end_day - rng.integers(200, 700, len(idx)),
            end_day - rng.integers(12, 150, len(idx)),
        )
        last = np.minimum(np.maximum(last, outflow[idx] + 7), end_day)
        ret = returned[idx]
        last = np.where(ret, np.maximum(last, return_day[idx]), last)
        ent = ret & founds[idx]
        members.append({
            "name": names[idx],
            "gender": np.where(male[idx] == 1, "男", "女").astype(object),
            "birth_date": _formatted(birth[idx], "%Y-%m"),
            "id_number": ids[idx],
            "township": np.full(len(idx), town.name, dtype=object),
            "branch": np.asarray(branch_names, dtype=object)[branch[idx]],
            "census_wave": np.full(len(idx), wave, dtype=object),
            "outflow_date": _formatted(outflow[idx], "%Y.%m"),
            "destination": np.asarray(texts, dtype=object)[place[idx]],
            "stated_flow_scope": np.asarray(scopes, dtype=object)[place[idx]],
            "occupation": occupation[idx],
            "phone": phone[idx],
            "inflow_org": np.where(has_org[idx], org_pick[idx], "").astype(object),
            "has_certificate": certificate[idx],
            "last_contact_date": _as_dates(last),
            "contact_status": np.where(lost[idx], "失联", "正常").astype(object),
            "returned": np.where(ret, "是", "否").astype(object),
            "return_date": np.where(ret, _formatted(np.where(ret, return_day[idx], 0), "%Y-%m-%d"), "").astype(object),
            "enterprise": np.array([_ENTERPRISES[e][0] if f else "" for e, f in zip(enterprise[idx], ent, strict=True)], dtype=object),
            "enterprise_industry": np.array([_ENTERPRISES[e][1] if f else "" for e, f in zip(enterprise[idx], ent, strict=True)], dtype=object),
            "jobs_created": np.where(ent, jobs[idx], np.where(ret, 0.0, np.nan)).astype(object),
            "excel_row": np.arange(2, len(idx) + 2),
            "sheet": np.full(len(idx), f"{town.name}{wave}", dtype=object),
        })  # fmt: skip
        listed = np.bincount(branch[idx], minlength=town.branches)
        party = listed * rng.integers(3, 7, town.branches) + rng.integers(5, 30, town.branches)
        totals.append({
            "branch": np.asarray(branch_names, dtype=object),
            "members_total": party.astype(float).astype(object),
            "sheet": np.full(town.branches, f"{town.name}{wave}支部情况", dtype=object),
            "excel_row": np.arange(3, town.branches + 3),
            "township": np.full(town.branches, town.name, dtype=object),
            "wave": np.full(town.branches, wave, dtype=object),
        })  # fmt: skip
    return _stack(members), _stack(totals)


def _stack(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Object columns, as the layout step produces them (pandas would infer `str`); the
    sheet name is pandas `str` there too."""
    frame = pd.DataFrame({k: pd.Series(v, dtype=v.dtype, copy=False) for k, v in columns.items()})
    frame["sheet"] = frame["sheet"].astype("str")
    if "jobs_created" in frame:  # a blank cell is '' in a sheet, a number otherwise
        jobs = frame["jobs_created"]
        frame["jobs_created"] = jobs.where(jobs.notna(), "")
    return frame


def chunk_frame(
    towns: list[Town], waves: tuple[str, ...] = WAVES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Several townships' registers as one consolidated raw frame (a county-wide return)."""
    parts = [_township_arrays(t, waves) for t in towns]
    return _frame(_stack([p[0] for p in parts])), _frame(_stack([p[1] for p in parts]))


def chunks(towns: list[Town], rows_per_chunk: int) -> list[list[Town]]:
    """Consecutive townships grouped into chunks of about `rows_per_chunk` rows."""
    out, current, size = [], [], 0
    for town in towns:
        current.append(town)
        size += sum(town.rows)
        if size >= rows_per_chunk:
            out.append(current)
            current, size = [], 0
    if current:
        out.append(current)
    return out


# Column headers of the register a township fills in, in the raw frame's field order.
HEADERS = {
    "name": "姓名", "gender": "性别", "birth_date": "出生年月", "id_number": "身份证号", "township": "所属乡镇",
    "branch": "所在党支部", "census_wave": "普查时间", "outflow_date": "流出时间", "destination": "流入地",
    "stated_flow_scope": "流动范围", "occupation": "从事职业", "phone": "联系电话", "inflow_org": "流入地党组织",
    "has_certificate": "是否持流动党员证", "last_contact_date": "最近联系时间", "contact_status": "联系状态",
    "returned": "是否返乡", "return_date": "返乡时间", "enterprise": "创办企业", "enterprise_industry": "创业行业",
    "jobs_created": "带动就业人数",
}  # fmt: skip


def write_workbooks(town: Town, folder: Path, waves: tuple[str, ...] = WAVES) -> list[Path]:
    """One workbook per wave for a township, as it would send them: the register sheet and a
    支部情况 sheet with each branch's 党员总数 (streamed, so memory stays flat)."""
    members, totals = township_frame(town, waves)
    paths = []
    for wave in waves:
        path = Path(folder) / f"{wave}_{town.name}_流动党员普查.xlsx"
        rows = members[members["census_wave"] == wave]
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet("流动党员")
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, list(HEADERS.values()))
        last = list(HEADERS).index("last_contact_date")
        for r, values in enumerate(rows[list(HEADERS)].itertuples(index=False), start=1):
            for c, value in enumerate(values):
                if c == last:
                    sheet.write_datetime(r, c, datetime.combine(value, datetime.min.time()), day)
                elif value != "":
                    sheet.write(r, c, value)
        summary = book.add_worksheet("支部情况")
        summary.write_row(0, 0, ["支部名称", "党员总数"])
        listed = totals[totals["wave"] == wave]
        for r, (branch, total) in enumerate(
            zip(listed["branch"], listed["members_total"], strict=True), start=1
        ):
            summary.write_row(r, 0, [branch, int(total)])
        book.close()
        paths.append(path)
    return paths
