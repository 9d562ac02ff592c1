"""Which files a batch is, and each file read ahead of the one being cleaned.

Light on purpose (no pandas, no DuckDB): `python -m pipeline ingest` starts reading its first
file before it imports the heavy rest, so calamine's parse (which holds no GIL) and those
imports run at the same time.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

# .et/.ett: WPS 表格's own names; read by their bytes like any file (an old .et is BIFF), or
# refused with a reason: a watched folder must not pass over them without a word. .xml: what
# Excel 2003 saves its XML Spreadsheet as (other XML is refused, with a reason).
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".et", ".ett", ".xml"}
READERS = 2  # files read at once, ahead of the one being staged
# A module another thread is still importing is in sys.modules half-built, and Python hands it
# out as it is (dataclasses reads `typing` from there; pandas, pyarrow and pandera import one
# another). `python -m pipeline ingest` rejected a good workbook now and then (three of about
# fifty runs today) with "partially initialized module 'typing' has no attribute 'ClassVar'":
# its reading thread imported the readers while the command imported the rest. The reading
# thread now imports nothing of its own (`start_reading`), and the heavy imports (the
# command's, the primer's, the layout's) take this lock in turn.
IMPORTING = threading.RLock()


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files and folders → the files to ingest, in sorted file-name order (spec §4)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            # A link inside the folder that leads out of it is not part of the batch: the
            # folder is what the analyst (or an upload) put there, nothing else on the disk.
            root = path.resolve()
            found += [
                p
                for p in path.rglob("*")
                if p.is_file() and not _ignored(p) and p.resolve().is_relative_to(root)
            ]
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"找不到文件或文件夹：{path}")
    return sorted(set(found), key=lambda p: (p.name, str(p)))


def _ignored(path: Path) -> bool:
    # Office lock files (~$x.xlsx), hidden files and our own notes are not census files.
    return path.name.startswith(("~$", ".")) or path.suffix.lower() in {".json", ".md", ".gitkeep"}


@dataclass
class Read:
    """What the reading thread learnt of a file: its hash, and its sheets and layout (or why
    not). A file the warehouse already held when the batch began is hashed, not parsed."""

    digest: str | None = None
    book: tuple | None = None  # (sheets, parse.layout.Workbook)
    error: BaseException | None = None


def read_file(
    path: Path, home_county: str, known: Iterable[str] = (), guarded: threading.Event | None = None
) -> Read:
    """One file hashed, then (unless `known`) read and laid out; never raises.

    `guarded` is set once the file's guard has passed and calamine parses (or the read is
    over, whichever way it went)."""
    try:
        try:
            digest = file_hash(path.read_bytes())
        except OSError as exc:
            return Read(error=exc)
        if digest in known:
            return Read(digest)
        try:
            from pipeline.intake.readers import read_sheets

            # prime imports and warms the cleaning code while calamine parses (no GIL held)
            sheets = read_sheets(path, meanwhile=partial(_prime, home_county, guarded))
            with IMPORTING:
                from pipeline.parse.layout import parse_workbook

            return Read(digest, (sheets, parse_workbook(sheets)))
        except Exception as exc:  # judged by the main thread, in file order
            return Read(digest, error=exc)
    finally:
        if guarded is not None:
            guarded.set()


def _prime(home_county: str, guarded: threading.Event | None = None) -> None:
    if guarded is not None:
        guarded.set()
    with IMPORTING:  # its first run imports, and pandas and pandera import more as they go
        from pipeline.ingest.primer import prime

        prime(home_county)


def start_reading(path: Path, home_county: str) -> tuple[Future, threading.Event]:
    """The first file's `read_file` under way in a thread (see `read_ahead`'s `first`), and
    the event set once its guard has passed and calamine parses.

    The guard is Python (regexes over the inflated sheet) and holds the GIL, as imports do:
    run side by side the two took 0.99 s where the guard alone takes 0.33 s, and the parse
    waited for both. A caller that waits for the event before importing pays for the guard
    once and imports while calamine parses, which holds no GIL."""
    import pipeline.intake.readers  # noqa: F401  (here, not in the thread: see IMPORTING)

    guarded = threading.Event()
    pool = ThreadPoolExecutor(1, thread_name_prefix="read-first")
    try:
        return pool.submit(read_file, path, home_county, (), guarded), guarded
    finally:
        pool.shutdown(wait=False)


def read_ahead(
    files: list[Path], known: set[str], home_county: str, first: Future | None = None
) -> Iterator[tuple[Path, Read]]:
    """Each file with its `Read`, in order, the next READERS files read in threads meanwhile.

    calamine parses without the GIL, so one reader's parse overlaps another's guard and
    layout (Python) and the main thread's staging, on a machine of two cores as on more; a
    county batch is read-bound (60 files: the readers 7 s, everything else 6 s). At most
    READERS files wait read, so memory stays bounded. `first`: files[0] already under way
    (`start_reading`)."""
    with ThreadPoolExecutor(READERS, thread_name_prefix="read-ahead") as pool:
        ahead: deque[Future] = deque()
        if first is not None:
            ahead.append(first)
        queued = len(ahead)
        for path in files:
            while queued < len(files) and len(ahead) <= READERS:
                ahead.append(pool.submit(read_file, files[queued], home_county, known))
                queued += 1
            yield path, ahead.popleft().result()
