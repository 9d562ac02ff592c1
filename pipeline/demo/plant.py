"""Which rows go into each demo file, the bad ones planted among them, and the
figures the good ones add up to.

A planted row is an extra person (never one of the township's register) with exactly
one defect, so the expected figures are those of the register alone. The exception
is `dup_id`, which repeats a register member later in the file: the first occurrence
counts, the repeat is the reject.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta
from typing import Any

from pipeline.demo import people
from pipeline.demo.writer import MONTH_STYLES, ExcelDate, FileSpec, Row

REASONS = {
    "missing_name": "姓名为空",
    "bad_check": "身份证号校验位错误",
    "id_lost_digits": "身份证号以数字存储，末几位已丢失",
    "dup_id": "同一乡镇同一批次中身份证号重复",
    "future_date": "流出时间晚于普查时间",
    "future_contact": "最近联系时间晚于普查时间",
    "before_1950": "流出时间早于1950年",
    "return_before_outflow": "返乡时间早于流出时间",
    "negative_jobs": "带动就业人数为负数",
    "unknown_vocab": "取值不在可选范围内",
    "scope_conflict": "填写的流动范围与流入地不符（警告，仍入库）",
}
FIELD_OF = {
    "missing_name": "name", "bad_check": "id", "id_lost_digits": "id", "dup_id": "id",
    "future_date": "outflow", "future_contact": "last_contact", "before_1950": "outflow",
    "return_before_outflow": "return_date", "negative_jobs": "jobs", "scope_conflict": "scope",
}  # fmt: skip


def _shown(value: Any) -> str:
    if isinstance(value, ExcelDate):
        return value.value.isoformat()
    if isinstance(value, float):
        return f"{value:.0f}"
    return "" if value is None else str(value)


def _noise(kind: str, spec: FileSpec, town, pp, end: date, branches: list[str]) -> Row:
    rng = pp.rng
    m = pp.member(
        town.name, rng.choice(branches), end, scope=people.pick_scope(rng) or "县内", long_term=True
    )
    row = Row(m)
    fld = FIELD_OF.get(kind, spec.vocab_field)
    if kind == "missing_name":
        m.name = ""
    elif kind == "bad_check":
        m.id_number = people.wrong_check_char(m.id_number)
    elif kind == "id_lost_digits":
        while m.id_number.endswith("X"):
            m = pp.member(town.name, m.branch, end, scope="县内", long_term=True)
            row.member = m
        # What Excel keeps of an 18-digit number: 15 significant digits.
        row.raw["id"] = float(int(m.id_number))
    elif kind == "future_date":
        m.outflow = date(end.year + 8, m.outflow.month, min(m.outflow.day, 28))
    elif kind == "future_contact":
        m.last_contact = date(end.year + 1, 3, 2)
    elif kind == "before_1950":
        m.outflow = date(1921, m.outflow.month, min(m.outflow.day, 28))
    elif kind == "return_before_outflow":
        m.returned, m.lost, m.return_date = True, False, m.outflow - timedelta(days=150)
    elif kind == "negative_jobs":
        m.returned, m.lost = True, False
        m.return_date = people.random_day(
            rng, m.outflow + timedelta(days=60), end - timedelta(days=20)
        )
        m.enterprise, m.industry = people.make_enterprise(rng)
        m.jobs = -3
    elif kind == "unknown_vocab":
        row.raw[fld] = spec.vocab_word
    else:
        raise ValueError(kind)
    if fld not in spec.fields:
        raise ValueError(f"{spec.name}: cannot plant {kind} without a {fld} column")
    return row


def file_rows(spec: FileSpec, town, pp) -> list[Row]:
    """The register of one township-wave as this file lists it, with planted rows."""
    rng, end = pp.rng, _wave_end(spec.wave)
    members = town.registers[spec.wave]
    if spec.missing_branches:
        gone = set(town.branches[-spec.missing_branches :])
        members = [m for m in members if m.branch not in gone]
    if "returned" not in spec.fields:  # a register without return columns lists only those away
        members = [m for m in members if not m.returned]
    rows = [Row(dataclasses.replace(m)) for m in members]
    order = {b: i for i, b in enumerate(town.branches)}
    if spec.order == "shuffle":
        rng.shuffle(rows)
    else:
        rows.sort(key=lambda r: order[r.member.branch])
    present = list(dict.fromkeys(r.member.branch for r in rows))
    for kind in spec.warn:
        row = next(
            r for r in rows[len(rows) // 3 :] if r.member.place and r.member.place.scope == "县内"
        )
        row.raw["scope"] = "跨省"
        row.plant = {
            "kind": kind,
            "field": spec.header_of("scope"),
            "field_key": "scope",
            "reason": REASONS[kind],
        }
    for k, kind in enumerate(spec.bad):
        at = (k + 1) * len(rows) // (len(spec.bad) + 1)
        if kind == "dup_id":
            # Listed a second time, in a later branch when each branch has its own sheet.
            pool = [
                r
                for r in rows[: len(rows) // 2]
                if r.plant is None and (not spec.per_branch or r.member.branch != present[-1])
            ]
            original = rng.choice(pool)
            branch = original.member.branch
            if spec.per_branch:
                branch = rng.choice(present[present.index(branch) + 1 :])
            row = Row(dataclasses.replace(original.member, branch=branch))
            at = rows.index(original) + 1 if not spec.per_branch else len(rows)
        else:
            row = _noise(kind, spec, town, pp, end, present)
        fld = FIELD_OF.get(kind, spec.vocab_field)
        row.plant = {
            "kind": kind,
            "field": spec.header_of(fld),
            "field_key": fld,
            "reason": REASONS[kind],
        }
        if kind == "unknown_vocab":
            row.plant["reason"] = f"{spec.header_of(fld)}{REASONS[kind]}"
        if kind == "dup_id":
            row.plant["twin"] = original
        rows.insert(at, row)
    if spec.order != "shuffle":
        rows.sort(key=lambda r: order[r.member.branch])
    return rows


def finish_plants(rows: list[Row], named_sheets: bool = True) -> None:
    """After layout: the value as written, and for a duplicate the row it repeats.
    A CSV has no sheet names."""
    for row in rows:
        if not row.plant:
            continue
        row.plant["value"] = _shown(row.cells[row.plant.pop("field_key")])
        if not named_sheets:
            row.plant["sheet"] = None
        twin = row.plant.pop("twin", None)
        if twin is not None:
            sheet = twin.where[0] if named_sheets else None
            row.plant["reason"] += f"（与{sheet or ''}第{twin.where[1]}行重复）"
            row.plant["duplicate_of"] = [sheet, twin.where[1]]


def _wave_end(wave: str) -> date:
    year, month = map(int, wave.split("-"))
    return people.month_end(year, month)


def stats_of(spec: FileSpec, rows: list[Row], totals: dict[str, int] | None, end: date) -> dict:
    """The §6 figures for one township-wave, from the rows that should load.

    A stated 流动范围 counts over the one derived from the destination (spec §2:
    derived only when absent); a contradiction is only a warning."""
    seen: set[str] = set()
    unique = [r for r in rows if not (r.member.id_number in seen or seen.add(r.member.id_number))]
    outflow = [r for r in unique if not r.member.returned]
    back = [r.member for r in unique if r.member.returned]

    def month(d: date) -> date:
        return d.replace(day=1) if spec.outflow_style in MONTH_STYLES else d

    def scope(r: Row) -> str:
        place = r.member.place
        return r.raw.get("scope") or (place.scope if place else "未知")

    return {
        "members_total": sum(totals.values()) if totals else None,
        "outflow": len(outflow),
        "scope": dict(Counter(scope(r) for r in outflow)),
        "long_term": sum((end - month(r.member.outflow)).days >= 365 for r in outflow),
        "lost_contact": sum(r.member.lost for r in outflow),
        "returnees": len(back),
        "enterprises": sum(bool(m.enterprise) for m in back) if "enterprise" in spec.fields else 0,
        "jobs_created": sum(m.jobs or 0 for m in back) if "jobs" in spec.fields else 0,
    }
