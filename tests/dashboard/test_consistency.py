"""One truth for every figure (issue #15): every page of the app (AppTest) and the Word report,
rendered on the same warehouse, show the same number for the same figure, and that number is
an independent count over the member rows made here in the test, for the county and for a
township account, on the shared samples and on the demo census.

The independent count reads `members`, `units`, `branch_totals` and the header maps in
`source_files` with pandas and applies spec §5 directly: it shares no SQL with the marts.
"""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pandas as pd
import pytest
from app_session import app_as, make_user
from conftest import SAMPLES
from docx import Document

from pipeline.demo.census import generate
from pipeline.ingest.batch import ingest_paths
from pipeline.reports.word import build_report
from pipeline.warehouse import store as warehouse

UNREPORTED = "未填报"
BRANCH_NONE = "未注明支部"
# fields whose blank cell is no answer: a column blank in a whole file was not reported
VALUE_FIELDS = ("outflow_date", "contact_status", "last_contact_date", "has_certificate")
# figure → register fields that must be carried (any one of a tuple's alternatives)
NEEDS = {
    "long_term": [("outflow_date",)],
    "lost_contact": [("contact_status", "lost_flag")],
    "at_risk": [("last_contact_date",)],
    "dual_managed": [("inflow_org",)],
    "two_nots": [("inflow_org",), ("last_contact_date",)],
    "certified": [("has_certificate",)],
}


# ------------------------------------------------------------------ independent count


def _pct(num, den) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    if num is None or not den:
        return "—"
    value = (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:.2f}%"


def _unit_fields(con) -> dict[tuple, set[str]]:
    """(wave, township, branch) → the canonical fields its registers carried."""
    units = con.execute("select wave, township, branch, file_hash from units where is_current").df()
    files = dict(con.execute("select file_hash, header_map from source_files").fetchall())
    members = con.execute(
        "select wave, township, branch, file_hash, sheet, outflow_date, contact_status,"
        " last_contact_date, inflow_org, has_certificate from members where is_current"
    ).df()
    out: dict[tuple, set[str]] = {}
    for u in units.itertuples():
        entries = json.loads(files.get(u.file_hash) or "[]") or []
        branch = (u.branch or "").strip() or BRANCH_NONE
        key = (u.wave, u.township, branch)
        if entries:
            mine = members[
                (members.file_hash == u.file_hash)
                & (members.wave == u.wave)
                & (members.township == u.township)
                & (members.branch.fillna("") == (u.branch or ""))
            ]
            sheets = set(mine.sheet)
            own = [e for e in entries if e["sheet"] in sheets] or entries
            fields = {e["field"] for e in own}
            # a column nobody filled in anywhere in the file was not reported (流入地党组织
            # excepted: a blank there says "none")
            rows = members[members.file_hash == u.file_hash]
            blank = {c for c in VALUE_FIELDS if not rows[c].notna().any()}
            fields = {
                f for f in fields if (f if f != "lost_flag" else "contact_status") not in blank
            }
        else:
            rows = members[members.file_hash == u.file_hash]
            fields = {c for c in VALUE_FIELDS if rows[c].notna().any()}
            if rows.inflow_org.fillna("").str.strip().ne("").any():
                fields.add("inflow_org")
        out[key] = out.get(key, set()) | fields
    return out


