"""Demo rosters and host registers (issue #17), consistent with the demo census, with planted
mismatches whose counts `register_manifest()` states and the tests check.

- 矾山镇 2022-04 党员名册 (its census has no 支部情况 sheet, so the roster gives the branch
  totals): every member of the township, minus two census members left off (不在册), one
  listed under a wrong ID number (matched by name + birth month, weaker), plus two bad rows.
- 上海市温州商会党委 报到名单 2022-04: the census members who name it as their host, minus two
  it does not list (流入地未列名), one under a wrong ID number (weaker), plus two 失联 census
  members it knows (找回) and three members of 矾山镇 no census lists (漏报).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from pipeline.demo import people
from pipeline.demo.census import DEFAULT_SEED, _People, _render, build_population
from pipeline.demo.people import make_id_number

WAVE = "2022-04"
ROSTER_TOWN = "矾山镇"
HOST = "上海市温州商会党委"
ROSTER_FILE = f"{ROSTER_TOWN}党员名册（2022年4月）.xlsx"
HOST_FILE = f"{HOST}流动党员报到名单_2022年4月.xlsx"
ROSTER_HEADER = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "所在党支部",
    "人员类别",
    "入党时间",
    "联系电话",
]
HOST_HEADER = ["序号", "姓名", "性别", "身份证号", "原籍乡镇", "流出地党组织", "报到时间",
               "流入地党组织", "联系电话"]  # fmt: skip


def _loaded(seed: int) -> list:
    """Census members of WAVE whose rows load (no planted error), every township."""
    found = []
    for spec, rows, _totals, _sheets in _render(seed):
        if spec.wave == WAVE:
            found += [(spec.township, r.member) for r in rows if not r.plant or r.plant["kind"] == "scope_conflict"]  # fmt: skip
    return found


def _other_id(m, rng: random.Random) -> str:
    """Another valid ID number with the same birth date and sex (a typing mistake)."""
    while (other := make_id_number(m.birth, m.gender == "女", rng)) == m.id_number:
        pass
    return other


def _plan(seed: int) -> dict:
    rng = random.Random(seed + 17)
    towns = build_population(seed)
    loaded = _loaded(seed)
    pp = _People(rng)
    pp.ids = {m.id_number for t in towns.values() for reg in t.registers.values() for m in reg}

    # --- roster
    town = towns[ROSTER_TOWN]
    census_ids = {m.id_number for t, m in loaded if t == ROSTER_TOWN}
    members = list(town.registers[WAVE])
    in_census = [m for m in members if m.id_number in census_ids]
    left_off = {m.id_number for m in rng.sample(in_census, 2)}
    weak = rng.choice([m for m in in_census if m.id_number not in left_off])
    roster = []  # (name, gender, id, branch, category, joined, phone, plant)
    for m in members:
        if m.id_number in left_off:
            continue
        idn = _other_id(m, rng) if m is weak else m.id_number
        roster.append([m.name, m.gender, idn, m.branch, "正式党员", None, m.phone, None])
    end = date(2022, 4, 30)
    for branch, total in town.totals[WAVE].items():
        listed = sum(1 for m in members if m.branch == branch)
        for _ in range(max(total - listed, 0)):
            name, gender, _birth, idn = pp.person(end)
            category = "预备党员" if rng.random() < 0.05 else "正式党员"
            roster.append([name, gender, idn, branch, category, None, people.make_phone(rng), None])
    for row in roster:
        row[5] = date(rng.randint(1975, 2020), rng.randint(1, 12), 1)
    rng.shuffle(roster)
    fillers = [r for r in roster if r[2] not in census_ids and r[2] not in {weak.id_number}]
    fillers[0][2] = fillers[0][2][:-1] + ("0" if fillers[0][2][-1] != "0" else "1")  # check digit
    fillers[0][7] = "id_number"
    fillers[1][4] = "入党积极分子"
    fillers[1][7] = "member_category"
    roster.sort(key=lambda r: list(town.totals[WAVE]).index(r[3]))

    # --- host register
    out = [(t, m) for t, m in loaded if not m.returned]
    at_host = [(t, m) for t, m in out if m.inflow_org == HOST]
    unlisted = {m.id_number for _t, m in rng.sample(at_host, 2)}
    listed = [(t, m) for t, m in at_host if m.id_number not in unlisted]
    weak_host = rng.choice(listed)[1]
    lost = [(t, m) for t, m in out if m.lost and m.inflow_org != HOST]
    found_again = rng.sample(lost, 2)
    host = []  # name, gender, id, home township, home org, reported, host, phone
    for t, m in [*listed, *found_again]:
        idn = _other_id(m, rng) if m is weak_host else m.id_number
        reported = max(m.outflow, date(2021, 1, 1))
        host.append(
            [m.name, m.gender, idn, t, f"{m.branch}", reported, HOST, people.make_phone(rng)]
        )
    for _ in range(3):
        name, gender, _birth, idn = pp.person(end)
        host.append([name, gender, idn, ROSTER_TOWN, f"{ROSTER_TOWN}党委", date(2021, 9, 1),
                     HOST, people.make_phone(rng)])  # fmt: skip
    rng.shuffle(host)

    roster_totals = Counter(r[3] for r in roster if r[7] is None)
    lost_listed = sum(1 for _t, m in listed if m.lost) + len(found_again)
    expected = {
        "roster_rows_loaded": sum(1 for r in roster if r[7] is None),
        "roster_rows_rejected": 2,
        "host_rows_loaded": len(host),
        "not_on_roster": 2,
        "roster_weak_matches": 1,
        "roster_totals": dict(roster_totals),
        "dual_confirmed": len(listed) + len(found_again),
        "found_again": lost_listed,
        "host_not_listing": 2,
        "missing_at_home": 3,
        "host_weak_matches": 1,
    }
    return {"roster": roster, "host": host, "expected": expected}


def _write(path: Path, title: str, header: list[str], rows: list[list]) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.set_properties({"created": datetime(2022, 4, 25, 9, 30)})
    sheet = book.add_worksheet("名单")
    sheet.write(0, 0, title)
    sheet.write_row(1, 0, header)
    for i, row in enumerate(rows, start=1):
        cells = [i, *[v.strftime("%Y.%m") if isinstance(v, date) else v for v in row]]
        sheet.write_row(i + 1, 0, [c if c is not None else "" for c in cells])
    book.close()


def generate_registers(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo roster and host register into out_dir (same seed, same content)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = _plan(seed)
    roster = [r[:7] for r in plan["roster"]]
    host = plan["host"]
    paths = [out_dir / ROSTER_FILE, out_dir / HOST_FILE]
    _write(paths[0], f"{ROSTER_TOWN}党员名册（截至2022年4月）", ROSTER_HEADER, roster)
    _write(paths[1], f"{HOST}流动党员报到名单（2022年4月）", HOST_HEADER, host)
    return paths


def register_manifest(seed: int = DEFAULT_SEED) -> dict:
    """What a correct pipeline reports after ingesting the demo census and these registers."""
    return {"seed": seed, "wave": WAVE, "roster_township": ROSTER_TOWN, "host": HOST,
            **_plan(seed)["expected"]}  # fmt: skip
