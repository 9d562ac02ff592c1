"""Demo census files: eight townships of 苍南县 over two waves, seeded and offline.

`generate()` writes the files `demo_layouts.file_specs()` describes. The 2022-04
灵溪镇 workbook is the seed census of spec §5 (`EXPECTED_SEED`); the 2023-08 wave lists
mostly the same people (same ID numbers) after a year of returns, new departures and
changes in contact. `manifest()` says, per file, which rows were planted to be
quarantined and what each township-wave should report.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

from pipeline.demo import people
from pipeline.demo.layouts import file_specs
from pipeline.demo.people import Place, make_id_number, random_day
from pipeline.demo.plant import file_rows, finish_plants, stats_of
from pipeline.demo.writer import FileSpec, Row, build_sheets, write_file

DEFAULT_SEED = 20220401
WAVE_END = {"2022-04": date(2022, 4, 30), "2023-08": date(2023, 8, 31)}

EXPECTED_SEED = {
    "file": "2022-04_灵溪镇_流动党员普查.xlsx",
    "township": "灵溪镇",
    "wave": "2022-04",
    "branches": 60,
    "members_total": 957,
    "outflow": 195,
    "scope": {"跨省": 40, "省内跨市": 9, "市内跨县": 14, "县内": 128, "未知": 4},
    "long_term": 38,
    "lost_contact": 9,
    "returnees": 0,
    "enterprises": 0,
    "jobs_created": 0,
    # Beyond the §6 contract, fixed by construction (last contact > 180 days before 2022-04-30).
    "at_risk": 7,
    "dual_managed": 46,
    "two_nots": 14,
    "certificate": 151,
    "rows_loaded": 195,
    "rows_rejected": 0,
}

# (township, branches, outflow rows in 2022-04, of which already returned, she ethnic names)
TOWNSHIPS = [
    ("宜山镇", 8, 85, 4, False),
    ("钱库镇", 9, 100, 8, False),
    ("金乡镇", 5, 62, 3, False),
    ("马站镇", 7, 58, 5, False),
    ("矾山镇", 6, 44, 3, False),
    ("桥墩镇", 6, 52, 4, False),
    ("岱岭畲族乡", 2, 14, 0, True),
]


@dataclass
class Member:
    name: str
    gender: str
    birth: date
    id_number: str
    branch: str
    outflow: date
    place: Place | None
    occupation: str
    phone: str
    inflow_org: str
    certificate: bool
    last_contact: date
    lost: bool
    dues: date
    returned: bool = False
    return_date: date | None = None
    enterprise: str = ""
    industry: str = ""
    jobs: int | None = None
    remark: str = ""


@dataclass
class Township:
    name: str
    branches: list[str]
    totals: dict[str, dict[str, int]]  # wave → branch → 党员总数
    registers: dict[str, list[Member]]  # wave → members listed


class _People:
    """Makes members with IDs unique across the whole demo."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids: set[str] = set()

    def person(self, wave_end: date, she: bool = False) -> tuple[str, str, date, str]:
        rng = self.rng
        female = rng.random() < 0.35
        birth = random_day(rng, date(wave_end.year - 66, 1, 1), date(wave_end.year - 21, 12, 31))
        while (id_number := make_id_number(birth, female, rng)) in self.ids:
            pass
        self.ids.add(id_number)
        return people.make_name(rng, female, she), "女" if female else "男", birth, id_number

    def member(
        self, township: str, branch: str, wave_end: date, *, scope: str | None, long_term: bool,
        lost: bool = False, at_risk: bool = False, inflow: bool | None = None,
        certificate: bool | None = None, she: bool = False,
    ) -> Member:  # fmt: skip
        rng = self.rng
        name, gender, birth, id_number = self.person(wave_end, she)
        year_ago = wave_end - timedelta(days=365)
        # Keep clear of the 365- and 180-day boundaries so month-precision spellings
        # and either reading of "census date" give the same answer.
        if long_term:
            outflow = random_day(
                rng,
                max(birth + timedelta(days=18 * 366), date(2008, 1, 1)),
                year_ago - timedelta(days=30),
            )
        elif lost or at_risk:
            outflow = random_day(rng, year_ago + timedelta(days=32), wave_end - timedelta(days=270))
        else:
            outflow = random_day(rng, year_ago + timedelta(days=32), wave_end - timedelta(days=30))
        stale_end = wave_end - timedelta(days=225)
        if lost or at_risk:
            first = max(
                min(outflow + timedelta(days=20), stale_end), stale_end - timedelta(days=700)
            )
            last = random_day(rng, first, stale_end)
        else:
            last = random_day(
                rng,
                max(outflow + timedelta(days=7), wave_end - timedelta(days=150)),
                wave_end - timedelta(days=12),
            )
        place = people.pick_place(rng, scope, township) if scope else None
        if inflow is None:
            inflow = place is not None and rng.random() < (
                0.4 if scope in ("跨省", "省内跨市") else 0.2
            )
        return Member(
            name, gender, birth, id_number, branch, outflow, place,
            rng.choice(people.OCCUPATIONS), people.make_phone(rng),
            people.inflow_org_for(place, rng) if inflow and place else "",
            rng.random() < 0.75 if certificate is None else certificate,
            last, lost, date(last.year, last.month, 1) if lost else wave_end.replace(day=1) - timedelta(days=rng.choice([0, 1, 32])),
            remark=rng.choice(["", "", "", "", "夫妻同在外", "在外经商", "随子女外出"]),
        )  # fmt: skip


