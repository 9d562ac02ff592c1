"""The Spark marts are the warehouse's own models translated (pipeline/warehouse/spark.py), so
the figures are defined once. Without Spark (`make test-scale` runs them there): every model
translates to a Spark temporary view, and the shared ones carry the warehouse's rules."""

from __future__ import annotations

import re

import pytest

sqlglot = pytest.importorskip("sqlglot")

from pipeline.warehouse import spark  # noqa: E402


@pytest.mark.parametrize("name", list(spark.MODELS))
def test_every_model_is_a_spark_temporary_view(name):
    sql = spark.model_sql(name)
    assert re.search(rf"^create or replace temp(orary)? view {name} as\b", sql, re.I | re.M)
    sqlglot.parse_one(sql, read="spark")  # Spark's grammar takes it


def test_the_shared_models_come_from_the_warehouse_files():
    """Only the staging views (reading the export) are Spark's own files."""
    own = {n for n, source in spark.MODELS.items() if source and source.startswith("spark/")}
    assert own == {"stg_members", "stg_header_entries"}
    flags = spark.model_sql("int_member_flags")
    assert "DATEDIFF" in flags.upper() and "reports_contact_status" in flags
    county = spark.model_sql("mart_county_wave")
    assert "lost_contact_townships" in county and "outflow_counted" in county


def test_a_model_that_is_not_a_view_is_refused():
    with pytest.raises(ValueError, match="create or replace"):
        spark.to_spark("select 1")
