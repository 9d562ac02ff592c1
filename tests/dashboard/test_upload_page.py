"""数据上报 page through AppTest with the shared sample files: the dry run shows what would
happen and writes nothing, confirm loads exactly that, cancel writes nothing, unsafe names
and oversized files are refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import upload_flow
from dashboard.text import plain
from pipeline import config
from pipeline.access import accounts, audit
from pipeline.cli.commands import stats_rows
from pipeline.ingest.batch import ingest_paths
from pipeline.ingest.fixlist import BAD_FILL
from pipeline.intake import uploads
from pipeline.warehouse.store import connect_readonly
from tests.conftest import SAMPLES, needs_samples, shown

PAGE = str(Path(__file__).resolve().parents[2] / "dashboard" / "app_pages" / "upload.py")
JINXIANG = "金乡镇_2022-04_含错误行.xlsx"
XX_2022 = "2022-04_xx镇_流动党员普查.xlsx"
JINXIANG_ROWS = [13, 14, 16, 22, 27, 37, 46, 48]
ANALYST = "分析员乙"


@pytest.fixture
def raw(isolated_env, monkeypatch):
    """A private data/raw/."""
    folder = isolated_env / "raw"
    monkeypatch.setenv("CENSUS_RAW", str(folder))
    return folder


def _samples(truth) -> list[tuple[str, bytes, str]]:
    return [
        (name, (SAMPLES / name).read_bytes(), "application/octet-stream")
        for name in sorted(truth["files"])
    ]


def _page(user: accounts.User | None = None) -> AppTest:
    """The page as a signed-in user (an analyst unless told otherwise): it trusts only a
    session token, exactly as inside the app."""
    user = user or accounts.create_user(ANALYST, accounts_password(), "analyst")
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["census_token"] = accounts.create_session(user)
    at.run()
    _ok(at)
    return at


def accounts_password() -> str:
    return "correct-horse-battery-9"


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _upload(at: AppTest, files) -> AppTest:
    at.file_uploader[0].set_value(files)
    at.run()
    _ok(at)
    return at


def _text(at: AppTest) -> str:
    parts = (
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    )
    parts += (
        [w.value for w in at.warning] + [e.value for e in at.error] + [s.value for s in at.success]
    )
    return shown("\n".join(parts))  # as the reader sees it: file names are escaped Markdown


def _file_state(raw: Path, db: Path) -> tuple:
    files = (
        sorted((p.name, p.read_bytes()) for p in raw.rglob("*") if p.is_file())
        if raw.exists()
        else []
    )
    return files, (db.read_bytes() if db.exists() else None)


def _previews(at: AppTest) -> dict:
    return {p.result.file: p for p in at.session_state["upload_pending"]["previews"]}


def test_dry_run_shows_counts_statuses_and_writes_nothing(raw, truth):
    db = config.db_path()
    at = _upload(_page(), _samples(truth))
    assert not db.exists() and not raw.exists()  # a dry run writes nothing anywhere
    previews = _previews(at)
    got = {
        name: {
            "status": p.result.status,
            "rows_loaded": p.result.rows_loaded,
            "rows_rejected": p.result.rows_rejected,
        }
        for name, p in previews.items()
    }
    assert got == truth["files"]
    text = _text(at)
    for name in truth["files"]:
        assert f"{name}　·　新增" in text
    assert "共 5 个文件：将入库 646 行，拒收 8 行" in text
    metrics = [(m.label, m.value) for m in at.metric]
    assert ("将入库行数", "195 行") in metrics and ("将拒收行数", "8 行") in metrics
    assert ("乡镇", "金乡镇") in metrics and ("普查批次", "2022-04") in metrics
    assert "**党支部（1 个）**：金乡村党支部" in text
    rejects = next(d.value for d in at.dataframe if "Excel行号" in d.value.columns)
    assert rejects["Excel行号"].tolist() == JINXIANG_ROWS
    assert rejects["原因"].str.len().min() > 0
    headers = [d.value for d in at.dataframe if "原表列名" in d.value.columns]
    assert any(((h["原表列名"] == "身份证号") & (h["字段"] == "身份证号")).any() for h in headers)
    headline = [d.value for d in at.dataframe if "指标" in d.value.columns]
    assert any(
        ((h["指标"] == "流出党员") & (h["现有"] == "—") & (h["入库后"] == "195")).any()
        for h in headline
    )
    assert not at.button(key="upload_confirm").disabled


def test_confirm_loads_files_into_raw_and_warehouse(raw, truth):
    db = config.db_path()
    at = _upload(_page(), _samples(truth))
    at.button(key="upload_confirm").click().run()
    _ok(at)
    # Stored under their own names in data/raw/, loaded with the uploader's name.
    assert sorted(p.name for p in raw.iterdir()) == sorted(truth["files"])
    got = {
        f"{r['township']}|{r['wave']}": {
            k: v for k, v in r.items() if k not in ("township", "wave")
        }
        for r in stats_rows(db)
    }
    assert got == truth["stats"]
    con = connect_readonly(db)
    try:
        log = con.execute(
            "select file_name, status, rows_loaded, rows_rejected, uploaded_by from ingest_log"
        ).fetchall()
        quarantine = [
            r
            for (r,) in con.execute(
                "select distinct excel_row from quarantine where file_name = ? order by 1",
                [JINXIANG],
            ).fetchall()
        ]
    finally:
        con.close()
    assert {(n, s, lo, rj) for n, s, lo, rj, _ in log} == {
        (n, t["status"], t["rows_loaded"], t["rows_rejected"]) for n, t in truth["files"].items()
    }
    assert {u for *_, u in log} == {ANALYST}
    assert quarantine == JINXIANG_ROWS
    # The result is shown, the uploader is empty again, the fix-list is offered.
    text = _text(at)
    assert "入库结果" in [s.value for s in at.subheader]
    assert f"**{JINXIANG}**（金乡镇 · 2022-04）：已入库（新增），入库 50 行，拒收 8 行" in text
    assert not at.file_uploader[0].value
    fix = at.get("download_button")
    assert [shown(b.proto.label) for b in fix] == [f"下载问题清单：{JINXIANG}"]
    events = audit.recent(event="upload")
    assert sorted(e["detail"]["file_name"] for e in events) == sorted(truth["files"])
    assert not audit.recent(event="replace")


@needs_samples
def test_a_dry_run_is_on_record_even_when_cancelled(raw):
    """A dry run answers questions about the warehouse (which file and branch already hold an
    ID), so who ran one, on what, is in the audit log though nothing was loaded."""
    data = (SAMPLES / JINXIANG).read_bytes()
    [preview] = upload_flow.dry_run([(JINXIANG, data)], uploaded_by="分析员乙", scope="analyst")
    [entry] = audit.recent(5, event="upload_dry_run")
    assert entry["actor"] == "分析员乙" and entry["detail"]["file_name"] == JINXIANG
    assert entry["detail"]["rows_rejected"] == preview.result.rows_rejected > 0
    assert not audit.recent(event="upload")


def test_fixlist_from_the_upload_flow_marks_the_rejected_rows(raw, truth):
    import openpyxl

    data = (SAMPLES / JINXIANG).read_bytes()
    previews = upload_flow.dry_run([(JINXIANG, data)])
    done = upload_flow.confirm([(JINXIANG, data)], previews, actor="分析员甲")
    assert done.results[0].status == "loaded" and JINXIANG in done.fixlists
    name, xlsx = upload_flow.fixlist(None, done.fixlists[JINXIANG])
    assert name == "金乡镇_2022-04_含错误行_问题清单.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    bad = BAD_FILL.fgColor.rgb
    marked = sorted(
        {
            c.row
            for row in ws.iter_rows()
            for c in row
            if c.fill is not None and c.fill.fgColor.rgb == bad
        }
    )
    assert marked == JINXIANG_ROWS


@needs_samples
def test_replacement_shows_status_and_figures_before_after(raw, write_xlsx):
    db = config.db_path()
    ingest_paths([SAMPLES / XX_2022], db=db)
    header = ["姓名", "所在党支部", "流出时间", "流入地"]
    newer = write_xlsx(
        "2022-04_xx镇_第1党支部更正.xlsx", {"s": [header, ["新人", "第1党支部", "2021.3", "上海"]]}
    )
    at = _upload(_page(), [(newer.name, newer.read_bytes(), "application/octet-stream")])
    preview = _previews(at)[newer.name]
    assert preview.result.status == "replaced"
    assert f"{newer.name}　·　将替换原有版本" in _text(at)
    headline = next(d.value for d in at.dataframe if "指标" in d.value.columns)
    outflow = headline.set_index("指标").loc["流出党员"]
    assert outflow["现有"] == "195" and int(outflow["入库后"]) == preview.after["outflow"] < 195
    assert outflow["变化"] == f"{preview.after['outflow'] - 195:+d}"
    at.button(key="upload_confirm").click().run()
    _ok(at)
    assert "已入库，并替换了原有版本" in _text(at)
    assert [e["detail"]["file_name"] for e in audit.recent(event="replace")] == [newer.name]
    # The same file again is 未变化.
    at = _upload(at, [(newer.name, newer.read_bytes(), "application/octet-stream")])
    assert f"{newer.name}　·　未变化" in _text(at)


def test_cancel_writes_nothing(raw, truth):
    db = config.db_path()
    ingest_paths([SAMPLES / XX_2022], db=db)  # an existing warehouse that must stay byte-identical
    raw.mkdir()
    (raw / "已有文件.csv").write_bytes(b"keep")
    before = _file_state(raw, db)
    mtime = db.stat().st_mtime_ns
    at = _upload(_page(), _samples(truth))
    assert _previews(at)[XX_2022].result.status == "unchanged"
    at.button(key="upload_cancel").click().run()
    _ok(at)
    assert _file_state(raw, db) == before and db.stat().st_mtime_ns == mtime
    assert "已取消：没有保存文件，也没有写入数据库。" in _text(at)
    assert not at.file_uploader[0].value and "upload_pending" not in at.session_state
    assert not audit.recent(event="upload")


@needs_samples
@pytest.mark.parametrize("name", ["../../etc/x.xlsx", "..\\..\\x.xlsx", ".hidden.xlsx"])
def test_path_traversal_name_is_refused_and_nothing_written(raw, name):
    db = config.db_path()
    data = (SAMPLES / JINXIANG).read_bytes()
    at = _upload(_page(), [(name, data, "application/octet-stream")])
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "不合法" in errors[0] and "不会被保存或入库" in errors[0]
    assert not raw.exists() and not db.exists()
    assert "upload_pending" not in at.session_state
    assert not [b for b in at.button if b.key == "upload_confirm"]
    assert not Path("/etc/x.xlsx").exists()


def test_oversized_upload_is_refused_and_nothing_written(raw, truth, monkeypatch):
    db = config.db_path()
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 20_000)
    big = (SAMPLES / XX_2022).read_bytes()
    assert len(big) > 20_000
    small = (SAMPLES / "宜山镇_2022-04_系统导出.csv").read_bytes()
    assert len(small) < 20_000
    at = _upload(
        _page(),
        [
            (XX_2022, big, "application/octet-stream"),
            ("宜山镇_2022-04_系统导出.csv", small, "text/csv"),
        ],
    )
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1 and "文件过大" in errors[0] and XX_2022 in errors[0]
    assert list(_previews(at)) == ["宜山镇_2022-04_系统导出.csv"]  # the other file goes on
    assert not raw.exists() and not db.exists()
    at.button(key="upload_confirm").click().run()
    _ok(at)
    assert [p.name for p in raw.iterdir()] == ["宜山镇_2022-04_系统导出.csv"]


def test_whole_file_rejection_is_shown_and_not_stored(raw):
    at = _upload(_page(), [("说明.csv", "随便写点什么\n没有表头\n".encode(), "text/csv")])
    assert _previews(at)["说明.csv"].result.status == "rejected"
    assert "整表拒收" in _text(at)
    assert at.button(key="upload_confirm").disabled
    assert not raw.exists()


def test_accounts_without_upload_rights_see_no_uploader(raw):
    at = _page(accounts.create_user("领导", accounts_password(), "viewer"))
    assert not at.file_uploader
    assert "没有上报数据的权限" in _text(at)


def test_screen_refuses_duplicates_and_keeps_order():
    screened = upload_flow.screen(
        [("a.xlsx", b"1"), ("b.xlsx", b""), ("a.xlsx", b"2"), ("c.csv", b"3")]
    )
    assert [n for n, _ in screened.accepted] == ["a.xlsx", "c.csv"]
    assert [n for n, _ in screened.refused] == ["b.xlsx", "a.xlsx"]
    assert "为空" in screened.refused[0][1] and "同名" in screened.refused[1][1]


@needs_samples
def test_fixlist_after_confirm_while_the_dashboard_holds_the_old_warehouse(raw):
    """The sidebar keeps a read-only connection to the warehouse as it was before confirming;
    the fix-list offered after confirming must come from the new one."""
    from dashboard import ui

    db = config.db_path()
    ingest_paths([SAMPLES / XX_2022], db=db)
    ui._connection(*ui.version())  # what every page's sidebar does first
    at = _upload(
        _page(), [(JINXIANG, (SAMPLES / JINXIANG).read_bytes(), "application/octet-stream")]
    )
    at.button(key="upload_confirm").click().run()
    _ok(at)
    assert not at.warning, [w.value for w in at.warning]
    assert [b.proto.label for b in at.get("download_button")] == [
        f"下载问题清单：{plain(JINXIANG)}"
    ]
    ui._connection.clear()


@needs_samples
def test_uploads_are_recorded_under_the_signed_in_analyst(raw):
    from pipeline.access import accounts

    user = accounts.create_user("分析员甲", accounts_password(), "analyst")
    csv = "宜山镇_2022-04_系统导出.csv"
    at = _upload(_page(user), [(csv, (SAMPLES / csv).read_bytes(), "text/csv")])
    assert "上报人：分析员甲（分析员·全县）" in _text(at)
    at.button(key="upload_confirm").click().run()
    _ok(at)
    con = connect_readonly(config.db_path())
    try:
        assert con.execute("select distinct uploaded_by from ingest_log").fetchall() == [
            ("分析员甲",)
        ]
    finally:
        con.close()
    [entry] = audit.recent(event="upload")
    assert entry["actor"] == "分析员甲" and entry["scope"] == "分析员·全县"
