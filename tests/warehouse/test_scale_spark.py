"""The county-level mart SQL on Spark (local mode) against the Parquet export gives the
warehouse's figures (issue #6). Slow: run by `make test-scale`, which installs PySpark."""

from __future__ import annotations

import math
import shutil

import duckdb
import pytest

from pipeline.queries import analysis as queries
from pipeline.queries.base import Filters
from pipeline.warehouse.parquet import export_parquet

pytestmark = pytest.mark.slow
pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("PySpark needs Java 17+", allow_module_level=True)

RATES = (
    "outflow_share_pct",
    "long_term_pct",
    "lost_contact_rate_pct",
    "dual_managed_pct",
    "certificate_rate_pct",
)


@pytest.fixture(scope="module")
def spark():
    from pipeline.warehouse import spark as spark_marts

    session = spark_marts.session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory):
    """Three waves of a few dozen townships with branch summaries, loaded in bulk."""
    import os

    from pipeline.demo import bulk as demo_bulk
    from pipeline.ingest import bulk

    folder = tmp_path_factory.mktemp("synthetic")
    os.environ.setdefault("CENSUS_SECRET_FILE", str(folder / "secret.key"))
    towns = demo_bulk.plan(40_000, 30, seed=3)
    for i, group in enumerate(demo_bulk.chunks(towns, 15_000)):
        bulk.write_chunk(folder / f"c{i}.arrow", *demo_bulk.chunk_frame(group))
    db = folder / "census.duckdb"
    bulk.ingest_chunks(bulk.chunk_files(folder), db, workers=1)
    return db


def _spark_marts(spark, db, tmp_path):
    from pipeline.warehouse import spark as spark_marts

    export_parquet(db, tmp_path / "export")
    spark_marts.register_export(spark, tmp_path / "export")
    spark_marts.build(spark)
    return (
        spark_marts.rows(spark, "mart_township_wave", "township, wave"),
        spark_marts.rows(spark, "mart_county_wave", "wave"),
    )


def _same(ours: dict, theirs: dict, columns) -> None:
    for column in columns:
        a, b = ours[column], theirs[column]
        if column in RATES:  # both round to the cent; doubles and decimals may differ at a tie
            assert (a is None) == (b is None or (isinstance(b, float) and math.isnan(b))), column
            if a is not None:
                assert abs(float(a) - float(b)) <= 0.0100001, (column, a, b)
        else:
            b = None if isinstance(b, float) and math.isnan(b) else b
            assert (None if a is None else int(a)) == (None if b is None else int(b)), (
                column,
                a,
                b,
            )


@pytest.mark.parametrize("which", ["samples", "synthetic"])
def test_spark_county_marts_equal_the_warehouse(which, spark, samples_db, synthetic_db, tmp_path):
    db = samples_db[0] if which == "samples" else synthetic_db
    townships, county = _spark_marts(spark, db, tmp_path)
    con = duckdb.connect(str(db), read_only=True)
    try:
        expected = con.execute("select * from mart_township_wave order by township, wave").fetchdf()
        by_wave = queries.metrics_by_wave(con, Filters())
    finally:
        con.close()
    assert len(townships) == len(expected) > 0
    for ours, theirs in zip(townships, expected.to_dict("records"), strict=True):
        assert (ours["township"], ours["wave"]) == (theirs["township"], theirs["wave"])
        _same(ours, theirs, [c for c in expected.columns if c not in ("township", "wave")])
    assert [r["wave"] for r in county] == by_wave["wave"].tolist()
    for ours, theirs in zip(county, by_wave.to_dict("records"), strict=True):
        _same(ours, theirs, [c for c in by_wave.columns if c != "wave"])
