"""Spec §4: same bytes change nothing; a file covering loaded units replaces them, history kept."""

from __future__ import annotations

import pytest

from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse.store import connect_readonly
from tests.conftest import HEADER, member, valid_id


def rows(branch, n, start=0, township="灵溪镇"):
    return [
        member(
            seq=i + 1,
            name=f"成员{start + i}",
            branch=branch,
            township=township,
            id_number=valid_id(f"33032719800101{start + i:03d}"),
        )
        for i in range(n)
    ]


def current_counts(db):
    con = connect_readonly(db)
    got = dict(
        con.execute(
            "select branch, count(*) from members where is_current group by branch order by branch"
        ).fetchall()
    )
    history = con.execute("select count(*) from members where not is_current").fetchone()[0]
    con.close()
    return got, history


def test_same_bytes_twice_is_unchanged(write_xlsx, isolated_env):
    path = write_xlsx("2022-04_灵溪镇.xlsx", {"s": [HEADER, *rows("第一党支部", 3)]})
    db = isolated_env / "w.duckdb"
    assert ingest_paths([path], db=db).files[0].status == "loaded"
    before = db.read_bytes()
    again = ingest_paths([path], db=db).files[0]
    assert (again.status, again.rows_loaded) == ("unchanged", 0)
    assert current_counts(db) == ({"第一党支部": 3}, 0)
    assert len(before) > 0


def test_new_version_replaces_only_the_units_it_covers(write_xlsx, isolated_env, tmp_path):
    db = isolated_env / "w.duckdb"
    first = write_xlsx(
        "2022-04_灵溪镇_v1.xlsx",
        {"s": [HEADER, *rows("第一党支部", 3), *rows("第二党支部", 2, 10)]},
    )
    second = write_xlsx(
        "2022-04_灵溪镇_v2.xlsx",
        {"s": [HEADER, *rows("第一党支部", 5, 20)]},
        folder=tmp_path / "later",
    )
    assert ingest_paths([first], db=db).files[0].status == "loaded"
    result = ingest_paths([second], db=db).files[0]
    assert (result.status, result.rows_loaded) == ("replaced", 5)
    # 第二党支部 was not in the new file and stays; the 3 old 第一党支部 rows stay in history.
    assert current_counts(db) == ({"第一党支部": 5, "第二党支部": 2}, 3)
    con = connect_readonly(db)
    units = con.execute(
        "select branch, is_current, replaced_by is not null from units order by loaded_at, branch"
    ).fetchall()
    con.close()
    assert sorted(units) == sorted(
        [("第一党支部", False, True), ("第二党支部", True, False), ("第一党支部", True, False)]
    )


def test_batch_runs_in_file_name_order(write_xlsx, isolated_env, tmp_path):
    """Within one batch the later name wins, whatever order the paths were given in."""
    db = isolated_env / "w.duckdb"
    a = write_xlsx(
        "a_2022-04_灵溪镇.xlsx", {"s": [HEADER, *rows("第一党支部", 2)]}, folder=tmp_path / "x"
    )
    b = write_xlsx(
        "b_2022-04_灵溪镇.xlsx", {"s": [HEADER, *rows("第一党支部", 4, 30)]}, folder=tmp_path / "y"
    )
    report = ingest_paths([b, a], db=db)
    assert [(f.file, f.status) for f in report.files] == [(a.name, "loaded"), (b.name, "replaced")]
    assert current_counts(db) == ({"第一党支部": 4}, 2)


def test_other_townships_and_waves_are_untouched(write_xlsx, isolated_env, tmp_path):
    db = isolated_env / "w.duckdb"
    ling = write_xlsx("2022-04_灵溪镇.xlsx", {"s": [HEADER, *rows("第一党支部", 2)]})
    later = write_xlsx("2023-08_灵溪镇.xlsx", {"s": [HEADER, *rows("第一党支部", 1, 40)]})
    ingest_paths([ling], db=db)
    assert ingest_paths([later], db=db).files[0].status == "loaded"
    con = connect_readonly(db)
    waves = con.execute(
        "select wave, count(*) from members where is_current group by wave order by wave"
    ).fetchall()
    con.close()
    assert waves == [("2022-04", 2), ("2023-08", 1)]


def _count_known_file_queries(monkeypatch) -> list[str]:
    """A spy on the batch's per-file warehouse lookup (the real lookup still answers)."""
    from pipeline.ingest import batch

    asked: list[str] = []
    real = batch.is_known_file

    def counted(con, digest):
        asked.append(digest)
        return real(con, digest)

    monkeypatch.setattr(batch, "is_known_file", counted)
    return asked


