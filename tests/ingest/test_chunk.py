"""Files cleaned together give each file exactly what cleaning it alone gives (issue #18)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.clean.identity import make_id_hasher
from pipeline.clean.transform import ContextMissing
from pipeline.ingest.batch import file_hash, ingest_paths
from pipeline.ingest.chunk import clean_together
from pipeline.ingest.prepare import Prepared, prepare, stage
from pipeline.intake.readers import FileRejected
from tests.conftest import valid_id

IDS = [valid_id(f"330327198{i}0101123") for i in range(10)]
HOME = "330327"
HASH = make_id_hasher(b"k" * 32)


def _header(phone: str) -> list[str]:
    return [
        "序号",
        "姓名",
        "性别",
        "身份证号",
        "所在党支部",
        "流出时间",
        "流入地",
        phone,
        "联系状态",
    ]


@pytest.fixture
def messy(write_xlsx, tmp_path):
    """Five township files with what goes wrong in the field, in one folder."""
    folder = tmp_path / "batch"
    write_xlsx(
        "2024-04_灵溪镇_流动党员普查.xlsx",
        {
            "名单": [
                _header("手机号码"),
                [1, "张一", "男", IDS[0], "城东村党支部", "2021.3", "上海市闵行区", "13800001111", "正常"],
                [2, "张二", "男", IDS[1], "城东村党支部", "2099.1", "杭州", "abc1", "正常"],
                [3, "张三", "男", IDS[1], "城东村党支部", "2021.3", "温州", "13800001113", "失联"],
                [4, "张四", "女", IDS[2][:-1] + "0", "城东村党支部", "2021.3", "北京", "", "正常"],
            ]
        },
        folder=folder,
    )  # fmt: skip
    write_xlsx(
        "2024-04_灵溪镇_流动党员普查_补报.xlsx",
        {
            "名单": [
                _header("联系电话"),
                [1, "李一", "男", IDS[0], "城西村党支部", "2021.3", "上海", "13800002221", "正常"],
                [2, "李二", "男", IDS[3], "城西村党支部", "2021.3", "上海", "99", "正常"],
                [3, "李三", "男", IDS[3], "城西村党支部", "2021.3", "上海", "13800002223", "失踪"],
            ]
        },
        folder=folder,
    )  # fmt: skip
    write_xlsx(
        "2024-04_钱库镇_流动党员普查.xlsx",
        {
            "名单": [
                _header("电话"),
                [1, "王一", "男", IDS[1], "一村党支部", "2020.1", "广东省深圳市", "abc", "正常"],
                [2, "王二", "男", IDS[4], "二村党支部", "2020.1", "苍南县灵溪镇", "13800003332", "正常"],
            ],
            "支部情况": [["党支部名称", "党员总数"], ["一村党支部", 30], ["二村党支部", "很多"]],
        },
        folder=folder,
    )  # fmt: skip
    write_xlsx(
        "灵溪镇_流动党员名单.xlsx",
        {"名单": [_header("联系电话"), [1, "赵一", "男", IDS[5], "城南村党支部", "2021.3", "上海", "", "正常"]]},
        folder=folder,
    )  # fmt: skip
    write_xlsx(
        "2024-04_马站镇_流动党员普查.xlsx",
        {
            "名单": [
                ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地", "联系时间"],
                *[
                    [i + 1, f"党员{i}", IDS[6 + i], "马站村党支部", "2021.3", "上海", text]
                    for i, text in enumerate(["每月一次", "电话联系", "微信", "2022.3"])
                ],
            ]
        },
        folder=folder,
    )  # fmt: skip
    return sorted(folder.iterdir(), key=lambda p: p.name)


def _staged_or_error(path):
    try:
        return stage(path, file_hash(path.read_bytes()), HOME)
    except (FileRejected, ContextMissing) as exc:
        return exc


def _same(a: pd.DataFrame | None, b: pd.DataFrame | None) -> None:
    if a is None or b is None:
        assert a is None and b is None
        return
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_each_file_gets_what_cleaning_it_alone_gives(messy):
    staged = [s for s in map(_staged_or_error, messy) if not isinstance(s, Exception)]
    assert len(staged) == 4  # the file without a wave is rejected while staging
    together = clean_together(staged, HASH, HOME)
    for one, got in zip(staged, together, strict=True):
        alone = prepare(one.path, one.digest, HASH, HOME)
        assert isinstance(got, Prepared), got
        _same(got.members, alone.members)
        _same(got.rejects, alone.rejects)
        _same(got.warnings, alone.warnings)
        _same(got.branch_totals, alone.branch_totals)
        assert (got.township, got.wave, got.rows_rejected, got.notices) == (
            alone.township, alone.wave, alone.rows_rejected, alone.notices,
        )  # fmt: skip
        assert got.book.unmapped == alone.book.unmapped
    by_name = {p.file_name: p for p in together}
    # a duplicate is within its own file: the 补报 file repeats 灵溪镇's IDS[0] but not its own
    first = by_name["2024-04_灵溪镇_流动党员普查.xlsx"].rejects
    assert "身份证号与第3行重复（同一乡镇同一普查批次只能登记一次）" in set(first["reason"])
    补报 = by_name["2024-04_灵溪镇_流动党员普查_补报.xlsx"]
    assert list(补报.members["name"]) == ["李一"]  # its copy of IDS[0] is for the load to judge
    # each file's issues are headed by that file's own words for the column
    assert set(first.loc[first["field"] == "phone", "column_label"]) == {"手机号码"}
    assert set(补报.rejects.loc[补报.rejects["field"] == "phone", "column_label"]) == {"联系电话"}
    钱库 = by_name["2024-04_钱库镇_流动党员普查.xlsx"]
    assert set(钱库.rejects.loc[钱库.rejects["field"] == "phone", "column_label"]) == {"电话"}
    assert 钱库.rejects["field"].eq("members_total").sum() == 1  # 很多 is no count
    # the values vote reads the 马站镇 file alone, as it would be read alone
    马站 = by_name["2024-04_马站镇_流动党员普查.xlsx"]
    assert (len(马站.members), 马站.rows_rejected) == (4, 0)
    assert any("“联系时间”列按表头像是“最近联系时间”" in n for n in 马站.notices)


def _tables(db) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table, order in (
            ("members", "source_file, sheet, excel_row"),
            ("quarantine", "file_name, sheet, excel_row, field"),
            ("warnings", "file_name, sheet, excel_row, field"),
            ("branch_totals", "file_hash, sheet, excel_row"),
            ("units", "wave, township, branch, file_hash"),
            ("file_notices", "all"),
        ):
            columns = [
                c for (c, *_) in con.execute(f"describe {table}").fetchall()
                if not c.endswith("_at") and c not in ("loaded_at", "replaced_at")
            ]  # fmt: skip
            out[table] = con.execute(
                f"select {', '.join(columns)} from {table} order by {order}"
            ).fetchall()
        out["log"] = con.execute(
            "select file_name, status, rows_loaded, rows_rejected, error, township, wave "
            "from ingest_log order by file_name"
        ).fetchall()
        return out
    finally:
        con.close()


def test_a_batch_loads_what_its_files_load_one_by_one(messy, isolated_env):
    batch, single = isolated_env / "batch.duckdb", isolated_env / "single.duckdb"
    report = ingest_paths(messy, db=batch)
    for path in messy:
        ingest_paths([path], db=single)
    assert _tables(batch) == _tables(single)
    statuses = {f.file: (f.status, f.rows_loaded, f.rows_rejected) for f in report.files}
    assert statuses["灵溪镇_流动党员名单.xlsx"][0] == "rejected"
    # the 补报 file's copy of IDS[0] is a duplicate of the file loaded before it
    assert statuses["2024-04_灵溪镇_流动党员普查_补报.xlsx"] == ("loaded", 0, 3)
    assert [f.file for f in report.files] == [p.name for p in messy]  # in file-name order


def test_the_same_bytes_twice_in_a_batch_load_once(messy, isolated_env):
    copy = messy[0].with_name("2024-04_灵溪镇_流动党员普查（副本）.xlsx")
    copy.write_bytes(messy[0].read_bytes())
    report = ingest_paths([messy[0], copy], db=isolated_env / "w.duckdb")
    assert sorted(f.status for f in report.files) == ["loaded", "unchanged"]


@pytest.mark.parametrize(
    ("waves", "townships", "expected"),
    [
        (["2022-04"] * 3, ["灵溪镇"] * 3, {("2022-04", "灵溪镇")}),
        (
            ["2022-04", "2022-04", "2023-04"],
            ["灵溪镇"] * 3,
            {("2022-04", "灵溪镇"), ("2023-04", "灵溪镇")},
        ),
        (
            ["2022-04", "2023-04"],
            ["灵溪镇", "钱库镇"],
            {("2022-04", "灵溪镇"), ("2023-04", "钱库镇")},
        ),
    ],
)
def test_a_frame_s_wave_township_pairs(waves, townships, expected):
    from pipeline.ingest.batch import _pairs

    frame = pd.DataFrame({"wave": waves, "township": townships}, dtype="str")
    assert _pairs(frame) == expected
