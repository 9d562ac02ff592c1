"""上报情况 page through AppTest: who submitted for a wave (computed from the data), versions and
uploaders, the history of replaced versions with restore, fix-lists, the Word report, and a
township account seeing only its own township."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import docx
import pytest
from streamlit.testing.v1 import AppTest

from pipeline import config
from pipeline.access import accounts, audit
from pipeline.cli.commands import stats_rows
from pipeline.ingest.batch import ingest_paths
from pipeline.queries import submissions as q
from pipeline.queries.base import for_scope
from pipeline.warehouse.store import connect_readonly
from tests.conftest import SAMPLES, require_samples, shown

PAGE = str(Path(__file__).resolve().parents[2] / "dashboard" / "app_pages" / "submissions.py")
XX_2022 = "2022-04_xx镇_流动党员普查.xlsx"
JINXIANG = "金乡镇_2022-04_含错误行.xlsx"
PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def raw(isolated_env, monkeypatch):
    folder = isolated_env / "raw"
    folder.mkdir()
    monkeypatch.setenv("CENSUS_RAW", str(folder))
    return folder


@pytest.fixture
def without_xx_2022(raw, truth):
    """Every sample but xx镇's 2022-04 register, kept in data/raw/ as uploads would be."""
    names = [n for n in truth["files"] if n != XX_2022]
    for name in names:
        shutil.copyfile(SAMPLES / name, raw / name)
    report = ingest_paths([raw / n for n in names], db=config.db_path(), uploaded_by="分析员甲")
    return report.files


def _signed_in(role: str, township: str | None = None) -> dict:
    """Session state as `dashboard.auth.current()` leaves it for a signed-in user."""
    name = f"{role}-user"
    user = accounts.create_user(name, PASSWORD, role, township)
    return {
        "census_token": accounts.create_session(user),
        "census_user": user,
        "census_scope": accounts.scope_for(user),
    }


