"""Unit tests of generator/handlers/dependents.py, function_cascade.py and type_cascade.py."""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog
from generator.engine import Rollback, baseline_catalog, replay
from generator.handlers.dependents import view_reads_column, views_on_column
from generator.parse import Migration


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def test_view_reads_column_by_name_star_alias_and_whole_row() -> None:
    cat = baseline_catalog()
    run(cat, """
        create table public.t (a int, b int); create table public.u (a int, c int);
        create view public.by_name as select a from public.t;
        create view public.by_alias as select x.b from public.t x;
        create view public.other_table as select u.a from public.u join public.t on true where t.b = 1;
        create view public.star as select * from public.t;
        create view public.row as select t from public.t;
        create view public.on_top as select b from public.by_alias;
    """)
    t = ("public", "t")
    reads_a = {k[1] for k in cat.views if view_reads_column(cat, k, t, "a")}
    assert reads_a == {"by_name", "star", "row"}  # other_table reads u.a, not t.a
    assert views_on_column(cat, t, "b") == [
        ("public", "by_alias"), ("public", "other_table"), ("public", "star"), ("public", "row"), ("public", "on_top"),
    ]


def test_drop_function_cascade_keeps_unrelated_objects() -> None:
    cat = baseline_catalog()
    run(cat, """
        create function public.f() returns int language sql as 'select 1';
        create function app_f() returns int language sql as 'select 2';
        create table public.t (a int default public.f(), b int default app_f());
        create view public.v as select app_f();
    """)
    rb = run(cat, "drop function public.f() cascade;", "1")
    assert [s.title for s in rb.steps] == ["Recreate function public.f()", "Restore the default of public.t.a"]
    assert cat.tables[("public", "t")].columns["b"].default == "app_f()"
    assert ("public", "v") in cat.views


def test_overloaded_function_cascade_is_manual() -> None:
    cat = baseline_catalog()
    run(cat, """
        create function public.f(x int) returns int language sql as 'select 1';
        create function public.f(x text) returns int language sql as 'select 1';
        create table public.t (a int default public.f(1));
    """)
    rb = run(cat, "drop function public.f(int) cascade;", "1")
    assert rb.manual_steps and "overloads" in rb.manual_steps[0].manual