def independent(con, wave: str, township: str | None) -> dict:
    """Every figure for the view, and per unit (township, or branch for one township)."""
    m = con.execute("select * from members where is_current").df()
    m = m[m.wave == wave]
    if township:
        m = m[m.township == township]
    m = m.assign(branch=m.branch.fillna("").str.strip().replace("", BRANCH_NONE))
    carried = _unit_fields(con)
    end = pd.Timestamp(wave + "-01") + pd.offsets.MonthEnd(0)
    out = ~m.is_returned.fillna(False).astype(bool)
    days_out = (end - pd.to_datetime(m.outflow_date)).dt.days
    days_quiet = (end - pd.to_datetime(m.last_contact_date)).dt.days
    lost = out & (m.contact_status == "失联")
    stale = out & (m.last_contact_date.isna() | (days_quiet > 180))
    org = m.inflow_org.fillna("").str.strip() != ""
    flags = pd.DataFrame(
        {
            "unit": m.branch if township else m.township,
            "outflow": out,
            "long_term": out & m.outflow_date.notna() & (days_out >= 365),
            "lost_contact": lost,
            "at_risk": stale & ~lost,
            "dual_managed": out & org,
            "two_nots": stale & ~org,
            "certified": out & m.has_certificate.fillna(False).astype(bool),
            "returnees": ~out,
        }
    )
    keys = list(zip(m.wave, m.township, m.branch, strict=True))

    def reported(fig: str) -> pd.Series:
        ok = [all(any(f in carried.get(k, set()) for f in alt) for alt in NEEDS[fig]) for k in keys]
        return pd.Series(ok, index=m.index)

    # partition of the follow-up list, each person once
    rep_lost, rep_two, rep_stale = (
        reported("lost_contact"),
        reported("two_nots"),
        reported("at_risk"),
    )
    first_lost = lost & rep_lost
    first_two = ~first_lost & flags.two_nots & rep_two
    first_stale = ~first_lost & ~first_two & stale & rep_stale
    figures: dict = {"outflow": int(out.sum()), "returnees": int((~out).sum())}
    per_unit: dict = {"outflow": flags.groupby("unit")["outflow"].sum().astype(int).to_dict()}
    for fig in NEEDS:
        rep = reported(fig)
        if rep.any():
            figures[fig] = int((flags[fig] & rep).sum())
            figures[fig + "_base"] = int((out & rep).sum())
        else:
            figures[fig], figures[fig + "_base"] = None, None
        by = flags.assign(hit=flags[fig] & rep, rep=rep).groupby("unit")
        per_unit[fig] = {u: (int(g.hit.sum()) if g.rep.any() else None) for u, g in by}
    figures["primary_lost"] = int(first_lost.sum()) if rep_lost.any() else None
    figures["primary_two_nots"] = int(first_two.sum()) if rep_two.any() else None
    figures["primary_stale"] = int(first_stale.sum()) if rep_stale.any() else None
    figures["follow_up"] = int((first_lost | first_two | first_stale).sum())
    for fig, rate in (
        ("lost_contact", "失联率"),
        ("certified", "持证率"),
        ("dual_managed", "双重管理"),
    ):
        n = figures[fig]
        figures[rate] = UNREPORTED if n is None else _pct(n, figures[fig + "_base"])
    totals = con.execute(
        "select township, coalesce(nullif(trim(branch), ''), ?) as branch, members_total as n"
        " from branch_totals where is_current and wave = ?",
        [BRANCH_NONE, wave],
    ).df()
    if township:
        totals = totals[totals.township == township]
    # a branch's outflow counts when the summary gives its total; a register naming no branch
    # counts whole when its township gave a summary
    with_total = set(zip(totals.township, totals.branch, strict=True))
    summarised = set(totals.township)
    counts = [
        (t, b) in with_total or (b == BRANCH_NONE and t in summarised)
        for t, b in zip(m.township, m.branch, strict=True)
    ]
    counted = int((out & pd.Series(counts, index=m.index, dtype=bool)).sum())
    figures["流出党员占比"] = _pct(counted, int(totals.n.sum())) if len(totals) else "—"
    return {"figures": figures, "per_unit": per_unit}


# ------------------------------------------------------------------ surfaces


