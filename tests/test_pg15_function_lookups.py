"""Function lookups by signature that never raise on PostgreSQL 15.

Before PostgreSQL 16, ``to_regprocedure('f(t)')`` raises "type t does not exist" (or
"schema s does not exist") instead of returning NULL. A rollback that drops a function and
then the type of one of its arguments asserts at the end that the function is gone: a bare
``to_regprocedure`` there failed the whole rollback. ``regprocedure_sql`` asks
``to_regtype`` (which returns NULL) about each argument type first.
"""

from __future__ import annotations

import pytest
from test_preflight import _migrated, _rollback, _run_ok

from generator.render import render_sql, verification_checks
from generator.sqltext import regprocedure_sql

# -- the expression -----------------------------------------------------------------------------


def test_builtin_argument_types_need_no_guard():
    assert regprocedure_sql("public.f(integer, text, uuid)") == "to_regprocedure('public.f(integer, text, uuid)')"
    assert regprocedure_sql("public.f()") == "to_regprocedure('public.f()')"


def test_user_argument_types_are_asked_about_first():
    got = regprocedure_sql('public.f(bigint, public.mood, "Odd"."T"[], public.mood)')
    assert got == (
        "CASE WHEN to_regtype('public.mood') IS NOT NULL AND to_regtype('\"Odd\".\"T\"[]') IS NOT NULL"
        " THEN to_regprocedure('public.f(bigint, public.mood, \"Odd\".\"T\"[], public.mood)') END"
    )


def test_the_verification_query_of_a_dropped_function_is_guarded():
    _, rb = _rollback(
        [], "create type public.grade as enum ('a', 'b'); create function public.pass(g public.grade) returns boolean"
        " language sql as $$ select g = 'a' $$;",
    )
    checks = dict(verification_checks(rb))
    assert checks["function public.pass(public.grade) is gone"] == (
        "CASE WHEN to_regtype('public.grade') IS NOT NULL THEN to_regprocedure('public.pass(public.grade)') END is null"
    )


# -- on a real server ---------------------------------------------------------------------------


@pytest.mark.parametrize("signature, exists", [
    ("public.f(public.no_such_type)", False),
    ("public.f(no_such_schema.t)", False),
    ("public.f(public.no_such_type[], integer)", False),
    ("public.g(public.kind)", True),
    ("public.g(public.kind[])", False),
    ("public.g(text)", False),
])
def test_the_expression_never_raises(pg_db, signature, exists):
    with pg_db.connect() as conn:
        conn.execute("create type public.kind as enum ('x'); create function public.g(public.kind) returns int"
                     " language sql as 'select 1';")
        got = conn.execute(f"select {regprocedure_sql(signature)}").fetchone()[0]
    assert (got is not None) == exists


ROLES = """
create type public.member_role as enum ('owner', 'guest');
create table public.members (user_id uuid primary key, role public.member_role not null);
create function public.is_owner(_user uuid, _role public.member_role) returns boolean
language sql stable as $$ select _role = 'owner' $$;
"""


def test_rollback_dropping_a_function_and_its_argument_type_runs(pg_db):
    """The assertion "function ... is gone" is evaluated after the type is gone too."""
    rb = _migrated(pg_db, [], ROLES)
    sql = render_sql(rb)
    assert "DROP TYPE public.member_role;" in sql
    _run_ok(pg_db, rb)
    with pg_db.connect() as conn:
        assert conn.execute("select to_regtype('public.member_role')").fetchone()[0] is None


def test_rollback_dropping_a_schema_holding_the_type_runs(pg_db):
    rb = _migrated(pg_db, [], """
create schema billing;
create domain billing.cents as bigint check (value >= 0);
create function public.total(a billing.cents[], b billing.cents) returns bigint language sql as $$ select b $$;
""")
    _run_ok(pg_db, rb)
    with pg_db.connect() as conn:
        assert conn.execute("select to_regnamespace('billing')").fetchone()[0] is None


def test_recreated_function_of_a_recreated_type_passes_preflight(pg_db):
    """The rollback recreates the type, then the function: the pre-flight check that the
    function does not exist yet reads it while its type does not exist either."""
    rb = _migrated(pg_db, [ROLES], "drop function public.is_owner(uuid, public.member_role);"
                   " drop table public.members; drop type public.member_role;")
    _run_ok(pg_db, rb)
    with pg_db.connect() as conn:
        assert conn.execute(f"select {regprocedure_sql('public.is_owner(uuid, public.member_role)')}").fetchone()[0]


def test_roundtrip_function_with_enum_argument(roundtrip):
    roundtrip(history=[], migration=ROLES)
