"""The analyst in the loop: in the upload dry run an unmapped column is mapped to a field (kept
for the township's later files, audited, used by the CLI too, removable by an admin), and a
file's wave is set when the machine cannot find it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import xlsxwriter
from streamlit.testing.v1 import AppTest

from dashboard import upload_choices as choices
from dashboard import upload_flow
from pipeline.access import accounts, audit
from pipeline.access.scope import Scope
from pipeline.cli.commands import main
from pipeline.parse import mappings
from pipeline.parse.headers import map_header
from pipeline.warehouse.store import connect_readonly
from tests.conftest import valid_id

PAGE = str(Path(__file__).resolve().parents[2] / "dashboard" / "app_pages" / "upload.py")
PASSWORD = "correct-horse-battery-9"
ODD = "干活地方"  # a header no rule knows: the analyst says it is 流入地
HEADER = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", ODD]


def _xlsx(rows: list[list], title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("名单")
    lines = ([[title]] if title else []) + rows
    for r, row in enumerate(lines):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def _register(n: int, first: int = 0, title: str | None = None) -> bytes:
    rows = [
        [i + 1, f"党员{first + i}", valid_id(f"33032719{80 + first + i}0101123"), "城东村党支部",
         "2021.3", "上海市闵行区"]
        for i in range(n)
    ]  # fmt: skip
    return _xlsx([HEADER, *rows], title)


@pytest.fixture
def raw(isolated_env, monkeypatch):
    folder = isolated_env / "raw"
    monkeypatch.setenv("CENSUS_RAW", str(folder))
    return folder


def _page(role: str = "analyst", name: str | None = None) -> AppTest:
    user = accounts.create_user(name or f"用户{role}", PASSWORD, role)
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["census_token"] = accounts.create_session(user)
    at.run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _upload(at: AppTest, files) -> AppTest:
    at.file_uploader[0].set_value(files)
    at.run()
    _ok(at)
    return at


def _previews(at: AppTest) -> dict:
    return {p.result.file: p for p in at.session_state["upload_pending"]["previews"]}


def _fields(preview) -> dict:
    return {h["column"]: h["field"] for h in preview.header_map}


def test_the_header_is_one_no_rule_knows():
    assert map_header(ODD) is None


def test_an_analyst_maps_a_column_and_the_next_file_maps_itself(raw, isolated_env):
    first = "2022-04_灵溪镇_流动党员普查.xlsx"
    at = _upload(_page(), [(first, _register(2), "application/octet-stream")])
    preview = _previews(at)[first]
    assert _fields(preview)[ODD] is None
    assert choices.unmapped_columns(preview) == [{"sheet": "名单", "column": ODD}]
    assert at.selectbox(key="upload_map_0_0").label.startswith(f"“{ODD}”")

    at.selectbox(key="upload_map_0_0").set_value("destination")
    at.button(key="upload_map_save_0").click().run()  # saved; the page reruns the dry run
    _ok(at)
    assert "已保存列映射" in "\n".join(i.value for i in at.info)
    preview = _previews(at)[first]
    assert _fields(preview)[ODD] == "destination"
    assert preview.after["scope"] == {"跨省": 2}  # 上海 counted, not 未知

    at.button(key="upload_confirm").click().run()
    _ok(at)

    # the township's next file: nobody touches it, it maps itself
    second = "2023-08_灵溪镇_流动党员普查.xlsx"
    at = _upload(
        _page("analyst", "分析员丙"), [(second, _register(3, 5), "application/octet-stream")]
    )
    preview = _previews(at)[second]
    assert _fields(preview)[ODD] == "destination"
    assert not choices.unmapped_columns(preview)

    # ... and so does the command line, for the same township's files
    path = isolated_env / "2024-04_灵溪镇_流动党员普查.xlsx"
    path.write_bytes(_register(1, 9))
    db = isolated_env / "cli.duckdb"
    assert main(["ingest", str(path), "--db", str(db)]) == 0
    con = connect_readonly(db)
    assert con.execute("select dest_province from members").fetchall() == [("上海市",)]
    con.close()

    # another township's file is not affected
    path = isolated_env / "2024-04_桥墩镇_流动党员普查.xlsx"
    path.write_bytes(_register(1, 9))
    assert main(["ingest", str(path), "--db", str(db)]) == 0
    con = connect_readonly(db)
    assert con.execute(
        "select count(dest_province) from members where township = '桥墩镇'"
    ).fetchone() == (0,)
    con.close()

    [entry] = audit.recent(event="mapping_saved")
    assert entry["detail"] == {"township": "灵溪镇", "column": ODD, "field": "流入地"}


def test_an_analyst_sets_the_wave_of_a_file_that_names_none(raw):
    name = "灵溪镇台账.xlsx"
    at = _upload(_page(), [(name, _register(2), "application/octet-stream")])
    assert _previews(at)[name].result.status == "rejected"
    at.text_input(key="upload_wave_0").input("2022-04")
    at.button(key="upload_context_save_0").click().run()
    _ok(at)
    result = _previews(at)[name].result
    assert (result.status, result.wave, result.wave_from) == ("loaded", "2022-04", "分析员指定")


def test_a_wave_that_is_no_month_is_refused(raw):
    name = "灵溪镇台账.xlsx"
    at = _upload(_page(), [(name, _register(2), "application/octet-stream")])
    at.text_input(key="upload_wave_0").input("2022年4月")
    at.button(key="upload_context_save_0").click().run()
    _ok(at)
    assert any("YYYY-MM" in e.value for e in at.error)
    assert mappings.list_file_choices() == []


def test_a_guessed_wave_is_shown(raw):
    name = "灵溪镇台账.xlsx"
    data = _xlsx(
        [
            ["填报时间：2022年4月30日"],
            HEADER,
            [1, "甲", valid_id("33032719800101123"), "城东村党支部", "2021.3", "上海"],
        ]
    )
    at = _upload(_page(), [(name, data, "application/octet-stream")])
    captions = "\n".join(c.value for c in at.caption)
    assert "普查批次“2022-04”取自填报时间（请核对）" in captions
    assert "乡镇“灵溪镇”取自文件名（请核对）" in captions


def test_a_township_account_decides_for_its_own_township_only():
    preview = upload_flow.FilePreview(
        upload_flow.FileResult("f.xlsx", "loaded", township="桥墩镇", file_hash="ab" * 32)
    )
    mine = Scope.for_role("township", "灵溪镇", "qk")
    with pytest.raises(PermissionError):
        choices.choose_column(preview, ODD, "destination", actor="qk", scope=mine)
    with pytest.raises(PermissionError):
        choices.choose_context(preview, township=None, wave="2022-04", actor="qk", scope=mine)
    assert mappings.list_columns() == []


def test_an_admin_lists_and_removes_kept_mappings(raw):
    mapping_id = mappings.save_column("灵溪镇", ODD, "destination", "分析员甲")
    at = _page("analyst")
    [kept] = [d.value for d in at.dataframe if "原表列名" in d.value.columns]
    assert kept["原表列名"].tolist() == [ODD] and kept["对应字段"].tolist() == ["流入地"]
    assert not [b for b in at.button if b.key == "upload_forget"]  # an analyst cannot remove
    with pytest.raises(PermissionError):
        choices.forget_column(mapping_id, actor="x", scope=Scope.for_role("analyst"))

    at = _page("admin")
    at.button(key="upload_forget").click().run()
    _ok(at)
    assert mappings.list_columns() == []
    assert audit.recent(event="mapping_removed")[0]["detail"]["column"] == ODD


def test_the_cli_lists_and_removes_kept_mappings(capsys):
    mapping_id = mappings.save_column("灵溪镇", ODD, "destination", "分析员甲")
    assert main(["mappings", "list"]) == 0
    out = capsys.readouterr().out
    assert ODD in out and "流入地" in out and "灵溪镇" in out
    assert main(["mappings", "remove", str(mapping_id)]) == 0
    assert mappings.list_columns() == []
    assert main(["mappings", "remove", str(mapping_id)]) == 1


def test_a_header_written_as_markdown_is_shown_as_text(raw):
    """A header is the file's text: shown as itself, it cannot make the browser fetch an image."""
    header = [*HEADER[:5], "![x](http://example.invalid/a.png)"]
    rows = [[1, "甲", valid_id("33032719800101123"), "城东村党支部", "2021.3", "上海"]]
    name = "2022-04_灵溪镇_流动党员普查.xlsx"
    at = _upload(_page(), [(name, _xlsx([header, *rows]), "application/octet-stream")])
    [label] = [s.label for s in at.selectbox if s.key == "upload_map_0_0"]
    # Brackets escaped (no image), the bare URL broken by an invisible joiner (no link).
    assert label.startswith("“!\\[x\\](http:\u2060//example.invalid/a.png)”")


def test_a_column_declared_no_field_is_no_longer_asked_about(raw, isolated_env):
    header = [*HEADER[:6], "回乡与否"]  # looks like 是否返乡: flagged 需核对 until decided
    rows = [[1, "甲", valid_id("33032719800101123"), "城东村党支部", "2021.3", "上海", "x"]]
    files = [("2022-04_灵溪镇_流动党员普查.xlsx", _xlsx([header, *rows]))]
    [preview] = upload_flow.dry_run(files)
    assert any("“回乡与否”列像是“是否返乡”" in n for n in preview.result.notices)
    assert [c["column"] for c in choices.unmapped_columns(preview)] == [ODD, "回乡与否"]
    mappings.save_column("灵溪镇", "回乡与否", mappings.IGNORE, "分析员甲")
    [preview] = upload_flow.dry_run(files)
    assert not any("回乡与否" in n for n in preview.result.notices)
    assert [c["column"] for c in choices.unmapped_columns(preview)] == [ODD]