def _split(rng: random.Random, total: int, n: int, low: int) -> list[int]:
    """n positive integers ≥ low summing to total, unevenly like real branches."""
    weights = [rng.uniform(0.5, 2.0) for _ in range(n)]
    counts = [low + int((total - low * n) * w / sum(weights)) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % n] += 1
    return counts


def _seed_township(pp: _People) -> Township:
    rng, end = pp.rng, WAVE_END["2022-04"]
    branches = people.branch_names(rng, 60, "灵溪镇")
    totals = dict(zip(branches, _split(rng, 957, 60, 8), strict=True))
    scopes = [s for s, n in EXPECTED_SEED["scope"].items() for _ in range(n)]
    scopes = [None if s == "未知" else s for s in scopes]
    rng.shuffle(scopes)
    idx = list(range(195))
    long_term = set(rng.sample(idx, 38))
    lost = set(rng.sample(idx, 9))
    at_risk = set(rng.sample([i for i in idx if i not in lost], 7))
    placed = [i for i in idx if scopes[i] is not None]
    stale = sorted((lost | at_risk) & set(placed))
    inflow = set(rng.sample(stale, 2)) | set(
        rng.sample([i for i in placed if i not in lost | at_risk], 44)
    )
    certificate = set(rng.sample(idx, 151))
    slots = [b for b in branches for _ in range(min(totals[b] - 3, 6))]
    rng.shuffle(slots)
    members = [
        pp.member("灵溪镇", slots[i], end, scope=scopes[i], long_term=i in long_term, lost=i in lost,
                  at_risk=i in at_risk, inflow=i in inflow, certificate=i in certificate)
        for i in idx
    ]  # fmt: skip
    return Township("灵溪镇", branches, {"2022-04": totals}, {"2022-04": members})


def _returned(m: Member, rng: random.Random, start: date, end: date) -> None:
    m.returned, m.lost = True, False
    m.return_date = random_day(rng, max(m.outflow + timedelta(days=60), start), end)
    m.last_contact = random_day(rng, m.return_date, end)
    if rng.random() < 0.4:
        m.enterprise, m.industry = people.make_enterprise(rng)
        m.jobs = rng.randint(1, 30)
    else:
        m.jobs = 0 if rng.random() < 0.5 else None


