"""The demo generator: what it writes, read back from the files themselves.

Figures are recomputed from the written cells (python-calamine / csv) with rules
written here, not taken from the generator's own plan, so a generator bug shows.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from pipeline.demo import census as demo

CANGNAN_TOWNSHIPS = [
    "灵溪镇", "宜山镇", "钱库镇", "金乡镇", "马站镇", "矾山镇", "桥墩镇", "藻溪镇", "赤溪镇",
    "望里镇", "霞关镇", "炎亭镇", "大渔镇", "莒溪镇", "南宋镇", "沿浦镇", "凤阳畲族乡", "岱岭畲族乡",
]  # fmt: skip
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def check_ok(id_number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(id_number[:17], WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == id_number[17].upper()


def read_book(path: Path) -> dict[str | None, list[list]]:
    """Sheet name → rows of cells, as an analyst's tools see them (CSV: one nameless sheet)."""
    if path.suffix == ".csv":
        import csv
        import io

        data = path.read_bytes()
        text = (
            data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("gb18030")
        )
        return {None: [list(r) for r in csv.reader(io.StringIO(text))]}
    book = CalamineWorkbook.from_path(str(path))
    return {
        name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in book.sheet_names
    }


def header_index(rows: list[list]) -> int:
    return next(i for i, r in enumerate(rows) if any(str(c).replace(" ", "") == "姓名" for c in r))


def col(header_row: list, *names: str) -> int | None:
    cleaned = [str(c).strip().replace(" ", "") for c in header_row]
    return next((i for i, c in enumerate(cleaned) if c in names), None)


