"""The DuckDB store, the SQL models of pipeline/sql, the Parquet export and the Spark marts."""
