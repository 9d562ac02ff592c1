"""Shared fixtures: isolated warehouse and secret per test, literal spreadsheets, the samples."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "samples"

# A plain modern register header (the layout of most township files).
HEADER = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "所在党支部",
    "所属乡镇",
    "流出时间",
    "流入地",
    "从事职业",
    "联系电话",
    "联系状态",
    "最近联系时间",
    "是否返乡",
    "返乡时间",
    "创办企业",
    "带动就业人数",
]


def valid_id(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    )


DEFAULT_ID = valid_id("33032719800101123")  # a man born 1980-01-01


def member(
    seq=1,
    name="张三",
    gender="男",
    id_number=DEFAULT_ID,
    branch="第一党支部",
    township="灵溪镇",
    outflow="2021.3",
    destination="上海市闵行区",
    occupation="制造业",
    phone="13800001111",
    status="正常",
    contact="2022-03-01",
    returned="否",
    return_date=None,
    enterprise=None,
    jobs=None,
):
    return [
        seq,
        name,
        gender,
        id_number,
        branch,
        township,
        outflow,
        destination,
        occupation,
        phone,
        status,
        contact,
        returned,
        return_date,
        enterprise,
        jobs,
    ]


def fetch_all(db, sql: str, params=()) -> list[tuple]:
    """Rows of a query on a warehouse file, read-only, the connection closed again."""
    from pipeline.warehouse.store import connect_readonly

    con = connect_readonly(db)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Never touch the developer's warehouse, secret, or accounts and audit log."""
    monkeypatch.setenv("CENSUS_DB", str(tmp_path / "census.duckdb"))
    monkeypatch.setenv("CENSUS_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("CENSUS_STATE_DB", str(tmp_path / "state" / "app.sqlite"))
    return tmp_path


@pytest.fixture(autouse=True)
def keep_main_module():
    """AppTest runs each page as `__main__` and leaves it in sys.modules; a later test that spawns
    worker processes (bulk ingest) would then re-run that page in every child."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture
def write_xlsx(tmp_path):
    """Write a real workbook: {sheet: rows}, optional merges {sheet: ["A1:C1", ...]}."""

    def write(
        name: str,
        sheets: dict[str, list[list]],
        merges: dict[str, list[str]] | None = None,
        folder: Path | None = None,
    ) -> Path:
        path = (folder or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
        for sheet_name, rows in sheets.items():
            sheet = book.add_worksheet(sheet_name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is not None:
                        sheet.write(r, c, value)
            for ref in (merges or {}).get(sheet_name, []):
                first = ref.split(":")[0]
                col = ord(first[0]) - 65
                row_index = int(first[1:]) - 1
                sheet.merge_range(ref, rows[row_index][col] if row_index < len(rows) else None)
        book.close()
        return path

    return write


_NO_SAMPLES = "../shared/samples is not beside this checkout"
# A checkout without the shared samples still runs every test that does not read them.
needs_samples = pytest.mark.skipif(not SAMPLES.exists(), reason=_NO_SAMPLES)


def require_samples() -> Path:
    """The shared samples folder, or skip the test (for fixtures, which take no marks)."""
    if not SAMPLES.exists():
        pytest.skip(_NO_SAMPLES)
    return SAMPLES


@pytest.fixture(scope="session")
def truth() -> dict:
    return json.loads((require_samples() / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def samples_db(tmp_path_factory, truth):
    """A warehouse built once from ../shared/samples (tests must not write to it)."""
    import os

    from pipeline.ingest.batch import ingest_paths

    folder = tmp_path_factory.mktemp("samples_db")
    os.environ.setdefault("CENSUS_SECRET_FILE", str(folder / "secret.key"))
    db = folder / "census.duckdb"
    report = ingest_paths([SAMPLES], db=db)
    return db, report


def shown(markdown: str) -> str:
    """What a reader sees of Markdown that `dashboard.text.plain` wrote: the backslash escapes
    and the invisible joiner that keeps a bare URL from linking dropped."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


@pytest.fixture
def chromium(tmp_path):
    """Headless Chromium (the real-server tests) that saves downloads into `chromium.downloads`
    and reports them."""
    from dashboard import browser

    with browser.Chromium() as c:
        c.downloads = tmp_path / "downloads"
        c.downloads.mkdir()
        c.send(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(c.downloads), "eventsEnabled": True},
        )
        yield c
