"""No cell value aborts a batch (issue #12, items 8 and 10): out-of-range numbers, NaN/inf,
NUL, control and bidi characters, invisible names, junk phones. Each bad value costs its row
(with a Chinese reason) or is cleaned; the good file beside it loads; the CLI says so in JSON."""

from __future__ import annotations

import json
import os

import pytest

from pipeline.cli.commands import main
from pipeline.ingest.batch import collect_files, ingest_paths
from pipeline.warehouse.store import connect_readonly
from tests.conftest import HEADER, member, valid_id

JOBS = HEADER.index("带动就业人数")
NAME, PHONE = HEADER.index("姓名"), HEADER.index("联系电话")


def _rows(db, sql: str) -> list[tuple]:
    con = connect_readonly(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _batch(tmp_path, write_xlsx, bad_row: list) -> tuple:
    folder = tmp_path / "in"
    good = [member(1, "李好", id_number=valid_id("33032719800101201"))]
    write_xlsx("灵溪镇_2022-04_好表.xlsx", {"名册": [HEADER, *good]}, folder=folder)
    rows = [member(2, "王正常", id_number=valid_id("33032719800101202"), township="钱库镇")]
    write_xlsx("钱库镇_2022-04_坏值.xlsx", {"名册": [HEADER, *rows, bad_row]}, folder=folder)
    db = tmp_path / "b.duckdb"
    report = ingest_paths([folder], db=db)
    return db, {r.file: r for r in report.files}


@pytest.mark.parametrize("jobs", [3_000_000_000, 1e18, "1e309", "3000000000", "inf", -1e300])
def test_an_out_of_range_count_costs_its_row_not_the_batch(tmp_path, write_xlsx, jobs):
    bad = member(3, "赵越界", id_number=valid_id("33032719800101203"), township="钱库镇")
    bad[JOBS] = jobs
    bad[HEADER.index("创办企业")] = "某某公司"
    db, files = _batch(tmp_path, write_xlsx, bad)
    assert {f.status for f in files.values()} == {"loaded"}, files
    assert files["钱库镇_2022-04_坏值.xlsx"].rows_rejected == 1
    [(reason,)] = _rows(db, "select reason from quarantine")
    assert "人数" in reason
    assert _rows(db, "select count(*) from members where is_current")[0][0] == 2


def test_the_cli_reports_json_and_the_good_file_loads(tmp_path, write_xlsx, capsys):
    folder = tmp_path / "in"
    bad = member(1, "赵越界", township="钱库镇")
    bad[JOBS] = 3_000_000_000
    write_xlsx("钱库镇_2022-04_坏值.xlsx", {"名册": [HEADER, bad]}, folder=folder)
    write_xlsx("灵溪镇_2022-04_好表.xlsx", {"名册": [HEADER, member(1, "李好")]}, folder=folder)
    code = main(["ingest", str(folder), "--db", str(tmp_path / "c.duckdb"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert {f["file"]: f["status"] for f in out["files"]}["灵溪镇_2022-04_好表.xlsx"] == "loaded"


def test_invisible_and_control_characters_are_cleaned_or_the_row_quarantined(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    people = [
        ("张\x00三", "13800000001"),  # a NUL inside a name: cleaned, and the file is no binary
        ("\u200b", "13800000002"),  # nothing visible: rejected
        ("李\u202e四", "13800000003"),  # a bidi override: cleaned
        ("王五", "=1+1"),  # a formula is no phone
        ("赵六", "1" * 50),  # nor are fifty digits
        ("钱七", "+86 138-0000-0000"),  # a country code is kept
    ]
    lines = [",".join(HEADER)]
    for i, (name, phone) in enumerate(people, start=1):
        row = member(i, name, id_number=valid_id(f"330327198001013{i:02d}"), phone=phone)
        lines.append(",".join("" if v is None else f'"{v}"' for v in row))
    (folder / "灵溪镇_2022-04_导出.csv").write_text("\n".join(lines), encoding="utf-8")
    db = tmp_path / "h.duckdb"
    [result] = ingest_paths([folder], db=db).files
    assert result.status == "loaded", result.error
    names = {n: p for n, p in _rows(db, "select name, phone from members")}
    assert "张三" in names and "李四" in names and "钱七" in names
    assert names["钱七"] == "+86138-0000-0000"
    assert not [n for n in names if any(c in n for c in "\x00\u200b\u202e")]
    reasons = dict(_rows(db, "select excel_row, reason from quarantine"))
    assert set(reasons) == {3, 5, 6}, reasons  # the invisible name, =1+1, fifty digits
    assert all(reasons.values()) and all(
        any("\u4e00" <= c <= "\u9fff" for c in r) for r in reasons.values()
    )


def test_the_cli_does_not_follow_a_link_out_of_its_folder(tmp_path, write_xlsx):
    outside = write_xlsx(
        "灵溪镇_2022-04_别处.xlsx", {"名册": [HEADER, member()]}, folder=tmp_path / "elsewhere"
    )
    folder = tmp_path / "in"
    inside = write_xlsx(
        "钱库镇_2022-04_本地.xlsx", {"名册": [HEADER, member(township="钱库镇")]}, folder=folder
    )
    os.symlink(outside, folder / "链接.xlsx")
    (folder / "子目录").symlink_to(outside.parent, target_is_directory=True)
    assert collect_files([folder]) == [inside]


def test_an_invisible_character_in_a_summary_branch_name_still_meets_its_members(
    tmp_path, write_xlsx
):
    """The members' branch loses its zero-width characters; the 支部情况 row naming the same
    branch once kept them, so one branch became two: the 30 members beside no outflow, the
    outflow beside no members (a branch's outflow share unreadable)."""
    rows = [
        member(1, "张三", id_number=valid_id("33032719800101301"), branch="王家山村党支部"),
        member(2, "李四", id_number=valid_id("33032719800101302"), branch="王家山村\u200b党支部"),
    ]
    path = write_xlsx(
        "灵溪镇_2022-04_名单.xlsx",
        {
            "名册": [HEADER, *rows],
            "支部情况": [["支部名称", "党员总数"], ["王家山村\u200b党支部", 30]],
        },
    )
    db = tmp_path / "z.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert result.status == "loaded", result.error
    assert _rows(db, "select branch, members_total from branch_totals") == [("王家山村党支部", 30)]
    assert _rows(db, "select branch, outflow, members_total from mart_branch_wave") == [
        ("王家山村党支部", 2, 30)
    ]


def test_a_phone_cell_as_clerks_write_it_keeps_its_member(tmp_path, write_xlsx):
    """Two numbers in one cell, one per line, 微信同号, 本人, 手机： — the member loads with the
    cell as written (two numbers stay two); only a cell that is no phone at all costs its row."""
    phones = [
        "13812345678/13987654321",
        "13812345678、13987654321",
        "13812345678（微信同号）",
        "本人13812345678",
        "手机：13812345678",
        "13812345678；0577-68888888",
        "13812345678\n13987654321",
        "停机",  # words alone: loaded, with a warning
        "=1+1",  # still no phone
    ]
    rows = [
        member(
            i,
            f"电话{'甲乙丙丁戊己庚辛壬'[i - 1]}",
            id_number=valid_id(f"330327198001013{i:02d}"),
            phone=p,
        )
        for i, p in enumerate(phones, start=1)
    ]
    folder = tmp_path / "in"
    write_xlsx("灵溪镇_2022-04_电话.xlsx", {"名册": [HEADER, *rows]}, folder=folder)
    db = tmp_path / "p.duckdb"
    [result] = ingest_paths([folder], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (8, 1)
    loaded = dict(_rows(db, "select name, phone from members"))
    assert loaded["电话庚"] == "13812345678/13987654321"  # not 22 digits run together
    assert loaded["电话甲"] == "13812345678/13987654321"
    assert [r for (r,) in _rows(db, "select excel_row from quarantine")] == [10]
    warned = {r for (r,) in _rows(db, "select excel_row from warnings where field = 'phone'")}
    assert warned == {9}  # 停机: no number to reach the member by
