"""Personal data: never in clear in the warehouse or the logs; masked forms look as expected.

The samples' names, ID and phone numbers are collected straight from the sample files (with
python-calamine and csv, not through the pipeline), so the scan does not trust the code it checks.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from pipeline.access.masking import mask_frame, mask_id, mask_name, mask_phone, redact_text
from tests.conftest import SAMPLES, needs_samples

ROOT = Path(__file__).resolve().parents[2]
ID_PATTERN = re.compile(r"(?<![0-9])(\d{17}[0-9Xx])(?![0-9])")
MOBILE = re.compile(r"(?<![0-9])(1[3-9]\d{9})(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3}-?\d{7,8})(?![0-9])")
NAME = re.compile(r"[\u4e00-\u9fff·]{2,5}")
NOT_NAMES = {"合计", "总计", "小计", "填表人", "审核人", "姓名"}

pytestmark = needs_samples


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number
    return unicodedata.normalize("NFKC", str(value)).strip()


def _sheets(path: Path) -> list[list[list]]:
    if path.suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return [list(csv.reader(raw.decode(encoding).splitlines()))]
            except UnicodeDecodeError:
                continue
        raise AssertionError(f"cannot decode {path.name}")
    book = CalamineWorkbook.from_path(str(path))
    return [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]


def collect_personal_data() -> dict[str, set[str]]:
    found = {"ids": set(), "phones": set(), "names": set()}
    files = [p for p in sorted(SAMPLES.iterdir()) if p.suffix in (".xlsx", ".xls", ".csv")]
    for path in files:
        for rows in _sheets(path):
            name_col = None
            for row in rows:
                cells = [_cell_text(v) for v in row]
                for text in cells:
                    found["ids"].update(m.upper() for m in ID_PATTERN.findall(text))
                    found["phones"].update(MOBILE.findall(text) + LANDLINE.findall(text))
                if name_col is None and "姓名" in cells:
                    name_col = cells.index("姓名")
                elif name_col is not None and name_col < len(cells):
                    name = cells[name_col]
                    if NAME.fullmatch(name) and name not in NOT_NAMES:
                        found["names"].add(name)
    return found


@pytest.fixture(scope="module")
def personal() -> dict[str, set[str]]:
    data = collect_personal_data()
    # The scan is only meaningful if the collector found the people in the samples.
    assert len(data["ids"]) > 400 and len(data["phones"]) > 400 and len(data["names"]) > 400
    return data


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A warehouse from the samples, with every log record of the ingest captured."""
    from pipeline.ingest.batch import ingest_paths

    folder = tmp_path_factory.mktemp("pii")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, root = Keep(level=logging.DEBUG), logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CENSUS_SECRET_FILE", str(folder / "secret.key"))
            report = ingest_paths([SAMPLES], db=folder / "census.duckdb")
        logging.getLogger("pipeline.ingest.batch").debug(
            "capture-probe"
        )  # proves DEBUG is captured
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert not report.any_rejected
    log_text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records)
    return folder / "census.duckdb", log_text


def clear_ids_in(db: Path, ids: set[str]) -> list[tuple[str, str, str]]:
    """(table, column, id) for every ID number found in clear in any column of any table/view."""
    hits = []
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns"
            " where table_schema = 'main' order by 1, 2"
        ).fetchall()
        for table, column in columns:
            values = con.execute(
                f'select distinct cast("{column}" as varchar) from "{table}"'
                f' where "{column}" is not null'
            ).fetchall()
            for (value,) in values:
                digits = re.sub(r"[^0-9Xx]", "", value).upper()  # also catches 3303 2719… spacing
                for i in range(len(digits) - 17):
                    if digits[i : i + 18] in ids:
                        hits.append((table, column, digits[i : i + 18]))
    finally:
        con.close()
    return hits


