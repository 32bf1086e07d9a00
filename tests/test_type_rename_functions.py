"""ALTER TYPE ... RENAME TO distrusts only the functions that really name the type
(generator/handlers/types.py, function_names_type): unit tests and round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.catalog import Catalog
from generator.engine import Rollback, baseline_catalog, replay
from generator.handlers.types import function_names_type
from generator.parse import Migration

TYPES = """
create schema app;
create type public.mood as enum ('a', 'b');
create type app.mood as enum ('x', 'y');
create type public.mood_level as enum ('low', 'high');
create table public.t (id bigint primary key, mood text, level public.mood_level);
"""

# name: (definition, why it names public.mood, or None)
FUNCTIONS: dict[str, tuple[str, str | None]] = {
    "other_schema_same_name": (
        "create function public.f(x app.mood) returns text language sql as $$ select x::text $$;", None),
    "similar_name": (
        "create function public.f(x public.mood_level) returns public.mood_level language sql as $$ select x $$;",
        None),
    "column_named_like_it": (
        "create function public.f() returns text language sql as $$ select mood from public.t limit 1 $$;", None),
    "atomic_column_named_like_it": (
        "create function public.f() returns text language sql begin atomic select mood from public.t limit 1; end;",
        None),
    "plpgsql_comment": (
        "create function public.f() returns int language plpgsql as $$ begin -- mood\n return 1; end $$;", None),
    "plpgsql_other_case_quoted": (
        "create function public.f() returns text language plpgsql as $$ declare \"Mood\" text; begin return \"Mood\"; end $$;",
        None),
    "signature": (
        "create function public.f(x public.mood) returns text language sql as $$ select x::text $$;",
        "its signature names"),
    "setof": (
        "create function public.f() returns setof mood language sql as $$ select 'a'::public.mood $$;",
        "its signature names"),
    "returns_table": (
        "create function public.f() returns table (m public.mood) language sql as $$ select 'a'::public.mood $$;",
        "its signature names"),
    "sql_body_cast": (
        "create function public.f() returns text language sql as $$ select 'a'::mood::text $$;", "its body names"),
    "atomic_body_cast": (
        "create function public.f() returns text language sql begin atomic select 'a'::mood::text; end;",
        "its body names"),
    "function_style_cast": (
        "create function public.f() returns text language sql as $$ select mood('a')::text $$;", "its body names"),
    "regtype_string": (
        "create function public.f() returns regtype language sql as $$ select 'mood'::regtype $$;", "its body names"),
    "plpgsql_declare": (
        "create function public.f() returns text language plpgsql as $$ declare v mood; begin return v::text; end $$;",
        "its plpgsql body may name"),
    "plpgsql_dynamic_sql": (
        "create function public.f() returns text language plpgsql as $$ begin execute 'select ''a''::mood'; return 'x'; end $$;",
        "its plpgsql body may name"),
}


def run(cat: Catalog, sql: str, version: str) -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


@pytest.mark.parametrize("case", FUNCTIONS)
def test_function_names_type(case: str) -> None:
    definition, why = FUNCTIONS[case]
    cat = baseline_catalog()
    run(cat, TYPES + definition, "1")
    [f] = [f for f in cat.functions.values() if f.name == "f"]
    assert function_names_type(cat, f, ("public", "mood")) == why


@pytest.mark.parametrize("case", FUNCTIONS)
def test_rename_then_drop_function(roundtrip, case: str) -> None:
    """The rollback of a DROP FUNCTION after the rename recreates the function unless it
    names the type, and then says so."""
    definition, why = FUNCTIONS[case]
    rb, sql = roundtrip(
        history=[TYPES, definition, "alter type public.mood rename to feeling;"],
        migration="drop function public.f;",
        expect_manual=why is not None,
    )
    if why is None:
        assert "CREATE OR REPLACE FUNCTION public.f(" in sql
    else:
        reason = rb.manual_steps[0].manual
        assert "renamed type public.mood, which " + why in reason


def test_rename_in_the_same_migration_as_the_drop(roundtrip) -> None:
    roundtrip(
        history=[TYPES, FUNCTIONS["other_schema_same_name"][0]],
        migration="alter type public.mood rename to feeling; drop function public.f(app.mood);",
    )


def test_replace_after_rename_restores_previous_definition(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TYPES, FUNCTIONS["column_named_like_it"][0], "alter type public.mood rename to feeling;"],
        migration="create or replace function public.f() returns text language sql as $$ select 'z' $$;",
    )
    assert "select mood from public.t limit 1" in sql.lower() or "FROM public.t" in sql


def test_columns_follow_the_rename_whatever_the_name() -> None:
    """Column types are rewritten from their parsed type name (array bounds kept), so a type
    named "[" or with spaces does not leave its tables distrusted."""
    cat = baseline_catalog()
    run(cat, 'create type public."[" as enum (\'a\'); create type mood as enum (\'b\');'
             ' create table public.t (a public."[", b public."["[], c mood[][], d mood);', "1")
    run(cat, 'alter type public."[" rename to ";"; alter type mood rename to "Feel ing";', "2")
    cols = cat.tables[("public", "t")].columns
    assert [c.type for c in cols.values()] == ['public.";"', 'public.";"[]', 'public."Feel ing"[][]',
                                               'public."Feel ing"']
    assert cat.tainted == {}  # nor the baseline's plpgsql functions, whose "[" are subscripts


def test_plpgsql_tokens_that_name_nothing() -> None:
    cat = baseline_catalog()
    run(cat, 'create type public."[" as enum (\'a\');'
             " create function public.f(a int[]) returns int language plpgsql as $$ begin return a[1]; end $$;"
             " create function public.g() returns text language plpgsql as $$ begin return '[ a'; end $$;", "1")
    f, g = (cat.functions[("public", n, a)] for n, a in (("f", "integer[]"), ("g", "")))
    assert function_names_type(cat, f, ("public", "[")) is None
    assert function_names_type(cat, g, ("public", "[")) == "its plpgsql body may name"  # a string: maybe
