"""The command-line contract of spec §6, run in-process."""

from __future__ import annotations

import json

import pytest

from pipeline.cli.commands import main
from tests.conftest import HEADER, SAMPLES, member, needs_samples


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@needs_samples
def test_ingest_json_shape_and_exit_zero(capsys, isolated_env):
    db = isolated_env / "c.duckdb"
    code, out, _ = run(
        capsys, "ingest", str(SAMPLES / "宜山镇_2022-04_系统导出.csv"), "--db", str(db), "--json"
    )
    assert code == 0
    assert json.loads(out) == {
        "files": [
            {
                "file": "宜山镇_2022-04_系统导出.csv",
                "status": "loaded",
                "rows_loaded": 80,
                "rows_rejected": 0,
                "error": None,
            }
        ]
    }


def test_rejected_file_exits_one_and_batch_goes_on(capsys, isolated_env, tmp_path, write_xlsx):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "2022-04_灵溪镇_坏文件.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    write_xlsx("2022-04_灵溪镇.xlsx", {"s": [HEADER, member()]}, folder=tmp_path / "in")
    code, out, _ = run(
        capsys, "ingest", str(tmp_path / "in"), "--db", str(isolated_env / "c.duckdb"), "--json"
    )
    files = {f["file"]: f for f in json.loads(out)["files"]}
    assert code == 1
    assert files["2022-04_灵溪镇.xlsx"]["status"] == "loaded"
    bad = files["2022-04_灵溪镇_坏文件.xlsx"]
    assert bad["status"] == "rejected" and bad["rows_loaded"] == 0 and bad["error"]


def test_file_without_township_or_wave_is_rejected(capsys, isolated_env, tmp_path, write_xlsx):
    no_wave = [h for h in HEADER]
    path = write_xlsx("花名册.xlsx", {"s": [no_wave, member(township=None)]})
    code, out, _ = run(
        capsys, "ingest", str(path), "--db", str(isolated_env / "c.duckdb"), "--json"
    )
    [f] = json.loads(out)["files"]
    assert code == 1 and f["status"] == "rejected"
    assert "乡镇" in f["error"] or "普查时间" in f["error"]


@pytest.mark.parametrize("argv", [["ingest"], ["stats", "--bogus"], ["frobnicate"]])
def test_usage_error_exits_two(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_missing_path_is_a_usage_error(capsys, isolated_env):
    code, _, err = run(capsys, "ingest", str(isolated_env / "nope.xlsx"))
    assert code == 2 and "找不到" in err


@needs_samples
def test_human_summary_and_stats_table(capsys, isolated_env):
    db = isolated_env / "c.duckdb"
    code, out, _ = run(
        capsys, "ingest", str(SAMPLES / "2022-04_xx镇_流动党员普查.xlsx"), "--db", str(db)
    )
    assert code == 0 and "已入库" in out and "入库 195 行" in out
    code, out, _ = run(capsys, "stats", "--db", str(db))
    assert code == 0 and "流出党员 195 名" in out and "20.38%" in out


@needs_samples
def test_stats_json_uses_default_db_from_env(capsys, isolated_env):
    run(
        capsys, "ingest", str(SAMPLES / "2022-04_xx镇_流动党员普查.xlsx")
    )  # CENSUS_DB from the fixture
    code, out, _ = run(capsys, "stats", "--json")
    [row] = json.loads(out)
    assert code == 0 and (row["township"], row["wave"], row["outflow"]) == ("xx镇", "2022-04", 195)
