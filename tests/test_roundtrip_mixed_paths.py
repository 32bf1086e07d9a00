"""Round trips (real PostgreSQL): a table created under an empty search_path (as a schema
dump writes it), then given defaults and policies by migrations written under the default
path, with unqualified names (defaults, policies, CHECK constraints, index expressions).
Each expression is put back under the path it was written under, not the table's."""

from __future__ import annotations

DUMP = """SELECT pg_catalog.set_config('search_path', '', true);
CREATE TYPE public.mood AS ENUM ('a', 'b', 'c');
CREATE FUNCTION public.ok() RETURNS boolean LANGUAGE sql AS 'select true';
CREATE TABLE public.t (id integer NOT NULL, note text);"""
LATER = """alter table public.t add column p mood default 'a'::mood;
alter table public.t enable row level security;
create policy t_read on public.t for select using (ok());"""


def test_dropped_table_comes_back_with_its_later_default_and_policy(roundtrip) -> None:
    rb, sql = roundtrip(history=[DUMP, LATER], migration="drop table public.t;")
    assert not rb.manual_steps
    assert "CREATE POLICY t_read" in sql


def test_a_default_set_later_is_restored_under_its_path(roundtrip) -> None:
    rb, sql = roundtrip(history=[DUMP, LATER], migration="alter table public.t alter column p set default 'b'::mood;")
    assert not rb.manual_steps and "'a'" in sql


def test_a_dropped_column_comes_back_with_its_default_and_policy(roundtrip) -> None:
    history = [DUMP, LATER.replace("using (ok())", "using (ok() and p <> 'c'::mood)")]
    rb, sql = roundtrip(history=history, migration="alter table public.t drop column p cascade;")
    assert not rb.manual_steps


def test_a_column_changed_back_keeps_its_default(roundtrip) -> None:
    rb, sql = roundtrip(history=[DUMP, LATER], migration="alter table public.t alter column p type text;")
    assert not rb.manual_steps


def test_assertions_run_under_the_default_path_after_a_step_under_the_dumps(roundtrip) -> None:
    # the last step restores a column of the dump's table under its empty path; the
    # assertion that the function is back names its argument type as the default path does
    history = [DUMP, "create type public.st as enum ('x', 'y');\n"
                     "create function public.f(p st[]) returns int language sql as 'select 1';"]
    rb, sql = roundtrip(history=history, migration=(
        "alter table public.t drop column note;\n"
        "drop function public.f(st[]);\n"
        "create function public.f(p st[]) returns int language sql as 'select 2';"))
    assert not rb.manual_steps
    assert "st[]) is back" in sql


CHECKED = """alter table public.t add constraint t_ok check (ok() and id > 0);
create index t_ok_idx on public.t ((ok() and id > 0));"""


def test_a_dropped_constraint_comes_back_under_its_path(roundtrip) -> None:
    rb, sql = roundtrip(history=[DUMP, CHECKED], migration="alter table public.t drop constraint t_ok;")
    assert not rb.manual_steps


def test_a_dropped_index_comes_back_under_its_path(roundtrip) -> None:
    rb, sql = roundtrip(history=[DUMP, CHECKED], migration="drop index public.t_ok_idx;")
    assert not rb.manual_steps


def test_a_dropped_table_comes_back_with_its_later_constraint_and_index(roundtrip) -> None:
    rb, sql = roundtrip(history=[DUMP, CHECKED], migration="drop table public.t;")
    assert not rb.manual_steps


def test_a_constraint_written_under_another_path_is_restored_under_it(roundtrip) -> None:
    history = ["create schema app;\ncreate function app.ok2() returns boolean language sql as 'select true';\n"
               "create table public.u (id integer);",
               "select pg_catalog.set_config('search_path', 'app, public', true);\n"
               "alter table public.u add constraint u_ok check (ok2());"]
    rb, sql = roundtrip(history=history, migration="alter table public.u drop constraint u_ok;")
    assert not rb.manual_steps and "SET LOCAL search_path TO app, public" in sql
