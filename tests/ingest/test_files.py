"""A batch's files read ahead: two at once, handed over in file order, a bounded few waiting."""

from __future__ import annotations

import threading

from pipeline.ingest import files
from pipeline.ingest.files import READERS, read_ahead
from tests.conftest import HEADER, member


def _books(write_xlsx, count):
    return [
        write_xlsx(f"2022-04_镇{i:02d}.xlsx", {"s": [HEADER, member(seq=1, name=f"成员{i}")]})
        for i in range(count)
    ]


def test_two_files_are_read_at_once_and_handed_over_in_order(write_xlsx, monkeypatch):
    # A county batch is read-bound; calamine's parse holds no GIL, so a second reader thread
    # overlaps one file's parse with another's guard and layout. With one reader, the first
    # two reads never meet and the barrier breaks.
    paths = _books(write_xlsx, 7)
    meet = threading.Barrier(2, timeout=20)
    lock = threading.Lock()
    started: list = []
    real = files.read_file

    def reading(path, home_county, known=()):
        with lock:
            started.append(path)
            first_two = len(started) <= 2
        if first_two:
            meet.wait()  # both of the first two files are being read at the same moment
        return real(path, home_county, known)

    monkeypatch.setattr(files, "read_file", reading)
    handed = []
    for path, read in read_ahead(paths, set(), "330327"):
        assert read.error is None and read.book is not None
        handed.append(path)
        # never more than READERS files read ahead of the one being handed over
        assert len(started) - len(handed) <= READERS
    assert handed == paths
    assert sorted(started) == sorted(paths)


def test_a_known_file_is_hashed_not_read(write_xlsx):
    paths = _books(write_xlsx, 3)
    known = {files.file_hash(paths[1].read_bytes())}
    reads = [read for _path, read in read_ahead(paths, known, "330327")]
    assert [read.book is None for read in reads] == [False, True, False]
    assert reads[1].digest in known


def test_the_first_read_tells_when_its_guard_has_passed(write_xlsx, monkeypatch):
    # The guard (regexes) and the command's imports both hold the GIL: side by side each
    # waited for the other. `ingest` imports once this event is set: after the guard, while
    # calamine parses. Set too early, the two meet again; never set, the command would hang.
    from pipeline.intake import readers
    from pipeline.parse import layout

    path = _books(write_xlsx, 1)[0]
    go, during_guard, during_layout = threading.Event(), [], []
    box: dict = {}
    real_scan, real_layout = readers.scan_xlsx_cells, layout.parse_workbook

    def scan(data, *args):
        assert go.wait(20)
        during_guard.append(box["guarded"].is_set())
        return real_scan(data, *args)

    def parse_workbook(sheets, *args, **kwargs):
        during_layout.append(box["guarded"].is_set())
        return real_layout(sheets, *args, **kwargs)

    monkeypatch.setattr(readers, "scan_xlsx_cells", scan)
    monkeypatch.setattr(layout, "parse_workbook", parse_workbook)
    future, box["guarded"] = files.start_reading(path, "330327")
    go.set()
    assert box["guarded"].wait(20)
    read = future.result(timeout=20)
    assert read.error is None and read.book is not None
    assert during_guard == [False]
    assert during_layout and all(during_layout)


def test_the_first_read_sets_its_event_when_the_file_cannot_be_read(tmp_path):
    bad = tmp_path / "2024-04_灵溪镇.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a workbook")
    future, guarded = files.start_reading(bad, "330327")
    assert guarded.wait(20)
    assert future.result(timeout=20).error is not None
