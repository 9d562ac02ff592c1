"""Many staged files cleaned as one: the fixed costs of cleaning paid once per chunk.

A county batch is often sixty township files of a few thousand rows each. Cleaning them one by
one pays pandera's set-up, the frame building and the per-distinct-value parsing sixty times;
cleaning their rows together (each row tagged with its file, `schemas.FILE_PART`) pays them
once, and each file gets exactly what cleaning it alone would give: every rule is per row, the
duplicate rule is per file, and each file's issues carry its own column headers. A file whose
values outvote a header rule (`value_vote`) is cleaned again alone, as `prepare` would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.clean.schemas import FILE_PART
from pipeline.clean.transform import Cleaned, ContextMissing, clean_branch_totals, clean_census
from pipeline.ingest.prepare import (
    Prepared,
    Staged,
    clean_alone,
    contradicted,
    finish,
    prepare_staged,
    settle,
    totals_context,
)

log = logging.getLogger(__name__)


def clean_together(
    staged: list[Staged], hash_id: Callable[[str], str], home_county: str
) -> list[Prepared | Exception]:
    """Each staged file's `Prepared`, or the exception that rejects it, in the same order."""
    if len(staged) == 1:
        return [_finish_alone(staged[0], hash_id, home_county)]
    try:
        cleaned = clean_census(
            pd.concat(
                [s.raw.assign(**{FILE_PART: i}) for i, s in enumerate(staged)], ignore_index=True
            ),
            township=None,
            wave=None,
            home_county=home_county,
            hash_id=hash_id,
            context=pd.concat([s.context for s in staged], ignore_index=True),
        )
    except Exception:
        # a surprise in one file's values must cost only that file: clean each alone
        log.info("cleaning a chunk together failed; cleaning its files one by one", exc_info=True)
        return [_finish_alone(s, hash_id, home_county) for s in staged]
    parts = _split(cleaned, staged)
    settled: list[tuple | Exception] = []
    for one, part in zip(staged, parts, strict=True):
        try:
            wrong = contradicted(one, part)
            if wrong:  # this file's values outvote a header rule: it is cleaned again alone
                part, wrong = clean_alone(one, hash_id, home_county)
            settled.append((part, wrong, *settle(one, part.members)))
        except Exception as exc:
            settled.append(exc)
    totals = _totals_together(staged, settled)
    out: list[Prepared | Exception] = []
    for i, (one, item) in enumerate(zip(staged, settled, strict=True)):
        if isinstance(item, Exception):
            out.append(item)
            continue
        if isinstance(totals.get(i), Exception):
            out.append(totals[i])
            continue
        part, wrong, township, wave = item
        try:
            out.append(finish(one, part, wrong, township, wave, totals.get(i)))
        except Exception as exc:
            out.append(exc)
    return out


def _finish_alone(one: Staged, hash_id, home_county: str) -> Prepared | Exception:
    try:
        return prepare_staged(one, hash_id, home_county)
    except Exception as exc:
        return exc


def _split(cleaned: Cleaned, staged: list[Staged]) -> list[Cleaned]:
    """The chunk's result cut back into one `Cleaned` per file."""
    # the rows keep their files' order, so each file's members are one slice of the chunk's
    members = _positions(cleaned.parts, len(staged))
    rejects = _positions(cleaned.rejects[FILE_PART].to_numpy(), len(staged))
    warnings = _positions(cleaned.warnings[FILE_PART].to_numpy(), len(staged))
    out = []
    for i, one in enumerate(staged):
        own_rejects = _own_issues(cleaned.rejects, rejects[i], one.labels)
        out.append(
            Cleaned(
                members=_rows(cleaned.members, members[i]),
                rejects=own_rejects,
                warnings=_own_issues(cleaned.warnings, warnings[i], one.labels),
                rows_rejected=len(own_rejects[["sheet", "excel_row"]].drop_duplicates()),
            )
        )
    return out


def _rows(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """The rows at these ascending positions: a slice when they are consecutive (no copy)."""
    if len(positions) and positions[-1] - positions[0] + 1 == len(positions):
        return frame.iloc[positions[0] : positions[-1] + 1].reset_index(drop=True)
    return frame.take(positions).reset_index(drop=True)


def _positions(parts: np.ndarray, count: int) -> list[np.ndarray]:
    """Row positions of each part 0..count-1, in their original order."""
    parts = np.asarray(parts, dtype=np.int64)
    order = np.argsort(parts, kind="stable")
    bounds = np.searchsorted(parts[order], np.arange(count + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(count)]


def _own_issues(issues: pd.DataFrame, rows: np.ndarray, labels: dict[str, str]) -> pd.DataFrame:
    """One file's issues, each column named as that file's header words it."""
    own = issues.take(rows).drop(columns=FILE_PART).reset_index(drop=True)
    if not len(own):  # as cleaning the file alone gives it, whatever the other files' types
        return pd.DataFrame(columns=own.columns)
    if labels:
        # cleaned without labels, each issue is headed by the field's usual name till here
        own["column_label"] = [
            labels.get(f, label) for f, label in zip(own["field"], own["column_label"], strict=True)
        ]
    return own


def _totals_together(staged: list[Staged], settled: list) -> dict[int, tuple | Exception]:
    """Every file's 支部情况 rows cleaned at once: file position → (totals, rejects)."""
    raws, contexts, which = [], [], []
    out: dict[int, tuple | Exception] = {}
    for i, (one, item) in enumerate(zip(staged, settled, strict=True)):
        if one.book.branch_totals is None or isinstance(item, Exception):
            continue
        _part, _wrong, township, wave = item
        if not (township and wave):
            continue
        try:
            contexts.append(totals_context(one, township, wave))
        except ContextMissing as exc:
            out[i] = exc
            continue
        raws.append(one.book.branch_totals.reset_index(drop=True).assign(**{FILE_PART: i}))
        which.append(i)
    if not raws:
        return out
    try:
        totals, rejects = clean_branch_totals(
            pd.concat(raws, ignore_index=True),
            township=None,
            wave=None,
            context=pd.concat(contexts, ignore_index=True),
        )
    except Exception:
        log.info("cleaning 支部情况 together failed; one by one", exc_info=True)
        for i in which:
            _part, _wrong, township, wave = settled[i]
            try:
                out[i] = clean_branch_totals(
                    staged[i].book.branch_totals, township=township, wave=wave
                )
            except Exception as exc:
                out[i] = exc
        return out
    total_rows = _positions(totals[FILE_PART].to_numpy(), len(staged))
    reject_rows = _positions(rejects[FILE_PART].to_numpy(), len(staged))
    for i in which:
        out[i] = (
            totals.take(total_rows[i]).drop(columns=FILE_PART).reset_index(drop=True),
            _own_issues(rejects, reject_rows[i], {}),
        )
    return out
