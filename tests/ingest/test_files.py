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
