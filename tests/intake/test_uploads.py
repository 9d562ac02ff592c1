"""Uploads: the dry run shows exactly what confirming does and writes nothing; names are safe."""

from __future__ import annotations

import os

import pytest

from pipeline.cli.commands import stats_rows
from pipeline.ingest.batch import ingest_paths
from pipeline.intake.uploads import UploadRefused, check_upload_size, preview, store_upload
from tests.conftest import SAMPLES, needs_samples


def test_dry_run_of_samples_matches_truth_and_writes_nothing(isolated_env, truth):
    db = isolated_env / "u.duckdb"
    previews = preview([SAMPLES], db=db)
    assert not db.exists()  # nothing written, not even an empty warehouse
    got = {
        p.result.file: {
            "status": p.result.status,
            "rows_loaded": p.result.rows_loaded,
            "rows_rejected": p.result.rows_rejected,
        }
        for p in previews
    }
    assert got == truth["files"]
    jin = next(p for p in previews if p.result.file.startswith("金乡镇"))
    assert jin.rejects["excel_row"].tolist() == [13, 14, 16, 22, 27, 37, 46, 48]
    assert jin.rejects["reason"].str.len().min() > 0
    assert jin.branches == ["金乡村党支部"]
    assert {"column": "身份证号", "field": "id_number", "sheet": "Sheet1"} in jin.header_map
    assert jin.before is None and jin.after["outflow"] == 50


@needs_samples
def test_dry_run_shows_replacement_and_figure_change(isolated_env, write_xlsx):
    db = isolated_env / "u.duckdb"
    ingest_paths([SAMPLES / "2022-04_xx镇_流动党员普查.xlsx"], db=db)
    stamp = (db.stat().st_mtime_ns, db.read_bytes())
    again = preview([SAMPLES / "2022-04_xx镇_流动党员普查.xlsx"], db=db)
    assert [p.result.status for p in again] == ["unchanged"]
    header = ["姓名", "所在党支部", "流出时间", "流入地"]
    newer = write_xlsx(
        "2022-04_xx镇_第1党支部更正.xlsx", {"s": [header, ["新人", "第1党支部", "2021.3", "上海"]]}
    )
    [p] = preview([newer], db=db)
    assert p.result.status == "replaced"
    assert (p.before["outflow"], p.after["outflow"]) == (
        195,
        195 - _branch_count(db, "第1党支部") + 1,
    )
    assert (db.stat().st_mtime_ns, db.read_bytes()) == stamp  # the live warehouse is untouched
    assert stats_rows(db)[0]["outflow"] == 195


def _branch_count(db, branch):
    from pipeline.warehouse.store import connect_readonly

    con = connect_readonly(db)
    (n,) = con.execute(
        "select count(*) from stg_members where branch = ? and not is_returned", [branch]
    ).fetchone()
    con.close()
    return n


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/x.xlsx",
        "/etc/passwd",
        "a/b.xlsx",
        "..\\x.xlsx",
        ".hidden.xlsx",
        "bad\x00name.xlsx",
        "",
    ],
)
def test_unsafe_names_are_refused_and_nothing_is_written(tmp_path, name):
    raw = tmp_path / "raw"
    with pytest.raises(UploadRefused, match="不合法|为空"):
        store_upload(name, b"data", raw_dir=raw)
    assert not raw.exists() or not any(raw.iterdir())
    assert not (tmp_path.parent / "etc").exists()


def test_oversized_upload_is_refused():
    with pytest.raises(UploadRefused, match="文件过大"):
        check_upload_size(10 * 1024 * 1024, limit=1024 * 1024)


def test_same_name_other_bytes_never_overwrites(tmp_path):
    raw = tmp_path / "raw"
    first = store_upload("钱库镇.xlsx", b"one", raw_dir=raw)
    same = store_upload("钱库镇.xlsx", b"one", raw_dir=raw)
    other = store_upload("钱库镇.xlsx", b"two", raw_dir=raw)
    assert first == same and other.name == "钱库镇-2.xlsx"
    assert first.read_bytes() == b"one" and other.read_bytes() == b"two"
    assert not [p for p in os.listdir(raw) if p.startswith(".upload-")]
