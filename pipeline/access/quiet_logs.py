"""No cell value reaches a log: an exception is logged as its type and where it was raised.

An exception's message is free text built from whatever the failing code held: pandera's
SchemaErrors lists its failure cases (names, ID numbers), DuckDB's conversion errors quote the
value, a KeyError is the key. Any of them logged with its traceback (ours, or Streamlit's
"Uncaught app execution") would write members' personal data into the server's log, which
operators read and ship elsewhere. Every log record made in a process that imports `pipeline`
carries its exception as type, module and frames only; an exception passed as an argument is
logged as its type name.
"""

from __future__ import annotations

import logging
import re
import threading

_installed = threading.Lock()
_done = False


class _Withheld(Exception):
    """Stands in for a logged exception: its type's name, no message, the same frames."""


def _stand_in(exc: BaseException, depth: int = 0) -> BaseException:
    kind = type(exc)
    stand_in_type = type(kind.__name__, (_Withheld,), {"__module__": kind.__module__})
    stand_in_type.__qualname__ = kind.__qualname__
    stand_in = stand_in_type()
    stand_in.__traceback__ = exc.__traceback__
    # a chained cause is logged the same way (its message could hold a value as well)
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is not None and cause is not exc and depth < 8:
        stand_in.__cause__ = _stand_in(cause, depth + 1)
    return stand_in


def withheld(exc_info):
    """`exc_info` as a record carries it, with each exception's message withheld."""
    if not exc_info:
        return exc_info
    if isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if isinstance(exc_info, tuple) and len(exc_info) == 3 and exc_info[1] is not None:
        stand_in = _stand_in(exc_info[1])
        return (type(stand_in), stand_in, exc_info[2])
    return exc_info


def _arg(value: object) -> object:
    return f"<{type(value).__name__}>" if isinstance(value, BaseException) else value


_PANIC_AT = re.compile(r"panicked at ([\w./\\-]+:\d+(?::\d+)?)")
_LAST_TYPE = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")


def stderr_summary(stderr: bytes) -> str:
    """What a crashed child printed, reduced to where it failed: the exception type of a
    Python traceback's last line, or where Rust panicked. The rest may quote a cell."""
    text = stderr.decode("utf-8", "replace")
    places = _PANIC_AT.findall(text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last = _LAST_TYPE.match(lines[-1]) if lines else None
    found = [f"panicked at {p}" for p in dict.fromkeys(places)] + ([last[1]] if last else [])
    return "; ".join(found) or f"{len(stderr)} bytes on stderr"


def install() -> None:
    """Make every log record of this process withhold exception messages. Idempotent."""
    global _done
    with _installed:
        if _done:
            return
        make = logging.getLogRecordFactory()

        def record(name, level, fn, lno, msg, args, exc_info, func=None, sinfo=None, **kw):
            if isinstance(args, tuple):
                args = tuple(_arg(a) for a in args)
            return make(name, level, fn, lno, msg, args, withheld(exc_info), func, sinfo, **kw)

        logging.setLogRecordFactory(record)
        _done = True