def _page(role: str = "admin", township: str | None = None, wave: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    for key, value in _signed_in(role, township).items():
        at.session_state[key] = value
    at.run()
    _ok(at)
    if wave:
        at.selectbox(key="submissions_wave").select(wave).run()
        _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _frame(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _expected(loaded, wave: str) -> tuple[set[str], set[str]]:
    """(submitted, not submitted) for `wave`, from what the ingest of the samples reported."""
    seen = {r.township for r in loaded}
    done = {r.township for r in loaded if r.wave == wave}
    return done, seen - done


def test_who_submitted_for_2022_04(without_xx_2022, truth):
    done, missing = _expected(without_xx_2022, "2022-04")
    assert done == {"钱库镇", "宜山镇", "金乡镇"} and missing == {"xx镇"}
    at = _page(wave="2022-04")
    metrics = _metrics(at)
    assert metrics["本批次已上报乡镇"] == f"{len(done)} 个" and metrics["未上报乡镇"] == "1 个"
    assert [w.value for w in at.warning] == ["2022年4月普查尚未收到以下乡镇的上报：xx镇"]
    status = _frame(at, "本批次已上报").set_index("乡镇")
    assert set(status.index[status["本批次已上报"] == "是"]) == done
    assert status.loc["xx镇", "本批次已上报"] == "否" and status.loc["xx镇", "上报版本数"] == 0
    for town, name in (
        ("钱库镇", "钱库镇流动党员台账_2022年4月.xlsx"),
        ("宜山镇", "宜山镇_2022-04_系统导出.csv"),
        ("金乡镇", JINXIANG),
    ):
        assert status.loc[town, "现行入库人数"] == truth["files"][name]["rows_loaded"]
        assert status.loc[town, "拒收行数"] == truth["files"][name]["rows_rejected"]
        assert status.loc[town, "上传人"] == "分析员甲" and status.loc[town, "上报版本数"] == 1
        assert status.loc[town, "最近上报"]
    files = _frame(at, "版本状态")
    assert set(files["版本状态"]) == {"现行"} and len(files) == 3
    assert "本批次没有被重新上报替换的版本。" in [c.value for c in at.caption]
    assert [b.proto.label for b in at.get("download_button") if "问题清单" in b.proto.label] == [
        "下载问题清单"
    ]


def test_the_other_wave_lists_the_townships_that_have_not_submitted(without_xx_2022, truth):
    done, missing = _expected(without_xx_2022, "2023-08")
    at = _page(wave="2023-08")
    status = _frame(at, "本批次已上报").set_index("乡镇")
    assert set(status.index[status["本批次已上报"] == "是"]) == done == {"xx镇"}
    assert (
        set(status.index[status["本批次已上报"] == "否"])
        == missing
        == {"钱库镇", "宜山镇", "金乡镇"}
    )


def test_queries_keep_a_township_account_to_its_township(without_xx_2022):
    from pipeline.access.scope import Scope

    con = connect_readonly(config.db_path())
    try:
        f = for_scope(Scope.for_role("township", "金乡镇"), wave="2022-04")
        assert q.township_status(con, f)["township"].tolist() == ["金乡镇"]
        assert set(q.file_versions(con, f)["township"]) == {"金乡镇"}
        assert q.rejected_files(con, f)["file_name"].tolist() == [JINXIANG]
        assert q.waves(con, f)["wave"].tolist() == ["2022-04"]
    finally:
        con.close()


def test_township_account_sees_its_own_row_and_fixlist_but_cannot_restore(without_xx_2022):
    at = _page("township", "金乡镇")
    assert _frame(at, "本批次已上报")["乡镇"].tolist() == ["金乡镇"]
    assert at.selectbox(key="submissions_report_township").options == ["金乡镇"]
    assert not [b for b in at.button if b.key and b.key.startswith("restore_")]
    assert any(b.proto.label == "下载问题清单" for b in at.get("download_button"))


def test_county_account_gets_no_fixlist_with_personal_data(without_xx_2022):
    at = _page("county", wave="2022-04")
    assert not any("问题清单" in b.proto.label for b in at.get("download_button"))


@pytest.fixture
def replaced(raw, write_xlsx):
    require_samples()
    """xx镇 2022-04, then its 第1党支部 re-submitted by another analyst."""
    db = config.db_path()
    shutil.copyfile(SAMPLES / XX_2022, raw / XX_2022)
    ingest_paths([raw / XX_2022], db=db, uploaded_by="分析员甲")
    first = stats_rows(db)
    header = ["姓名", "所在党支部", "流出时间", "流入地", "联系状态"]
    second = write_xlsx(
        "2022-04_xx镇_第1党支部更正.xlsx",
        {"s": [header, ["新人", "第1党支部", "2021.3", "上海", "失联"]]},
        folder=raw,
    )
    ingest_paths([second], db=db, uploaded_by="分析员乙")
    assert stats_rows(db) != first
    return first, second


def test_history_shows_the_replaced_version_and_restores_it(replaced):
    first, second = replaced
    at = _page("analyst")
    status = _frame(at, "本批次已上报").set_index("乡镇")
    assert (
        status.loc["xx镇", "上报版本数"] == 2
        and status.loc["xx镇", "上传人"] == "分析员乙、分析员甲"
    )
    states = _frame(at, "版本状态").set_index("文件名")["版本状态"]
    assert states[XX_2022] == "部分支部已被替换" and states[second.name] == "现行"
    text = [shown(m.value) for m in at.markdown]
    assert f"**xx镇** · {XX_2022}　（部分支部已被替换：1 个支部）" in text
    history = _frame(at, "历史版本文件")
    assert history[
        ["党支部", "历史版本文件", "替换为", "历史版本上传人", "替换版本上传人"]
    ].values.tolist() == [["第1党支部", XX_2022, second.name, "分析员甲", "分析员乙"]]

    [restore] = [b for b in at.button if b.key and b.key.startswith("restore_0_")]
    restore.click().run()
    _ok(at)
    assert any("确认恢复" in w.value for w in at.warning)
    at.button(key="restore_yes_0").click().run()
    _ok(at)
    assert stats_rows(config.db_path()) == first
    assert any(shown(s.value).startswith(f"已恢复“{XX_2022}”：1 个支部") for s in at.success)
    states = _frame(at, "版本状态").set_index("文件名")["版本状态"]
    assert states[XX_2022] == "现行" and states[second.name] == "已被替换"  # both still in history
    [entry] = audit.recent(event="restore")
    assert entry["actor"] == "analyst-user" and entry["detail"]["displaced"] == [second.name]


def test_restore_can_be_cancelled(replaced):
    db = config.db_path()
    before = db.read_bytes()
    at = _page("admin")
    [restore] = [b for b in at.button if b.key and b.key.startswith("restore_0_")]
    restore.click().run()
    at.button(key="restore_no_0").click().run()
    _ok(at)
    assert db.read_bytes() == before and not audit.recent(event="restore")


def test_accounts_that_may_not_upload_get_no_restore_button(replaced):
    at = _page("county")
    assert not [b for b in at.button if b.key and b.key.startswith("restore_")]
    assert "替换为：" in "\n".join(c.value for c in at.caption)


def test_word_report_for_the_county_and_a_township(without_xx_2022, truth):
    at = _page(wave="2022-04")
    assert at.selectbox(key="submissions_report_township").options == [
        "全县",
        "宜山镇",
        "金乡镇",
        "钱库镇",
    ]
    at.button(key="submissions_report_build").click().run()
    _ok(at)
    [button] = [b for b in at.get("download_button") if b.proto.label.startswith("下载：")]
    assert shown(button.proto.label) == "下载：苍南县流动党员普查分析报告_2022-04.docx"
    data = at.session_state["submissions_report"][3]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "2022年4月" in text
    at.selectbox(key="submissions_report_township").select("金乡镇").run()
    assert not [
        b for b in at.get("download_button") if b.proto.label.startswith("下载：")
    ]  # stale one hidden
    at.button(key="submissions_report_build").click().run()
    _ok(at)
    labels = [
        b.proto.label for b in at.get("download_button") if b.proto.label.startswith("下载：")
    ]
    assert list(map(shown, labels)) == ["下载：苍南县金乡镇流动党员普查分析报告_2022-04.docx"]
    outflow = truth["stats"]["金乡镇|2022-04"]["outflow"]
    doc = docx.Document(io.BytesIO(at.session_state["submissions_report"][3]))
    assert str(outflow) in "\n".join(p.text for p in doc.paragraphs)