def _plain_township(
    pp: _People, name: str, n_branches: int, n_out: int, n_ret: int, she: bool
) -> Township:
    rng, end = pp.rng, WAVE_END["2022-04"]
    branches = people.branch_names(rng, n_branches, name)
    counts = _split(rng, n_out, n_branches, 1)
    totals = {b: c + rng.randint(8, 40) for b, c in zip(branches, counts, strict=True)}
    members = []
    for branch, count in zip(branches, counts, strict=True):
        for _ in range(count):
            lost = rng.random() < 0.06
            members.append(pp.member(name, branch, end, scope=people.pick_scope(rng), long_term=rng.random() < 0.3,
                                     lost=lost, at_risk=not lost and rng.random() < 0.05, she=she))  # fmt: skip
    rng.shuffle(members)
    for m in members[:n_ret]:
        m.outflow = random_day(rng, date(2014, 1, 1), date(2020, 6, 30))
        _returned(m, rng, date(2019, 1, 1), end - timedelta(days=20))
    return Township(name, branches, {"2022-04": totals}, {"2022-04": members})


def _next_wave(pp: _People, town: Township, she: bool) -> None:
    """2023-08: same people a year on — returns, departures, contact won and lost."""
    rng, end = pp.rng, WAVE_END["2023-08"]
    members: list[Member] = []
    for old in town.registers["2022-04"]:
        m = dataclasses.replace(old)
        roll = rng.random()
        if m.returned:
            if roll < 0.6:
                members.append(m)
            continue
        if roll < 0.03:  # relationship transferred away
            continue
        if roll < 0.13:
            _returned(m, rng, date(2022, 6, 1), date(2023, 7, 31))
        elif m.lost:
            if rng.random() < 0.5:  # regained contact
                m.lost, m.last_contact = False, random_day(rng, date(2023, 5, 1), date(2023, 8, 15))
        elif rng.random() < 0.05:  # newly lost
            m.lost, m.last_contact = True, random_day(rng, date(2022, 8, 1), date(2023, 1, 15))
        elif rng.random() < 0.05:
            m.last_contact = random_day(rng, date(2022, 10, 1), date(2023, 1, 31))
        else:
            m.last_contact = random_day(rng, date(2023, 4, 15), date(2023, 8, 20))
        if not m.returned and rng.random() < 0.06 and m.place is not None:
            m.place = people.pick_place(rng, people.pick_scope(rng) or m.place.scope, town.name)
            m.inflow_org = people.inflow_org_for(m.place, rng) if m.inflow_org else ""
        if rng.random() < 0.03:
            m.phone = people.make_phone(rng)
        if not m.lost:
            m.dues = date(2023, rng.choice([6, 7, 8]), 1)
        members.append(m)
    for _ in range(max(2, len(members) // 12)):  # newly out since the last census
        m = pp.member(town.name, rng.choice(town.branches), end, scope=people.pick_scope(rng),
                      long_term=False, she=she)  # fmt: skip
        m.outflow = random_day(rng, date(2022, 9, 5), date(2023, 7, 20))
        m.last_contact = random_day(rng, max(m.outflow, date(2023, 4, 15)), date(2023, 8, 20))
        members.insert(rng.randrange(len(members) + 1), m)
    town.registers["2023-08"] = members
    town.totals["2023-08"] = {b: max(n + rng.choice([-1, 0, 0, 0, 1, 1]), 1 + sum(m.branch == b for m in members))
                              for b, n in town.totals["2022-04"].items()}  # fmt: skip


def build_population(seed: int = DEFAULT_SEED) -> dict[str, Township]:
    pp = _People(random.Random(seed))
    towns = {"灵溪镇": _seed_township(pp)}
    for name, n_branches, n_out, n_ret, she in TOWNSHIPS:
        towns[name] = _plain_township(pp, name, n_branches, n_out, n_ret, she)
    for name, *_, she in [("灵溪镇", 0, 0, 0, False), *TOWNSHIPS]:
        _next_wave(pp, towns[name], she)
    return towns


def _render(seed: int) -> list[tuple[FileSpec, list[Row], dict[str, int] | None, list]]:
    towns = build_population(seed)
    rng = random.Random(seed + 1)
    pp = _People(rng)
    pp.ids = {m.id_number for t in towns.values() for reg in t.registers.values() for m in reg}
    out = []
    for spec in file_specs():
        town = towns[spec.township]
        rows = file_rows(spec, town, pp)
        totals = town.totals[spec.wave] if spec.summary else None
        if totals and spec.missing_branches:
            gone = set(town.branches[-spec.missing_branches :])
            totals = {b: n for b, n in totals.items() if b not in gone}
        sheets = build_sheets(spec, rows, totals)
        finish_plants(rows, named_sheets=not spec.fmt.startswith("csv"))
        out.append((spec, rows, totals, sheets))
    return out


def generate(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo census files into out_dir; the same seed gives the same bytes."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec, _rows, _totals, sheets in _render(seed):
        end = WAVE_END[spec.wave]
        path = out_dir / spec.name
        write_file(path, spec, sheets, datetime(end.year, end.month, 25, 9, 30))
        paths.append(path)
    return paths


def manifest(seed: int = DEFAULT_SEED) -> dict:
    """Per file: layout, planted bad rows (sheet, Excel row, field, reason), expected counts;
    per township-wave: the figures a correct pipeline should report."""
    files, stats = {}, {}
    for spec, rows, totals, _sheets in _render(seed):
        planted = [r.plant for r in rows if r.plant and r.plant["kind"] != "scope_conflict"]
        warned = [r.plant for r in rows if r.plant and r.plant["kind"] == "scope_conflict"]
        files[spec.name] = {
            "township": spec.township, "wave": spec.wave, "layout": spec.layout,
            "data_rows": len(rows), "rows_loaded": len(rows) - len(planted), "rows_rejected": len(planted),
            "bad_rows": planted, "warnings": warned,
        }  # fmt: skip
        good = [r for r in rows if not r.plant or r.plant["kind"] == "scope_conflict"]
        stats[f"{spec.township}|{spec.wave}"] = stats_of(spec, good, totals, WAVE_END[spec.wave])
    return {"seed": seed, "files": files, "stats": stats}


# ------------------------------------------------------------ benchmark workbook

BENCH_HEADERS = ["序号", "姓名", "性别", "出生年月", "身份证号", "所属乡镇", "所在党支部", "普查时间",
                 "流出时间", "流入地", "流动范围", "从事职业", "联系电话", "流入地党组织", "是否持流动党员证",
                 "最近联系时间", "联系状态", "是否返乡", "返乡时间", "创办企业", "创业行业", "带动就业人数"]  # fmt: skip


def write_census_workbook(
    path: Path, n_rows: int, *, township: str = "灵溪镇", wave: str = "2024-04", seed: int = 0
) -> Path:
    """One large plain-layout register (single header row, every row valid), streamed to disk."""
    path = Path(path)
    rng = random.Random(seed)
    year, month = map(int, wave.split("-"))
    end = people.month_end(year, month)
    pp = _People(rng)
    branches = people.branch_names(rng, min(max(5, n_rows // 40), 300), township)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": datetime(year, month, 1)})
    ws = wb.add_worksheet("流动党员")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, BENCH_HEADERS)
    for i in range(1, n_rows + 1):
        scope = people.pick_scope(rng)
        m = pp.member(township, rng.choice(branches), end, scope=scope, long_term=rng.random() < 0.3,
                      lost=rng.random() < 0.05)  # fmt: skip
        if rng.random() < 0.08 and m.outflow < end - timedelta(days=90):
            _returned(m, rng, m.outflow + timedelta(days=60), end - timedelta(days=5))
        ws.write_row(i, 0, [
            i, m.name, m.gender, f"{m.birth:%Y-%m}", m.id_number, township, m.branch, wave,
            f"{m.outflow:%Y.%m}", m.place.full if m.place else "", m.place.scope if m.place else "",
            m.occupation, m.phone, m.inflow_org, "是" if m.certificate else "否",
        ])  # fmt: skip
        ws.write_datetime(i, 15, datetime.combine(m.last_contact, datetime.min.time()), date_fmt)
        ws.write_row(i, 16, [
            "失联" if m.lost else "正常", "是" if m.returned else "否",
            f"{m.return_date:%Y-%m-%d}" if m.return_date else "", m.enterprise, m.industry,
        ])  # fmt: skip
        if m.jobs is not None:
            ws.write_number(i, 21, m.jobs)
    wb.close()
    return path
