"""Restoring a replaced version: the figures return to that version's exactly, nothing of the
history is lost, and the restore can itself be undone."""

from __future__ import annotations

import pytest

from pipeline import config
from pipeline.access import audit
from pipeline.access.scope import Scope
from pipeline.cli.commands import stats_rows
from pipeline.ingest.batch import file_hash, ingest_paths
from pipeline.ingest.restore import RestoreError, restorable, restore_version
from pipeline.warehouse.store import connect_readonly
from tests.conftest import SAMPLES, require_samples

XX_2022 = SAMPLES / "2022-04_xx镇_流动党员普查.xlsx"
MEMBER_HEADER = ["姓名", "所在党支部", "流出时间", "流入地", "联系状态"]


def _xx(db) -> dict:
    return next(r for r in stats_rows(db) if (r["township"], r["wave"]) == ("xx镇", "2022-04"))


def _rows(db, sql: str, params=()) -> list[tuple]:
    con = connect_readonly(db)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture
def two_versions(isolated_env, write_xlsx):
    require_samples()
    """xx镇 2022-04 from the sample, then 第1党支部 replaced by a one-member correction that
    also brings a new 支部情况 total for that branch."""
    db = config.db_path()
    ingest_paths([XX_2022], db=db)
    first = _xx(db)
    second = write_xlsx(
        "2022-04_xx镇_第1党支部更正.xlsx",
        {
            "流动党员": [MEMBER_HEADER, ["新人", "第1党支部", "2021.3", "上海市闵行区", "失联"]],
            "支部情况": [["党支部", "党员总数"], ["第1党支部", 99]],
        },
    )
    [result] = ingest_paths([second], db=db).files
    assert result.status == "replaced"
    return db, first, _xx(db), file_hash(XX_2022.read_bytes()), result.file_hash


def test_restore_brings_back_the_first_versions_figures(two_versions):
    db, first, second, h1, h2 = two_versions
    assert second != first and second["outflow"] < first["outflow"]
    assert second["members_total"] != first["members_total"]  # the new 支部情况 total counted
    assert restorable(db, h1) and not restorable(db, h2)

    result = restore_version(db, h1, actor="分析员甲")
    assert result.branches == ["第1党支部"] and result.displaced == [
        "2022-04_xx镇_第1党支部更正.xlsx"
    ]
    assert result.members > 0
    assert _xx(db) == first

    # Both versions are still in the history; only which one is current changed.
    units = _rows(
        db,
        "select file_hash, is_current, replaced_by from units where branch = '第1党支部' order by loaded_at",
    )
    assert units == [(h1, True, None), (h2, False, h1)]
    assert _rows(
        db, "select count(*) from members where file_hash = ? and not is_current", [h2]
    ) == [(1,)]
    assert _rows(db, "select count(*) from source_files") == [(2,)]
    assert _rows(
        db, "select count(*) from branch_totals where branch = '第1党支部' and is_current"
    ) == [(1,)]
    assert restorable(db, h2) and not restorable(db, h1)

    [entry] = audit.recent(event="restore")
    assert entry["actor"] == "分析员甲" and entry["detail"]["file_name"] == XX_2022.name


def test_restore_can_be_undone_by_restoring_the_other_version(two_versions):
    db, first, second, h1, h2 = two_versions
    restore_version(db, h1, actor="a")
    restore_version(db, h2, actor="a")
    assert _xx(db) == second
    restore_version(db, h1, actor="a")
    assert _xx(db) == first
    assert (
        _rows(db, "select count(*) from units where file_hash in (?, ?)", [h1, h2])[0][0] == 58 + 1
    )


def test_restore_refuses_a_current_or_unknown_version_and_writes_nothing(two_versions):
    db, _first, _second, h1, h2 = two_versions
    before = db.read_bytes()
    with pytest.raises(RestoreError, match="现行版本"):
        restore_version(db, h2, actor="a")
    with pytest.raises(RestoreError, match="没有这个版本"):
        restore_version(db, "0" * 64, actor="a")
    with pytest.raises(RestoreError, match="没有恢复历史版本的权限"):
        restore_version(db, h1, actor="领导", scope=Scope.for_role("viewer"))
    with pytest.raises(RestoreError, match="没有恢复历史版本的权限"):
        restore_version(db, h1, actor="乡镇", scope=Scope.for_role("township", "xx镇"))
    assert db.read_bytes() == before
    assert not audit.recent(event="restore")


def test_restore_with_an_analyst_scope_is_audited_with_it(two_versions):
    db, first, _second, h1, _h2 = two_versions
    restore_version(db, h1, actor="分析员甲", scope=Scope.for_role("analyst", username="分析员甲"))
    assert _xx(db) == first
    assert audit.recent(event="restore")[0]["scope"] == "分析员·全县"


def test_partial_restore_leaves_the_branches_never_replaced_alone(isolated_env, write_xlsx):
    """A file of two branches, one of them replaced twice: restoring the first file restores
    that one branch over the latest version."""
    db = config.db_path()
    header = MEMBER_HEADER
    v1 = write_xlsx(
        "2022-04_灵溪镇_v1.xlsx",
        {
            "s": [
                header,
                ["甲", "一支部", "2021.3", "上海", "正常"],
                ["乙", "二支部", "2021.3", "杭州", "正常"],
            ]
        },
    )
    v2 = write_xlsx(
        "2022-04_灵溪镇_v2.xlsx", {"s": [header, ["丙", "一支部", "2021.3", "北京", "失联"]]}
    )
    v3 = write_xlsx(
        "2022-04_灵溪镇_v3.xlsx",
        {
            "s": [
                header,
                ["丁", "一支部", "2021.3", "北京", "正常"],
                ["戊", "一支部", "2021.3", "北京", "正常"],
            ]
        },
    )
    ingest_paths([v1], db=db)
    ingest_paths([v2], db=db)
    ingest_paths([v3], db=db)
    result = restore_version(db, file_hash(v1.read_bytes()), actor="a")
    assert result.branches == ["一支部"] and result.displaced == [v3.name]
    names = _rows(db, "select name from members where is_current order by name")
    assert names == [("乙",), ("甲",)]
    assert _rows(db, "select count(*) from units") == [(4,)]


def test_restore_leaves_another_branchs_unnamed_list_alone(isolated_env, write_xlsx):
    """Three files naming no branch: a, b (nobody in common: kept beside a) and a's
    correction a2. Restoring a displaces a2 only; b is no version of a and stays current."""
    db = config.db_path()
    header = ["姓名", "流出时间", "流入地"]
    files = {
        "a": [["甲", "2021.3", "上海"], ["乙", "2021.3", "杭州"]],
        "b": [["丙", "2021.3", "北京"]],
        "a2": [["甲", "2021.3", "上海"], ["乙", "2022.3", "杭州"], ["丁", "2021.3", "北京"]],
    }
    paths = {
        tag: write_xlsx(f"2022-04_灵溪镇_{tag}.xlsx", {"Sheet1": [header, *rows]})
        for tag, rows in files.items()
    }
    for tag in ("a", "b", "a2"):
        ingest_paths([paths[tag]], db=db)
    assert _rows(db, "select name from members where is_current order by name") == [
        ("丁",), ("丙",), ("乙",), ("甲",)
    ]  # fmt: skip
    result = restore_version(db, file_hash(paths["a"].read_bytes()), actor="a")
    assert result.displaced == [paths["a2"].name]
    names = _rows(db, "select name, source_file from members where is_current order by name")
    assert names == [("丙", paths["b"].name), ("乙", paths["a"].name), ("甲", paths["a"].name)]
