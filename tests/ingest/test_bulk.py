"""Bulk mode (issue #6) goes through the same validation and load code as the workbook path:
the same people loaded either way give the same stats, and a chunk loads only once."""

from __future__ import annotations

import pandas as pd

from pipeline.cli.commands import stats_rows
from pipeline.demo import bulk as demo_bulk
from pipeline.ingest import bulk
from pipeline.ingest.batch import ingest_paths


def test_bulk_and_workbooks_give_the_same_stats(tmp_path):
    towns = demo_bulk.plan(3_000, 3, seed=11)
    books, chunks = tmp_path / "books", tmp_path / "chunks"
    books.mkdir()
    chunks.mkdir()
    for town in towns:
        demo_bulk.write_workbooks(town, books)
    bulk.write_chunk(chunks / "all.arrow", *demo_bulk.chunk_frame(towns))

    by_files = ingest_paths([books], db=tmp_path / "files.duckdb")
    assert {f.status for f in by_files.files} == {"loaded"}
    report = bulk.ingest_chunks(bulk.chunk_files(chunks), tmp_path / "bulk.duckdb", workers=1)
    assert report.rows_loaded == sum(f.rows_loaded for f in by_files.files) == 3_000
    assert stats_rows(tmp_path / "bulk.duckdb") == stats_rows(tmp_path / "files.duckdb")
    assert all(r["members_total"] for r in stats_rows(tmp_path / "bulk.duckdb"))

    again = bulk.ingest_chunks(bulk.chunk_files(chunks), tmp_path / "bulk.duckdb", workers=1)
    assert [f.status for f in again.files] == ["unchanged"]


def test_chunk_files_round_trip_the_raw_form(tmp_path):
    members, totals = demo_bulk.chunk_frame(demo_bulk.plan(500, 2, seed=1))
    path = bulk.write_chunk(tmp_path / "c.arrow", members, totals)
    back, back_totals = bulk.read_chunk(path)
    # the same cells; text stays in Arrow-backed strings instead of Python objects
    pd.testing.assert_frame_equal(back, members, check_dtype=False)
    pd.testing.assert_frame_equal(back_totals, totals, check_dtype=False)
    assert back["name"].dtype == "str"
