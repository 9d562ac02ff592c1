"""No member's name, ID or phone reaches a log, however the code that logs fails.

An exception's message is built from what the failing code held (pandera lists its failure
cases, DuckDB quotes the value it could not convert), and a traceback in the log carries it.
Tried as an attacker reading the server's log would: the values must not be there, the
exception's type and frames must.
"""

from __future__ import annotations

import io
import logging
import subprocess
import sys

import pytest

from pipeline.access.quiet_logs import stderr_summary
from pipeline.ingest import chunk
from pipeline.ingest.batch import ingest_paths
from tests.conftest import HEADER, member, valid_id

NAME, ID, PHONE = "欧阳秘密", valid_id("33032719900101123"), "13912345678"


def _handler() -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    return handler, stream


@pytest.fixture
def server_log():
    """The root logger's output, as a deployment's log file gets it."""
    handler, stream = _handler()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old)


def test_a_failure_while_cleaning_logs_no_value(write_xlsx, isolated_env, monkeypatch, server_log):
    files = [
        write_xlsx(
            f"2022-04_{town}_流动党员.xlsx",
            {"名单": [HEADER, member(name=NAME, id_number=ID, phone=PHONE, township=town)]},
        )
        for town in ("灵溪镇", "钱库镇")
    ]
    real = chunk.clean_census

    def failing(raw, **kwargs):
        if "file_part" in raw:  # the chunk's cleaning fails as pandera would, naming its cases
            raise ValueError(f"failure cases: {raw['name'].tolist()} {raw['id_number'].tolist()}")
        return real(raw, **kwargs)

    monkeypatch.setattr(chunk, "clean_census", failing)
    report = ingest_paths(files, isolated_env / "census.duckdb")
    assert [f.status for f in report.files] == ["loaded", "loaded"]  # each cleaned alone
    text = server_log.getvalue()
    assert "cleaning a chunk together failed" in text and "ValueError" in text
    assert "chunk.py" in text  # where it failed is kept
    for value in (NAME, ID, ID[-6:], PHONE):
        assert value not in text


def test_streamlits_uncaught_exception_log_holds_no_value(server_log):
    """What Streamlit logs for an exception a page raises ("Uncaught app execution"). Once
    Streamlit has set up its loggers they stop propagating to the root: its own handler is
    where the record goes, so the test's handler is put there too."""
    handler, stream = _handler()
    streamlit_log = logging.getLogger("streamlit.error_util")
    streamlit_log.addHandler(handler)
    try:
        try:
            {}[ID]
        except KeyError as missing:
            raise ValueError(f"Could not convert string '{NAME}' to INT32") from missing
    except ValueError as exc:
        streamlit_log.error("Uncaught app execution", exc_info=exc)
        logging.getLogger("pipeline.intake.readers").info("calamine refused: %r", exc)
    finally:
        streamlit_log.removeHandler(handler)
    text = stream.getvalue() + server_log.getvalue()
    assert "Uncaught app execution" in text and "KeyError" in text and "ValueError" in text
    assert "<ValueError>" in text
    assert NAME not in text and ID not in text


def test_a_fresh_process_withholds_messages_once_it_imports_pipeline():
    code = (
        "import logging, pipeline\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "try:\n    raise RuntimeError('" + PHONE + "')\n"
        "except RuntimeError:\n    logging.getLogger('any').exception('failed')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "RuntimeError" in done.stderr and PHONE not in done.stderr


@pytest.mark.parametrize(
    ("stderr", "summary"),
    [
        (
            f"thread '<unnamed>' panicked at src/xlsx/cells.rs:120:9:\n"
            f"cannot parse '{NAME}'\n".encode(),
            "panicked at src/xlsx/cells.rs:120:9",
        ),
        (f"Traceback …\nValueError: '{ID}' is not a number\n".encode(), "ValueError"),
        (f"{PHONE}\n".encode(), "12 bytes on stderr"),
        (b"", "0 bytes on stderr"),
    ],
)
def test_a_crashed_readers_output_is_logged_without_its_values(stderr, summary):
    assert stderr_summary(stderr) == summary
