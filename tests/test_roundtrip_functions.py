"""Round trips (real PostgreSQL) for functions and procedures."""

from __future__ import annotations

import pytest

MOOD = "create type public.mood as enum ('happy', 'sad');"


@pytest.mark.parametrize(
    "definition",
    [
        "create function public.store_analysis_results(p_id bigint, p_a text, p_b text default 'b', "
        "p_c text default null, p_m jsonb default '{}') returns void language plpgsql security definer "
        "set search_path = public as $$ begin perform 1; end; $$;",
        "create function public.with_out(a int, out b int, out c text) language sql as $$ select a, 'x' $$;",
        "create function public.tbl(n int) returns table(id bigint, label text) language sql stable "
        "as $$ select g::bigint, g::text from generate_series(1, n) g $$;",
        "create function public.setof_ints() returns setof int language sql as $$ select 1 union select 2 $$;",
        "create function feeling(m mood, note varchar(10)) returns text language sql immutable "
        "as $$ select m::text || note $$;",
        "create function public.total(variadic xs numeric[]) returns numeric language sql "
        "as $$ select sum(x) from unnest(xs) x $$;",
        'create function public."Weird Name"("Arg" timestamptz, b int8[]) returns int language sql '
        "begin atomic select 1; end;",
    ],
)
def test_new_function_is_dropped_by_signature(roundtrip, definition: str) -> None:
    rb, sql = roundtrip(history=[MOOD], migration=definition)
    assert "DROP FUNCTION public." in sql


def test_seed_signature(roundtrip) -> None:
    rb, sql = roundtrip(
        migration="create or replace function public.store_analysis_results(p_analysis_id bigint, "
        "p_summary_text text, p_ssml text, p_audio_url text, p_metrics jsonb) returns void "
        "language plpgsql security definer as $$ begin null; end; $$;"
    )
    assert "DROP FUNCTION public.store_analysis_results(bigint, text, text, text, jsonb);" in sql


def test_redefined_across_three_migrations(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create function public.f(a bigint) returns bigint language sql as $$ select a $$;",
            "create or replace function public.f(a bigint) returns bigint language plpgsql security definer "
            "set search_path = public, pg_temp as $body$\nbegin\n  -- keep 'quotes' and $x$ tags\n"
            "  return a + 1;\nend;\n$body$;",
        ],
        migration="create or replace function public.f(a bigint) returns bigint language sql "
        "as $$ select a + 2 $$;",
    )
    assert "SECURITY DEFINER" in sql


def test_return_type_change_drops_and_recreates(roundtrip) -> None:
    roundtrip(
        history=[
            "create function public.f(a int) returns int language sql as $$ select a $$;",
            "revoke execute on function public.f(int) from anon;",
            "comment on function public.f(int) is 'the f';",
        ],
        migration="drop function public.f(int);\n"
        "create function public.f(a int) returns text language sql as $$ select a::text $$;",
    )


def test_replace_adding_default_and_out_change(roundtrip) -> None:
    roundtrip(
        history=["create function public.f(a int, out b int, out c int) language sql as $$ select a, a $$;"],
        migration="drop function public.f(int); create function public.f(a int default 1, out b int, out d text) "
        "language sql as $$ select a, 'x' $$;",
    )


def test_dropped_function_with_grants_and_comment(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create function public.secret(uid uuid) returns boolean language sql stable security definer "
            "set search_path = '' as $$ select uid is not null $$;",
            "revoke execute on function public.secret(uuid) from anon;",
            "comment on function public.secret(uuid) is 'checks the caller';",
        ],
        migration="drop function public.secret(uuid);",
    )
    assert "REVOKE EXECUTE ON FUNCTION public.secret(uuid) FROM anon;" in sql


def test_procedure(roundtrip) -> None:
    roundtrip(
        history=["create table public.log (msg text);"],
        migration="create procedure public.add_log(inout msg text, out n int) language plpgsql "
        "as $$ begin insert into public.log values (msg); n := 1; end $$;",
    )


def test_dropped_procedure(roundtrip) -> None:
    roundtrip(
        history=["create procedure public.p(a int) language sql as $$ select a $$;",
                 "grant execute on procedure public.p(int) to authenticated;"],
        migration="drop procedure public.p;",
    )


def test_alter_function_options(roundtrip) -> None:
    roundtrip(
        history=["create function public.f(a int) returns int language sql set work_mem = '2MB' as $$ select a $$;"],
        migration="alter function public.f(int) security definer set search_path = public, pg_temp "
        "reset work_mem immutable;",
    )


def test_rename_and_set_schema(roundtrip) -> None:
    roundtrip(
        history=["create schema app;",
                 "create function public.f(a int) returns int language sql as $$ select a $$;"],
        migration='alter function public.f(int) rename to "G g"; alter function public."G g"(integer) set schema app;',
    )


def test_drop_unknown_function_is_manual(roundtrip) -> None:
    rb, sql = roundtrip(migration="drop function if exists public.nothing(bigint);")
    assert rb.steps == []


def test_unqualified_with_search_path(roundtrip) -> None:
    roundtrip(
        history=["create schema app;", MOOD],
        migration="set search_path = app, public; create function f(m mood) returns mood language sql "
        "as $$ select m $$; create function g() returns int language sql as $$ select 1 $$;",
    )


def test_alter_owner(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create function public.f(a int) returns int language sql as $$ select a $$;"],
        migration="alter function public.f owner to service_role;",
    )
    assert "ALTER FUNCTION public.f(integer) OWNER TO postgres;" in sql


