"""Unit tests of generator/handlers/enums.py: rebuilding an enum without an added value."""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog
from generator.engine import Rollback, baseline_catalog, replay
from generator.parse import Migration


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


HISTORY = """
create type public.mood as enum ('a', 'b');
create table public.t (id int, m public.mood default 'a', n int check (n > 0), constraint mb check (m <> 'b'));
create index t_n on public.t (n);
create index t_expr on public.t ((m::text));
create policy p on public.t using (m = 'a');
create policy q on public.t using (n > 1);
create view public.v as select id from public.t;
create view public.w as select 'a'::public.mood as x;
create function public.f(x public.mood) returns int language sql as $$ select 1 $$;
create function public.g(x int) returns int language sql as $$ select 1 $$;
"""


def test_plan_drops_and_recreates_exactly_the_dependents() -> None:
    cat = baseline_catalog()
    run(cat, HISTORY)
    rb = run(cat, "alter type public.mood add value 'c';", "20250101000001")
    assert not rb.manual_steps
    guard, drops, rebuild, *rest = rb.steps
    assert "WHERE m::text = 'c'" in guard.sql[0]
    assert drops.sql == [
        "DROP POLICY p ON public.t;", "DROP VIEW public.w;", "DROP VIEW public.v;",
        "ALTER TABLE public.t DROP CONSTRAINT mb;", "DROP INDEX public.t_expr;", "DROP FUNCTION public.f(public.mood);",
    ]
    assert rebuild.sql[:2] == [
        "CREATE TYPE public.mood_new AS ENUM ('a', 'b');",
        "ALTER TABLE public.t ALTER COLUMN m DROP DEFAULT, ALTER COLUMN m TYPE public.mood_new USING m::text::public.mood_new;",
    ]
    assert rebuild.sql[-1] == "ALTER TABLE public.t ALTER COLUMN m SET DEFAULT 'a';"
    assert [s.title for s in rest] == [
        "Recreate function public.f(public.mood)", "Restore constraint mb on public.t", "Recreate index public.t_expr",
        "Recreate view public.v", "Recreate view public.w", "Recreate policy p on public.t",
    ]
    assert cat.types[("public", "mood")].labels == ["a", "b", "c"]


def test_domain_over_the_enum_is_manual() -> None:
    cat = baseline_catalog()
    run(cat, "create type public.mood as enum ('a'); create domain public.dm as public.mood;")
    rb = run(cat, "alter type public.mood add value 'c';", "20250101000001")
    assert "domain public.dm is built on public.mood" in rb.manual_steps[0].manual


def test_foreign_key_on_enum_column_is_manual() -> None:
    cat = baseline_catalog()
    run(cat, "create type public.mood as enum ('a'); create table public.a (m public.mood primary key);"
             "create table public.b (m public.mood references public.a);")
    rb = run(cat, "alter type public.mood add value 'c';", "20250101000001")
    assert rb.manual_steps


def test_temporary_type_name_leaves_room_for_its_number(roundtrip) -> None:
    """A 63-byte enum name: ``<name>_new`` cut to 63 bytes is the enum's own name, so the
    next candidate must be cut one byte shorter to fit its "1" (cutting the number off
    instead asked PostgreSQL for a type that already exists)."""
    from generator.handlers.enums import _free_name

    long = "mood_" + "x" * 58  # 63 bytes
    history = [f"create type public.{long} as enum ('a', 'b');\n"
               f"create table public.t (id int primary key, m public.{long});\n"]
    cat = baseline_catalog()
    replay(Migration("1", "a", Path("1_a.sql"), history[0]), cat)
    free = _free_name(cat, ("public", long))
    assert free == long[:62] + "1", free
    rb, sql = roundtrip(history=history, migration=f"alter type public.{long} add value 'c';")
    assert f"CREATE TYPE public.{long[:62]}1 AS ENUM ('a', 'b');" in sql
