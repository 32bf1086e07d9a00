"""The post-rollback assertions speak once about each object, whatever spelling names it.

The assertions are read from the rollback's own statements; a later statement undoing an
earlier one's effect (drop, then recreate) keeps only the last word on the object. The
word "the same object" must mean what PostgreSQL means, or the rollback asserts both that
the object is gone and that it is back, and always fails:

- a function's identity is its schema, name and input argument types, however they are
  spelled: ``int8`` is ``bigint``, ``timestamptz`` is ``timestamp with time zone``, and
  the generator writes a drop with ``public.mood`` where the recreated definition (the
  migration's own text) says ``mood``;
- tables, views, materialized views, sequences and indexes share one namespace, and a
  materialized view comes back through ``CREATE MATERIALIZED VIEW`` (a ``CreateTableAsStmt``).

Found on real projects: a migration that drops a function and recreates it under other
argument names; an ``ALTER TYPE ... ADD VALUE`` whose rollback drops the functions taking
the enum, rebuilds it and recreates them; a materialized view dropped and recreated.
"""

from __future__ import annotations

from test_preflight import _rollback
from test_render import migration

from generator.engine import Rollback
from generator.render import verification_checks
from generator.steps import Step

# -- minimal chains (our own words) ---------------------------------------------------------------

LEDGER = """
create table public.entries (id bigint primary key, book text not null, amount bigint not null);
create function public.entries_of(books text[], min_amount int8) returns setof public.entries
language sql stable as $$ select * from public.entries where book = any(books) and amount >= min_amount $$;
"""
# drops the function, then recreates it with the same identity under other argument names
LEDGER_RENAMED_ARGS = """
drop function entries_of;
create or replace function entries_of(wanted text[], floor_amount bigint) returns setof entries as $$
select * from entries where book = any(wanted) and amount >= floor_amount
$$ language sql;
"""

TIERS = """
create type tier as enum ('free', 'pro');
create table public.accounts (id uuid primary key, plan tier not null default 'free');
create function public.plan_allows(who uuid, wanted tier, since timestamptz default now(), note text default null)
returns boolean language sql stable as $$ select exists (select from public.accounts a where a.id = who and a.plan = wanted) $$;
"""
# the rollback drops plan_allows, rebuilds the enum without 'team', recreates plan_allows
TIERS_ADD_VALUE = "alter type tier add value if not exists 'team';"

STATS = """
create table public.sales (id bigint primary key, region text not null, total numeric not null);
create materialized view public.region_totals as select region, sum(total) as total from public.sales group by region;
create index region_totals_region on public.region_totals (region);
"""
STATS_REDEFINED = """
drop materialized view if exists public.region_totals;
create materialized view public.region_totals as
  select region, sum(total) as total, count(*) as n from public.sales group by region;
create index region_totals_region on public.region_totals (region);
create index region_totals_n on public.region_totals (n);
"""


def _checks(history: list[str], migration: str) -> dict[str, str]:
    _, rb = _rollback(history, migration)
    assert not rb.manual_steps, [s.manual for s in rb.manual_steps]
    return dict(verification_checks(rb, history=False))


def _gone(checks: dict[str, str], what: str) -> list[str]:
    return [d for d in checks if d.startswith(what) and d.endswith(" is gone")]


# -- unit -------------------------------------------------------------------------------------------


def test_function_recreated_under_another_spelling_of_its_argument_types():
    checks = _checks([LEDGER], LEDGER_RENAMED_ARGS)
    assert not _gone(checks, "function public.entries_of("), checks
    assert [d for d in checks if d.startswith("function public.entries_of(")] == [
        "function public.entries_of(text[], int8) is back"
    ]


def test_function_dropped_around_an_enum_rebuild_is_asserted_back_only():
    checks = _checks([TIERS], TIERS_ADD_VALUE)
    assert not _gone(checks, "function public.plan_allows("), checks
    assert any(d.startswith("function public.plan_allows(") and d.endswith(" is back") for d in checks), checks
    assert "type public.tier is back" in checks


def test_materialized_view_recreated_is_asserted_back():
    checks = _checks([STATS], STATS_REDEFINED)
    assert "materialized view public.region_totals is back" in checks, checks
    assert not _gone(checks, "materialized view public.region_totals"), checks
    assert "index public.region_totals_n is gone" in checks
    assert "index public.region_totals_region is back" in checks


def _rb_of(*sqls: str) -> Rollback:
    return Rollback(migration=migration(), steps=[Step(f"step {i}", "Steps", [s]) for i, s in enumerate(sqls)])


def test_relations_share_one_namespace():
    """A view dropped and a table of the same name created: one word, the last."""
    checks = dict(verification_checks(_rb_of("DROP VIEW public.v;", "CREATE TABLE public.v (id int);"), history=False))
    assert list(checks) == ["table public.v is back"]
    checks = dict(verification_checks(_rb_of("DROP TABLE public.v;", "CREATE MATERIALIZED VIEW public.v AS SELECT 1 AS x;"), history=False))
    assert list(checks) == ["materialized view public.v is back"]
    checks = dict(verification_checks(_rb_of("DROP SEQUENCE public.s;", "CREATE SEQUENCE public.s;"), history=False))
    assert list(checks) == ["sequence public.s is back"]


def test_functions_and_procedures_share_one_namespace_and_builtin_spellings_are_one():
    rb = _rb_of(
        "DROP PROCEDURE public.p(integer, timestamp with time zone, character varying);",
        "CREATE FUNCTION public.p(a int4, b timestamptz, c varchar(20)) RETURNS int LANGUAGE sql AS $$ select 1 $$;",
        "DROP FUNCTION public.q(public.mood[], bigint);",
        'CREATE FUNCTION public.q(m mood[], n pg_catalog.int8, OUT r text) LANGUAGE sql AS $$ select 1 $$;',
    )
    checks = dict(verification_checks(rb, history=False))
    assert list(checks) == [
        "function public.p(int4, timestamptz, varchar(20)) is back",
        "function public.q(mood[], bigint) is back",
    ]


def test_different_identities_keep_both_words():
    rb = _rb_of("DROP FUNCTION public.f(bigint);", "CREATE FUNCTION public.f(a integer) RETURNS int LANGUAGE sql AS $$ select 1 $$;",
                "DROP FUNCTION public.g(integer[]);", "CREATE FUNCTION public.g(a integer) RETURNS int LANGUAGE sql AS $$ select 1 $$;")
    checks = dict(verification_checks(rb, history=False))
    assert list(checks) == [
        "function public.f(bigint) is gone", "function public.f(integer) is back",
        "function public.g(integer[]) is gone", "function public.g(integer) is back",
    ]


def test_schema_and_extension_recreated_are_asserted_back():
    checks = dict(verification_checks(_rb_of("DROP SCHEMA billing;", "CREATE SCHEMA billing;"), history=False))
    assert list(checks) == ["schema billing is back"]
    checks = dict(verification_checks(_rb_of("DROP EXTENSION citext;", "CREATE EXTENSION citext;"), history=False))
    assert list(checks) == ["extension citext is back"]


# -- on a real server ---------------------------------------------------------------------------------


def test_roundtrip_function_recreated_under_other_argument_names(roundtrip):
    roundtrip(history=[LEDGER], migration=LEDGER_RENAMED_ARGS)


def test_roundtrip_enum_value_added_under_a_function_taking_the_enum(roundtrip):
    roundtrip(history=[TIERS], migration=TIERS_ADD_VALUE)


def test_roundtrip_materialized_view_redefined(roundtrip):
    roundtrip(history=[STATS], migration=STATS_REDEFINED)