def _text_of(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    return "\n".join(parts)


def _metrics(at) -> dict[str, str]:
    return {re.sub(r"（.*?填报）$", "", m.label): m.value for m in at.metric}


def _figure(at, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return json.loads(chart.proto.spec)


def _bars(fig: dict, name_start: str | None = None) -> dict[str, float | None]:
    """unit → value of the first bar trace (or the one whose name starts with name_start)."""
    for trace in fig["data"]:
        if trace.get("type") != "bar":
            continue
        if name_start and not str(trace.get("name", "")).startswith(name_start):
            continue
        horizontal = trace.get("orientation") == "h"
        units = trace["y"] if horizontal else trace["x"]
        values = trace["x"] if horizontal else trace["y"]
        if isinstance(values, dict):  # plotly's typed-array encoding
            import base64

            import numpy as np

            values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
        # vertical bars wrap long unit names over lines (<br>): the unit is the name itself
        return {
            str(u).replace("<br>", ""): (None if v is None or v != v else float(v))
            for u, v in zip(units, list(values), strict=True)
        }
    raise AssertionError(f"no bar trace {name_start!r}")


def _count(text: str, pattern: str) -> int | str | None:
    """The number after `pattern` in text (or 未填报), None when the phrase is absent."""
    found = re.search(pattern + r"(\d+|未填报)", text)
    if not found:
        return None
    return found.group(1) if found.group(1) == UNREPORTED else int(found.group(1))


def _shown(n) -> int | str:
    return UNREPORTED if n is None else n


def app_surfaces(at, wave: str) -> dict[str, dict]:
    """Figures as each app surface shows them: {surface: {figure: value}}."""
    at.selectbox(key="filter_wave").select(wave).run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    cards = _metrics(at)
    summary = next(m.value for m in at.markdown if "现有流出党员" in m.value)
    surfaces = {
        "总览卡片": {
            "outflow": int(cards["流出党员"].split()[0].replace(",", "")),
            "returnees": int(cards["返乡党员"].split()[0].replace(",", "")),
            "失联率": cards["失联率"],
            "持证率": cards["持证率"],
            "双重管理": cards["双重管理占比"],
            "流出党员占比": cards["流出党员占比"],
        },
        "总览摘要": {
            "outflow": _count(summary, "现有流出党员"),
            "lost_contact": _count(summary, "失联党员"),
            "at_risk": _count(summary, "失联风险党员"),
            "two_nots": _count(summary, "“两不管”党员"),
            "dual_managed": _count(summary, "双重管理"),
            "certified": _count(summary, "持流动党员活动证"),
            "long_term": _count(summary, r"长期在外（一年以上）党员"),
        },
        "总览图表": {"outflow_units": _bars(_figure(at, "overview_units"))},
    }
    rate = re.search(r"失联率(\d+\.\d+%)", summary)
    if rate:
        surfaces["总览摘要"]["失联率"] = rate.group(1)
    cert = re.search(r"持证率(\d+\.\d+%)", summary)
    if cert:
        surfaces["总览摘要"]["持证率"] = cert.group(1)
    at.switch_page("app_pages/lost_contact.py").run()
    assert not at.exception, [e.value for e in at.exception]
    risk = _figure(at, "lost_risk")
    cards = _metrics(at)
    surfaces["失联页"] = {
        "primary_lost": cards.get("跟进原因：失联"),
        "primary_two_nots": cards.get("跟进原因：两不管"),
        "primary_stale": cards.get("跟进原因：超180天未联系"),
        "partition_label": "按首要原因归类，每人只计一次" in _text_of(at),
    }
    if not risk["layout"].get("annotations") or "没有失联" not in str(risk["layout"]):
        surfaces["失联页图表"] = {
            "lost_contact": _bars(risk, "失联"),
            "at_risk": _bars(risk, "失联风险"),
            "two_nots": _bars(risk, "“两不管”"),
        }
    at.switch_page("app_pages/flows.py").run()
    assert not at.exception, [e.value for e in at.exception]
    surfaces["流向页图表"] = {"long_term": _bars(_figure(at, "flows_long_term"), "长期在外")}
    at.switch_page("app_pages/returnees.py").run()
    assert not at.exception, [e.value for e in at.exception]
    surfaces["返乡页"] = {"returnees": _metrics(at)["返乡党员"]}
    for page in ("app_pages/quality.py", "app_pages/submissions.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
    return surfaces


def report_surface(db, wave: str, township: str | None) -> dict:
    doc = Document(io.BytesIO(build_report(db, wave, township)))
    text = "\n".join(p.text for p in doc.paragraphs)
    figures = {
        "outflow": _count(text, "现有流出党员"),
        "lost_contact": _count(text, "失联党员"),
        "at_risk": _count(text, "尚未列为失联的党员"),
        "two_nots": _count(text, "“两不管”党员"),
        "dual_managed": _count(text, "双重管理"),
        "certified": _count(text, "持《流动党员活动证》"),
        "long_term": _count(text, r"长期在外（外出满一年）党员"),
        "统计时点": f"统计时点：{int(wave[:4])}年{int(wave[5:])}月普查" in text,
    }
    for word, key in (("失联率", "失联率"), ("持证率", "持证率")):
        found = re.search(word + r"(\d+\.\d+%|未填报)", text)
        if found:
            figures[key] = found.group(1)
    return figures


# ------------------------------------------------------------------ the checks


def _check(view: dict, surfaces: dict[str, dict], report: dict) -> None:
    want = view["figures"]
    problems = []

    def same(where: str, key: str, got) -> None:
        expected = want[key]
        if key in ("失联率", "持证率", "双重管理", "流出党员占比"):
            expected = expected
        elif isinstance(got, str) and got.endswith(" 人"):
            got = int(got.split()[0].replace(",", ""))
        else:
            expected = _shown(expected)
        if got != expected:
            problems.append(f"{where} {key}: {got!r} ≠ 独立计数 {expected!r}")

    charts = ("总览图表", "失联页图表", "流向页图表")
    for where, figures in [*surfaces.items(), ("Word报告", report)]:
        if where in charts:
            continue
        for key, got in figures.items():
            if key in want and got is not None:
                same(where, key, got)
    # per unit: every bar of every chart
    for where in charts:
        for key, bars in surfaces.get(where, {}).items():
            fig = "outflow" if key == "outflow_units" else key
            for unit, value in bars.items():
                expected = view["per_unit"][fig].get(unit)
                got = None if value is None else int(value)
                if got != expected:
                    problems.append(f"{where} {fig} {unit}: {got!r} ≠ 独立计数 {expected!r}")
    assert report["统计时点"], "报告没有写明统计时点"
    assert surfaces["失联页"]["partition_label"], "跟进卡片没有写明按首要原因归类"
    # the partition's parts: 失联 first, so its part is the 失联 count itself
    assert want["primary_lost"] == want["lost_contact"]
    assert not problems, "\n".join(problems)


FULL = ["姓名", "所在党支部", "流出时间", "流入地", "联系状态", "最近联系时间", "流入地党组织",
        "是否持流动党员证", "是否返乡"]  # fmt: skip


def _register(path, title: str, head: list[str], rows: list[dict], totals=None) -> None:
    """A register as a township writes it (openpyxl), with a 支部情况 sheet when given."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "流动党员"
    sheet.append([title])
    sheet.append(head)
    for row in rows:
        sheet.append([row.get(h) for h in head])
    if totals:
        summary = book.create_sheet("支部情况")
        summary.append(["支部名称", "党员总数"])
        for branch, n in totals.items():
            summary.append([branch, n])
    book.save(path)


def _person(i: int, branch: str, wave: str, **values) -> dict:
    quiet = "2022-12-01" if wave == "2023-08" else "2021-06-01"
    row = {"姓名": f"{branch[:2]}{i}号", "所在党支部": branch, "流入地": "浙江省杭州市西湖区",
           "流出时间": "2021-01" if i % 3 else "2023-05", "联系状态": "失联" if i % 4 == 0 else "正常",
           "最近联系时间": quiet if i % 5 == 0 else "2022-03-01", "流入地党组织": "杭州某支部" if i % 2 else None,
           "是否持流动党员证": "是" if i % 3 else "否", "是否返乡": "否"}  # fmt: skip
    if wave == "2022-04":
        row["流出时间"] = "2020-01"
    return row | values


def lacking_registers(folder) -> None:
    """Registers that lack what §5 needs: 藻溪镇's 二支部 (its own file) has no 流出时间,
    联系状态 or 最近联系时间 and is missing from the 支部情况 sheet of 一支部's file; 赤溪镇 has
    no 联系状态 column; 望里镇 left 联系状态 and 是否持流动党员证 blank in every row; 炎亭镇
    reported in 2022-04 only."""
    folder.mkdir(parents=True, exist_ok=True)
    one, two = "藻溪第一党支部", "藻溪第二党支部"
    _register(folder / "藻溪镇_2023-08_一支部.xlsx", "藻溪镇普查表（2023年8月）", FULL,
              [_person(i, one, "2023-08") for i in range(1, 13)], totals={one: 60})  # fmt: skip
    lean = [h for h in FULL if h not in ("流出时间", "联系状态", "最近联系时间")]
    _register(folder / "藻溪镇_2023-08_二支部.xlsx", "藻溪镇普查表（2023年8月）", lean,
              [_person(i, two, "2023-08") for i in range(20, 27)])  # fmt: skip
    _register(folder / "藻溪镇_2022-04_一支部.xlsx", "藻溪镇普查表（2022年4月）", FULL,
              [_person(i, one, "2022-04") for i in range(1, 10)], totals={one: 58})  # fmt: skip
    no_status = [h for h in FULL if h != "联系状态"]
    rows = [
        _person(i, "赤溪第一党支部" if i % 2 else "赤溪第二党支部", "2023-08") for i in range(9)
    ]
    _register(folder / "赤溪镇_2023-08_普查.xlsx", "赤溪镇普查表（2023年8月）", no_status, rows,
              totals={"赤溪第一党支部": 30, "赤溪第二党支部": 25})  # fmt: skip
    rows = [
        _person(i, "望里党支部", "2023-08", 联系状态=None, 是否持流动党员证=None) for i in range(7)
    ]
    _register(folder / "望里镇_2023-08_普查.xlsx", "望里镇普查表（2023年8月）", FULL, rows)
    rows = [_person(i, "炎亭党支部", "2022-04") for i in range(5)]
    _register(folder / "炎亭镇_2022-04_普查.xlsx", "炎亭镇普查表（2022年4月）", FULL, rows)


def _warehouse(tmp_path_factory, which: str):
    folder = tmp_path_factory.mktemp(f"one_truth_{which}")
    if which == "samples":
        if not SAMPLES.exists():
            pytest.skip("../shared/samples is not beside this checkout")
        source = SAMPLES
    elif which == "lacking":
        source = folder / "raw"
        lacking_registers(source)
    else:
        source = folder / "raw"
        generate(source)
    db = folder / "census.duckdb"
    ingest_paths([source], db=db)
    return db


# (warehouse, account township or None for the county, wave)
VIEWS = [
    ("samples", None, "2022-04"),
    ("samples", "xx镇", "2023-08"),
    ("demo", None, "2023-08"),
    ("demo", "钱库镇", "2023-08"),
    ("demo", "马站镇", "2022-04"),
    ("lacking", None, "2023-08"),
    ("lacking", "藻溪镇", "2023-08"),
]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    built = {}

    def get(which: str):
        if which not in built:
            built[which] = _warehouse(tmp_path_factory, which)
        return built[which]

    return get


@pytest.mark.parametrize(("which", "township", "wave"), VIEWS)
def test_every_surface_shows_the_independent_count(warehouses, which, township, wave, monkeypatch):
    db = warehouses(which)
    monkeypatch.setenv("CENSUS_DB", str(db))
    user = make_user("tw1", "township", township) if township else make_user("county1", "county")
    at = app_as(user)
    surfaces = app_surfaces(at, wave)
    report = report_surface(db, wave, township)
    con = warehouse.connect_readonly(db)
    try:
        view = independent(con, wave, township)
    finally:
        con.close()
    _check(view, surfaces, report)