def test_a_batch_asks_the_warehouse_only_about_bytes_it_has_seen_before(
    write_xlsx, isolated_env, monkeypatch
):
    # 0.8 s of a 60-file county batch was one source_files query per file
    files = [
        write_xlsx(f"2022-04_{town}.xlsx", {"s": [HEADER, *rows("第一党支部", 2, township=town)]})
        for town in ("灵溪镇", "钱库镇", "金乡镇")
    ]
    copy = files[0].with_name("2022-04_灵溪镇（副本）.xlsx")
    copy.write_bytes(files[0].read_bytes())
    asked = _count_known_file_queries(monkeypatch)
    db = isolated_env / "w.duckdb"
    report = ingest_paths([*files, copy], db=db)
    assert sorted(f.status for f in report.files) == ["loaded", "loaded", "loaded", "unchanged"]
    assert len(asked) == 1  # only the copy
    again = ingest_paths(files, db=db)  # known when the batch began: no query either
    assert [f.status for f in again.files] == ["unchanged"] * 3
    assert len(asked) == 1


def test_the_twin_of_a_rejected_file_is_judged_again(write_xlsx, isolated_env, tmp_path):
    # no wave anywhere (name, title, cells): rejected, and its copy is not "unchanged"
    bad = write_xlsx("名单.xlsx", {"s": [HEADER, *rows("第一党支部", 2)]})
    twin = tmp_path / "名单（副本）.xlsx"
    twin.write_bytes(bad.read_bytes())
    report = ingest_paths([bad, twin], db=isolated_env / "w.duckdb")
    assert [f.status for f in report.files] == ["rejected", "rejected"]
    assert report.files[0].error == report.files[1].error


# A branch secretary's register: no 所在党支部 column, the branch only around the table.
BRANCHLESS = ["序号", "姓名", "性别", "身份证号", "流出时间", "流入地", "是否返乡"]


def branch_register(branch: str, n: int, start: int, title: bool = True) -> list[list]:
    above = [[f"灵溪镇{branch}流动党员登记表"], [f"填报单位：{branch}   普查时间：2023年6月"]]
    people = [
        [i + 1, f"成员{start + i}", "男", valid_id(f"33032719800101{start + i:03d}"), "2021.3",
         "杭州", "否"]
        for i in range(n)
    ]  # fmt: skip
    return [*(above if title else []), BRANCHLESS, *people]


@pytest.mark.parametrize("named_in", ["title", "file name"])
def test_two_branch_registers_named_outside_their_columns_both_stay(
    write_xlsx, isolated_env, named_in
):
    """R24: each branch named only in its title and 填报单位 row (or only in the file name);
    the second file used to replace the first as the same empty-branch unit."""
    files = [
        write_xlsx(
            f"{tag}_灵溪镇{branch}流动党员登记表_2023年6月.xlsx",
            {"Sheet1": branch_register(branch, n, start, title=named_in == "title")},
        )
        for tag, branch, n, start in (("a", "城东社区党支部", 3, 0), ("b", "观美村党支部", 2, 50))
    ]
    db = isolated_env / "w.duckdb"
    report = ingest_paths(files, db=db)
    assert [f.status for f in report.files] == ["loaded", "loaded"]
    assert current_counts(db) == ({"城东社区党支部": 3, "观美村党支部": 2}, 0)


def _unnamed(n: int, start: int) -> list[list]:
    """A register naming no branch anywhere (columns, title, sheet or file name)."""
    return branch_register("", n, start, title=False)


@pytest.mark.parametrize(
    ("second", "statuses", "counts", "notice"),
    [
        # nobody in common: another branch's list, kept beside the first
        (_unnamed(2, 50), ["loaded", "loaded"], ({"": 5}, 0), "已一并保留（未替换）"),
        # the same people (one more): a correction, which replaces the first
        (_unnamed(4, 0), ["loaded", "replaced"], ({"": 4}, 3), "已作为它的更正替换其 3 名党员"),
    ],
)
def test_a_file_naming_no_branch_replaces_another_only_when_they_share_members(
    write_xlsx, isolated_env, second, statuses, counts, notice
):
    files = [
        write_xlsx("a_灵溪镇_2023年6月.xlsx", {"Sheet1": _unnamed(3, 0)}),
        write_xlsx("b_灵溪镇_2023年6月.xlsx", {"Sheet1": second}),
    ]
    db = isolated_env / "w.duckdb"
    report = ingest_paths(files, db=db)
    assert [f.status for f in report.files] == statuses
    assert current_counts(db) == counts
    [said] = [n for n in report.files[1].notices if "都没有注明所在党支部" in n]
    assert "a_灵溪镇_2023年6月.xlsx" in said and notice in said