def test_alter_set_search_path_from_current(roundtrip) -> None:
    roundtrip(
        history=["create function public.f(a int) returns int language sql as $$ select a $$;"],
        migration="set search_path = public, extensions; alter function public.f(int) set search_path from current;\n"
        "alter function public.f(int) set search_path = '';",
    )


# -- typmods and %TYPE in argument lists: PostgreSQL keeps neither in a function's identity --

BOOK = ("create table public.slots (id uuid primary key, price numeric(10,2));\n"
        "create function public.book(p_slot uuid, p_price numeric(10,2), p_note varchar(40) default null) "
        "returns int language sql as $$ select 1 $$;")


@pytest.mark.parametrize("spelling", ["numeric, character varying", "numeric(10,2), varchar(40)",
                                      "numeric(4), text"])
def test_a_function_declared_with_typmods_is_found_by_any_spelling_of_its_identity(roundtrip, spelling) -> None:
    """``numeric(10,2)`` and ``numeric`` are one argument type to PostgreSQL; ``text`` is another."""
    migration = f"drop function if exists public.book(uuid, {spelling});"
    rb, sql = roundtrip(history=[BOOK], migration=migration)
    found = "text" not in spelling
    assert ("Recreate function public.book(uuid, numeric, character varying)" in sql) is found


def test_replacing_a_function_whose_typmods_change_is_the_same_function(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[BOOK],
        migration="create or replace function public.book(p_slot uuid, p_price numeric(12,4), "
        "p_note varchar(80) default null) returns int language sql as $$ select 2 $$;",
    )
    assert "Restore the previous definition of function public.book(uuid, numeric, character varying)" in sql


def test_drop_and_recreate_with_typmods_asserts_one_word_per_function(roundtrip) -> None:
    """The rollback drops the new definition and recreates the old one (the return type
    changed): its assertions speak of one function, whatever typmods each text wrote."""
    rb, sql = roundtrip(
        history=[BOOK],
        migration="drop function public.book(uuid, numeric, varchar);\n"
        "create function public.book(p_slot uuid, p_price numeric(10,2), p_note varchar(40) default null) "
        "returns bigint language sql as $$ select 2::bigint $$;",
    )
    checks = sql.split("Post-rollback assertions")[1]
    assert checks.count("public.book(") == 2  # one check: its label and its lookup
    assert "public.book(uuid, numeric(10, 2), varchar(40)) is back" in checks


def test_a_function_with_a_pct_type_argument_comes_back(roundtrip) -> None:
    """``p_slot public.slots.id%TYPE`` is ``uuid`` in the identity; the recreated text keeps
    the %TYPE as written, and the assertion that it is back must not choke on it."""
    rb, sql = roundtrip(
        history=[BOOK, "create function public.price_of(p_slot public.slots.id%type) returns numeric "
                       "language sql as $$ select price from public.slots where id = p_slot $$;"],
        migration="drop function public.price_of(uuid);",
    )
    assert "Recreate function public.price_of(uuid)" in sql


def test_a_pct_type_function_whose_return_type_changes_is_dropped_and_recreated(roundtrip) -> None:
    """The rollback drops ``price_of(uuid)`` and recreates it from a text that says
    ``slots.id%TYPE``: no assertion may claim the one is gone while the other is back."""
    rb, sql = roundtrip(
        history=[BOOK, "create function public.price_of(p_slot public.slots.id%type) returns numeric "
                       "language sql as $$ select price from public.slots where id = p_slot $$;"],
        migration="drop function public.price_of(uuid);\n"
        "create function public.price_of(p_slot public.slots.id%type) returns text "
        "language sql as $$ select price::text from public.slots where id = p_slot $$;",
    )
    assert "DROP FUNCTION public.price_of(uuid);" in sql
    assert "price_of(" not in sql.partition("Post-rollback assertions")[2]


def test_body_accepted_with_checks_off_is_restored(roundtrip) -> None:
    # dumps and `supabase db diff` files create functions with check_function_bodies off, so
    # PostgreSQL keeps a body it would refuse to check; the rollback restores it the same way
    rb, sql = roundtrip(
        history=["set check_function_bodies = off;\n"
                 "create function public.score() returns void language plpgsql as $f$\n"
                 "begin\n  select 1 into x;\ndeclare y int;\nend;$f$;"],
        migration="create or replace function public.score() returns void language plpgsql as $f$begin null; end$f$;",
    )
    assert not rb.manual_steps
    assert "SET LOCAL check_function_bodies = off;" in sql


def test_signature_types_resolve_under_the_path_they_were_written_in(roundtrip) -> None:
    """A function whose argument type lives in a schema the default path does not hold (an
    extension installed WITH SCHEMA rag, as pgvector often is): the rollback's DROP, COMMENT
    and REVOKE name the signature as written, so they run under the migration's path."""
    history = ["create schema rag; create extension if not exists citext with schema rag;"]
    migration = ("set search_path to rag, public;\n"
                 "create function public.search(q citext, k int) returns int language sql as $$ select k $$;\n"
                 "comment on function public.search(citext, int) is 'nearest neighbours';\n"
                 "grant execute on function public.search(citext, int) to anon;\n")
    rb, sql = roundtrip(history=history, migration=migration)
    assert "DROP FUNCTION public.search(citext, integer);" in sql
    assert "SET LOCAL search_path TO rag, public;" in sql
