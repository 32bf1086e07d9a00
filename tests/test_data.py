"""Data statements become manual steps that name the table and say where data comes from."""

from pathlib import Path

from generator.engine import generate
from generator.parse import Migration
from generator.steps import Hazard


def _steps(history: str, sql: str):
    ms = [Migration("1", "h", Path("h.sql"), history), Migration("2", "m", Path("m.sql"), sql)]
    return generate(ms, targets={"2"})[0].steps


def test_update_is_manual_and_not_restored():
    (step,) = _steps("create table public.t (id int primary key, v text);", "update t set v = 'x';")
    assert step.manual and "public.t" in step.manual
    assert {h.code for h in step.hazards} == {Hazard.MANUAL, Hazard.DATA_NOT_RESTORED}


def test_truncate_names_every_table():
    (step,) = _steps("create table a (id int); create table b (id int);", "truncate a, b;")
    assert "public.a, public.b" in step.manual


def test_insert_is_manual_and_does_not_distrust_the_table():
    ms = [
        Migration("1", "h", Path("h.sql"), "create table public.t (id int primary key);"),
        Migration("2", "m", Path("m.sql"), "insert into t values (1);"),
        Migration("3", "d", Path("d.sql"), "drop table t;"),
    ]
    rbs = generate(ms)
    assert rbs[1].steps[0].manual
    (drop,) = rbs[2].steps
    assert drop.manual is None and "CREATE TABLE public.t" in drop.sql[0]


def test_copy_to_is_inert():
    assert _steps("create table t (id int);", "copy t to stdout;") == []
