"""`make bench`: ingest against a plain read, scale runs, docs/benchmarks.md."""