def test_no_sample_id_number_is_in_clear_anywhere_in_the_warehouse(built, personal):
    db, _ = built
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute(
        "select count(*), count(id_hash), count(id_masked) from members"
    ).fetchone()
    tables = {
        t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()
    }
    con.close()
    assert stored[0] > 600 and stored[1] == stored[2] > 600  # the IDs did arrive, hashed and masked
    assert {"members", "quarantine", "warnings", "ingest_log", "source_files"} <= tables
    assert clear_ids_in(db, personal["ids"]) == []


def test_the_scan_finds_an_id_when_one_is_there(tmp_path, personal):
    some_id = sorted(personal["ids"])[0]
    db = tmp_path / "leaky.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table notes (n integer, remark varchar, tags varchar[])")
    con.execute("insert into notes values (1, ?, ['a'])", [f"身份证 {some_id[:6]} {some_id[6:]}"])
    con.execute("insert into notes values (2, 'x', [?])", [some_id])
    con.close()
    assert sorted(clear_ids_in(db, personal["ids"])) == [
        ("notes", "remark", some_id),
        ("notes", "tags", some_id),
    ]


def _leaks(text: str, personal: dict[str, set[str]]) -> list[str]:
    return sorted(v for kind in ("ids", "phones", "names") for v in personal[kind] if v in text)


def test_the_ingest_logs_no_name_id_or_phone(built, personal):
    _, log_text = built
    assert "capture-probe" in log_text
    assert _leaks(log_text, personal) == []


def test_a_command_line_ingest_prints_no_name_id_or_phone(tmp_path, personal):
    env = {**os.environ, "CENSUS_SECRET_FILE": str(tmp_path / "secret.key")}
    for extra, db in (([], "census.duckdb"), (["--json"], "again.duckdb")):
        run = subprocess.run(
            [sys.executable, "-m", "pipeline", "ingest", str(SAMPLES), *extra],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
            env={**env, "CENSUS_DB": str(tmp_path / db)},
        )
        assert run.returncode == 0, run.stderr[-2000:]
        assert '"loaded"' in run.stdout if extra else "已入库" in run.stdout  # it really ran
        assert _leaks(run.stderr, personal) == []
        assert _leaks(run.stdout, personal) == []


# ---------------------------------------------------------------- masked display forms


@pytest.mark.parametrize(
    "name, masked",
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("张", "*"),
        (" 李四 ", "李*"),
        ("买买提·艾力", "买****力"),
        (None, None),
        ("", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("13812345678", "138****5678"),
        (13812345678.0, "138****5678"),
        (13812345678, "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("0577-64781234", "0577-****1234"),
        ("(0577)64781234", "0577-****1234"),
        ("010-12345678", "010-****5678"),
        ("01012345678", "010-****5678"),
        ("057764781234", "0577-****1234"),
        ("0577-6478123", "0577-***8123"),
        ("0577-64781234-801", "0577-****1234"),
        ("64781234", "****1234"),
        ("12345", "*****"),
        (None, None),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_id_and_free_text():
    assert mask_id("330327198505288273") == "330327********8273"
    assert mask_id("33032719730127190x") == "330327********190x"
    text = redact_text("张三 330327198505288273 手机13812345678，座机0577-64781234")
    assert "198505288" not in text and "1234567" not in text.replace("138****5678", "")
    assert "330327********8273" in text and "138****5678" in text


def test_mask_frame_masks_only_personal_columns():
    frame = pd.DataFrame(
        {
            "name": ["张三丰", None],
            "phone": ["13812345678", "0577-64781234"],
            "township": ["灵溪镇", "宜山镇"],
            "jobs_created": [3, 0],
        }
    )
    masked = mask_frame(frame)
    assert masked["name"][0] == "张*丰" and pd.isna(masked["name"][1])
    assert masked["phone"].tolist() == ["138****5678", "0577-****1234"]
    assert masked["township"].tolist() == ["灵溪镇", "宜山镇"]
    assert frame["name"][0] == "张三丰"  # the input is not changed
    shown = mask_frame(frame.rename(columns={"name": "姓名"}), {"姓名": mask_name})
    assert shown["姓名"][0] == "张*丰" and "name" not in shown.columns
