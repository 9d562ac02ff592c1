"""The model build: each model once its inputs are built, several at a time on a county-sized
warehouse, one by one inside a caller's transaction or on a big warehouse; the same tables
either way."""

from __future__ import annotations

import shutil
import threading

import duckdb
import pytest

from pipeline.warehouse import models
from pipeline.warehouse.models import build_models, model_files, model_needs


def _sql_dir(tmp_path, files: dict[str, str]):
    """A model folder of our own: {"staging/stg_a": sql, ...}."""
    root = tmp_path / "sql"
    for name, sql in files.items():
        path = root / f"{name}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    for folder in ("staging", "intermediate", "marts"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    return root


def test_every_model_reads_only_models_built_before_it_could_start():
    needs = model_needs()
    names = [path.stem for path in model_files()]
    assert set(needs) == set(names)
    assert needs["int_member_flags"] == {"int_field_coverage", "stg_members"}
    # a name inside a longer one (mart_duty_list in mart_duty_list_county) is not a read
    assert needs["mart_duty_list_county"] == {"mart_duty_list"}
    assert "mart_duty_list_county" not in needs["mart_duty_wave_changes"]
    # no model reads itself or one that (through others) reads it
    for name in names:
        seen, todo = set(), list(needs[name])
        while todo:
            other = todo.pop()
            assert other != name, name
            if other not in seen:
                seen.add(other)
                todo += needs[other]


def test_independent_models_are_built_at_the_same_time(tmp_path):
    # stg_a and stg_b each wait inside their query until the other is running too: one by
    # one, the first waits alone and the barrier breaks
    meet = threading.Barrier(2, timeout=20)

    def together() -> int:
        meet.wait()
        return 1

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.create_function("together", together, [], "INTEGER", side_effects=True)
    sql_dir = _sql_dir(
        tmp_path,
        {
            "staging/stg_a": "create or replace table stg_a as select together() as x",
            "staging/stg_b": "create or replace table stg_b as select together() as y",
            "marts/mart_ab": "create or replace table mart_ab as select * from stg_a, stg_b",
        },
    )
    assert build_models(con, sql_dir) == ["stg_a", "stg_b", "mart_ab"]
    assert con.execute("select * from mart_ab").fetchall() == [(1, 1)]


@pytest.mark.parametrize("why", ["caller's transaction", "big warehouse"])
def test_models_are_built_one_by_one_where_cursors_would_not_do(tmp_path, monkeypatch, why):
    running, most = [0], [0]
    lock = threading.Lock()

    def enter() -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.05)  # long enough for a second builder to arrive
        with lock:
            running[0] -= 1
        return 1

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.create_function("enter", enter, [], "INTEGER", side_effects=True)
    sql_dir = _sql_dir(
        tmp_path,
        {
            f"marts/mart_{c}": f"create or replace table mart_{c} as select enter() as v"
            for c in "abc"
        }
        | {"marts/mart_loaded": "create or replace table mart_loaded as select * from loaded"},
    )
    if why == "big warehouse":
        monkeypatch.setattr(models, "ALONE_ABOVE", -1)
    else:
        # a cursor would not see the caller's uncommitted table
        con.execute("begin transaction")
    con.execute("create table loaded as select 7 as n")
    build_models(con, sql_dir)
    assert con.execute("select n from mart_loaded").fetchall() == [(7,)]
    assert most[0] == 1


@pytest.mark.parametrize(
    ("mart_a", "error", "match"),
    [
        # models that read each other can never start
        ("create or replace table mart_a as select * from mart_b", RuntimeError, "mart_a"),
        # one failing model stops the build, as it did one by one
        ("create or replace table mart_a as select * from nowhere", duckdb.CatalogException, ""),
    ],
)
def test_a_build_that_cannot_finish_raises(tmp_path, mart_a, error, match):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    sql_dir = _sql_dir(
        tmp_path,
        {
            "marts/mart_a": mart_a,
            "marts/mart_b": "create or replace table mart_b as select * from mart_a",
        },
    )
    with pytest.raises(error, match=match):
        build_models(con, sql_dir)


def test_built_at_once_or_one_by_one_the_tables_are_the_same(samples_db, tmp_path):
    db, _report = samples_db
    at_once, one_by_one = tmp_path / "at_once.duckdb", tmp_path / "one_by_one.duckdb"
    shutil.copyfile(db, at_once)
    shutil.copyfile(db, one_by_one)
    con = duckdb.connect(str(at_once))
    build_models(con)
    con.close()
    con = duckdb.connect(str(one_by_one))
    con.execute("begin transaction")  # one by one (see the test above)
    build_models(con)
    con.execute("commit")
    con.close()
    con = duckdb.connect()
    con.execute(f"attach '{at_once}' as a (read_only)")
    con.execute(f"attach '{one_by_one}' as b (read_only)")
    for path in model_files():
        name = path.stem
        [(differ,)] = con.execute(
            f"select count(*) from ((from a.{name} except all from b.{name})"
            f" union all (from b.{name} except all from a.{name}))"
        ).fetchall()
        assert differ == 0, name