def text(value) -> str:
    if isinstance(value, float):
        return f"{value:.0f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> list[Path]:
    return demo.generate(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def plan() -> dict:
    return demo.manifest()


@pytest.fixture(scope="module")
def books(demo_files) -> dict[str, dict]:
    return {p.name: read_book(p) for p in demo_files}


def test_townships_and_waves_covered(demo_files):
    assert all(p.exists() and p.stat().st_size > 0 for p in demo_files)
    waves: dict[str, set[str]] = {}
    for p in demo_files:
        town = next(t for t in CANGNAN_TOWNSHIPS if t in p.name)
        year, month = re.search(r"(20\d\d)[-年.](\d{1,2})", p.name).groups()
        waves.setdefault(town, set()).add(f"{year}-{int(month):02d}")
    full = [t for t, w in waves.items() if w >= {"2022-04", "2023-08"}]
    assert len(full) >= 6, waves
    assert {p.suffix for p in demo_files} == {".xlsx", ".xls", ".csv"}
    assert len({p.name for p in demo_files}) == len(demo_files)


def test_csv_encodings(demo_files):
    csvs = {p.name: p.read_bytes() for p in demo_files if p.suffix == ".csv"}
    with_bom = [n for n, b in csvs.items() if b.startswith(b"\xef\xbb\xbf")]
    gb = [n for n, b in csvs.items() if not b.startswith(b"\xef\xbb\xbf")]
    assert with_bom and gb
    for name in gb:
        with pytest.raises(UnicodeDecodeError):
            csvs[name].decode("utf-8")
        assert "姓名" in csvs[name].decode("gb18030")


def test_ids_valid_except_planted(books, plan):
    bad, lost_digits, good = set(), set(), 0
    for name, book in books.items():
        for sheet, rows in book.items():
            if sheet == "支部情况":
                continue
            head = header_index(rows)
            hdr = rows[head]
            gender_col = col(hdr, "性别", "性別")
            birth_col = col(hdr, "出生年月")
            for r in rows[head + 1 :]:
                for value in r:
                    if isinstance(value, float) and value > 1e17:
                        lost_digits.add((name, f"{value:.0f}"))
                    if not (isinstance(value, str) and ID_LIKE.match(value)):
                        continue
                    if not check_ok(value):
                        bad.add((name, value))
                        continue
                    good += 1
                    assert value.startswith("330327")
                    born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
                    assert date(1950, 1, 1) < born < date(2005, 1, 1)
                    if gender_col is not None:
                        assert r[gender_col] == ("男" if int(value[16]) % 2 else "女"), (
                            name,
                            value,
                        )
                    if birth_col is not None:
                        year, month = map(int, re.findall(r"\d+", str(r[birth_col]))[:2])
                        assert (year, month) == (born.year, born.month), (name, value)
    planted = {
        kind: {(f, b["value"]) for f, d in plan["files"].items() for b in d["bad_rows"] if b["kind"] == kind}
        for kind in ("bad_check", "id_lost_digits")
    }  # fmt: skip
    assert good > 1000
    assert bad == planted["bad_check"] and bad
    assert lost_digits == planted["id_lost_digits"] and lost_digits


def test_deterministic(demo_files, tmp_path):
    again = demo.generate(tmp_path / "again")
    assert [p.name for p in again] == [p.name for p in demo_files]
    for a, b in zip(demo_files, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = demo.generate(tmp_path / "other", seed=7)
    assert other[0].read_bytes() != demo_files[0].read_bytes()


def _seed_rows(books):
    rows = books[demo.EXPECTED_SEED["file"]]["流动党员"]
    head = header_index(rows)
    hdr, sub = rows[head], rows[head + 1]
    data = [
        r for r in rows[head + 2 :] if isinstance(r[0], float) and str(r[col(hdr, "姓名")]).strip()
    ]
    return hdr, sub, data, rows


def test_seed_layout_and_figures(books):
    exp = demo.EXPECTED_SEED
    hdr, sub, data, rows = _seed_rows(books)
    assert "普查时间：2022年4月" in rows[1][0] and exp["township"] in rows[0][0]
    assert [sub[i] for i in range(len(sub)) if sub[i]] == ["省", "市", "县(区)"]
    assert len(data) == exp["outflow"] == exp["rows_loaded"]
    summary = books[exp["file"]]["支部情况"]
    branches = {r[0]: int(r[1]) for r in summary[1:] if r[0] != "合计"}
    assert len(branches) == exp["branches"] and sum(branches.values()) == exp["members_total"]
    assert summary[-1] == ["合计", exp["members_total"]]

    c = {
        k: col(hdr, k)
        for k in (
            "身份证号",
            "所在党支部",
            "流出时间",
            "联系状态",
            "最近联系时间",
            "流入地党组织",
            "是否持流动党员证",
        )
    }
    prov = col(hdr, "流入地")
    per_branch = Counter(r[c["所在党支部"]] for r in data)
    assert all(b in branches and n <= branches[b] for b, n in per_branch.items())
    assert len({r[c["身份证号"]] for r in data}) == len(data)

    def scope(r) -> str:
        p, city, county = r[prov], r[prov + 1], r[prov + 2]
        if not p:
            return "未知"
        if p != "浙江省":
            return "跨省"
        if city != "温州市":
            return "省内跨市"
        return "县内" if county == "苍南县" else "市内跨县"

    end = date(2022, 4, 30)
    out_dates = [date(*map(int, r[c["流出时间"]].split(".")), 1) for r in data]
    contact = [date.fromisoformat(r[c["最近联系时间"]]) for r in data]
    lost = [r[c["联系状态"]] == "失联" for r in data]
    inflow = [bool(r[c["流入地党组织"]]) for r in data]
    stale = [(end - d).days > 180 for d in contact]
    assert dict(Counter(scope(r) for r in data)) == exp["scope"]
    assert sum((end - d).days >= 365 for d in out_dates) == exp["long_term"]
    assert sum(lost) == exp["lost_contact"]
    assert sum(s and not x for s, x in zip(stale, lost, strict=True)) == exp["at_risk"]
    assert sum(inflow) == exp["dual_managed"]
    assert sum(s and not i for s, i in zip(stale, inflow, strict=True)) == exp["two_nots"]
    assert sum(r[c["是否持流动党员证"]] == "是" for r in data) == exp["certificate"]
    # No date sits near the 365- or 180-day boundary, so day/month readings agree.
    assert not any(date(2021, 4, 1) <= d < date(2021, 6, 1) for d in out_dates)
    assert not any(date(2021, 9, 20) <= d < date(2021, 12, 1) for d in contact)
    assert rows[-3][0] == "合计" and rows[-1][0].startswith("填表人")


def test_wave_over_wave_transitions(books):
    old = books["2022-04_灵溪镇_流动党员普查.xlsx"]["流动党员"]
    new = books["2023-08_灵溪镇_流动党员普查.xlsx"]["流动党员"]

    def by_id(rows):
        head = header_index(rows)
        hdr = rows[head]
        out = {}
        for r in rows[head + 1 :]:
            rec = {str(h).strip(): v for h, v in zip(hdr, r, strict=True) if str(h).strip()}
            if isinstance(rec.get("身份证号"), str) and rec.get("姓名"):
                out[rec["身份证号"]] = rec
        return out

    a, b = by_id(old), by_id(new)
    same = a.keys() & b.keys()
    assert len(same) >= 0.8 * len(a)
    assert len(b.keys() - a.keys()) >= 5 and len(a.keys() - b.keys()) >= 1
    returned = [i for i in same if b[i]["是否返乡"] == "是"]
    assert len(returned) >= 5
    assert any(b[i]["创办企业"] and b[i]["带动就业人数"] > 0 for i in returned)
    assert any(a[i]["联系状态"] == "失联" and b[i]["联系状态"] == "正常" for i in same)
    assert any(a[i]["联系状态"] == "正常" and b[i]["联系状态"] == "失联" for i in same)
    assert all(a[i]["姓名"] == b[i]["姓名"] for i in same)


def test_planted_rows_are_where_the_manifest_says(books, plan):
    kinds = Counter()
    clean_files = 0
    for name, info in plan["files"].items():
        book = books[name]
        clean_files += not info["bad_rows"]
        assert len(info["bad_rows"]) <= 4
        for bad in info["bad_rows"] + info["warnings"]:
            kinds[bad["kind"]] += 1
            rows = book[bad["sheet"]]
            head = header_index(rows)
            c = col(rows[head], bad["field"].replace(" ", ""))
            row = rows[bad["excel_row"] - 1]
            assert c is not None, (name, bad)
            assert text(row[c]).strip() == bad["value"], (name, bad, row)
            id_col = col(rows[head], "身份证号", "身份證號碼", "身份证号码", "公民身份号码")
            if bad["kind"] == "missing_name":
                assert row[id_col] and not str(row[col(rows[head], "姓名")]).strip()
            if bad["kind"] == "dup_id":
                sheet, excel_row = bad["duplicate_of"]
                twin_rows = book[sheet]
                assert twin_rows[excel_row - 1][id_col] == row[id_col]
    required = {"missing_name", "bad_check", "dup_id", "future_date", "return_before_outflow",
                "unknown_vocab", "negative_jobs"}  # fmt: skip
    assert required <= set(kinds)
    assert clean_files >= 3
    seed = plan["files"][demo.EXPECTED_SEED["file"]]
    assert (seed["rows_loaded"], seed["rows_rejected"]) == (195, 0)


def test_layout_features(demo_files):
    by_name = {p.name: p for p in demo_files}
    seed = CalamineWorkbook.from_path(str(by_name[demo.EXPECTED_SEED["file"]]))
    merges = seed.get_sheet_by_name("流动党员").merged_cell_ranges
    assert ((2, 6), (2, 8)) in merges  # 流入地 over 省 / 市 / 县(区)
    qianku = CalamineWorkbook.from_path(str(by_name["钱库镇流动党员登记表_2022年4月.xlsx"]))
    vertical = [
        m
        for m in qianku.get_sheet_by_name(qianku.sheet_names[0]).merged_cell_ranges
        if m[0][1] == m[1][1] == 1
    ]
    assert len(vertical) >= 3  # 所在党支部 merged down each branch block
    jinxiang = CalamineWorkbook.from_path(str(by_name["金乡镇_2022-04_流动党员登记表.xlsx"]))
    assert all(s.endswith("党支部") or s == "支部情况" for s in jinxiang.sheet_names)
    assert len(jinxiang.sheet_names) >= 4
    assert by_name["马站镇流动党员台账_2023年8月.xls"].read_bytes()[:4] == b"\xd0\xcf\x11\xe0"


def test_make_id_number():
    from pipeline.demo.people import id_check_char

    assert id_check_char("11010519491231002") == "X"  # the GB 11643 worked example
    rng = random.Random(1)
    for female in (True, False):
        value = demo.make_id_number(date(1985, 3, 9), female, rng)
        assert value.startswith("33032719850309") and check_ok(value)
        assert int(value[16]) % 2 == (0 if female else 1)


def test_write_census_workbook(tmp_path):
    a = demo.write_census_workbook(
        tmp_path / "a.xlsx", 300, township="钱库镇", wave="2024-04", seed=3
    )
    b = demo.write_census_workbook(
        tmp_path / "b.xlsx", 300, township="钱库镇", wave="2024-04", seed=3
    )
    assert a.read_bytes() == b.read_bytes()
    rows = read_book(a)["流动党员"]
    hdr = rows[0]
    assert len(rows) == 301
    ids = [r[col(hdr, "身份证号")] for r in rows[1:]]
    assert len(set(ids)) == 300 and all(check_ok(i) for i in ids)
    assert {r[col(hdr, "所属乡镇")] for r in rows[1:]} == {"钱库镇"}
    assert {r[col(hdr, "普查时间")] for r in rows[1:]} == {"2024-04"}
    outflow = [r[col(hdr, "流出时间")] for r in rows[1:]]
    assert max(outflow) <= "2024.04"


def test_manifest_agrees_with_expected_seed(plan):
    exp = demo.EXPECTED_SEED
    got = plan["stats"][f"{exp['township']}|{exp['wave']}"]
    assert {k: got[k] for k in got} == {k: exp[k] for k in got}
    assert len(plan["stats"]) >= 12
