"""Round trips of GRANT / REVOKE / ALTER DEFAULT PRIVILEGES on a real PostgreSQL server."""

from __future__ import annotations

import pytest

from generator.steps import Hazard

TABLE = "create table public.items (id bigint primary key, name text, secret text);"


def _authz(rb) -> list[str]:
    return [h.reason for s in rb.steps for h in s.hazards if h.code is Hazard.AUTHZ]


def test_grant_already_held_under_supabase_defaults_is_a_noop(roundtrip):
    rb, sql = roundtrip(history=[TABLE], migration="grant select on public.items to anon;")
    assert rb.steps == []
    assert "GRANT" not in sql and "REVOKE" not in sql


def test_revoke_inverts_to_grant(roundtrip):
    rb, sql = roundtrip(history=[TABLE], migration="revoke delete, truncate on public.items from anon;")
    assert "GRANT DELETE, TRUNCATE ON TABLE public.items TO anon;" in sql
    assert _authz(rb)[0].startswith("widens")


def test_revoke_of_privilege_not_held_is_nothing(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "revoke all on public.items from anon;"],
        migration="revoke delete on public.items from anon;",
    )
    assert rb.steps == []


def test_grant_to_new_role_and_with_grant_option(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "revoke all on public.items from anon, authenticated;"],
        migration="grant select, insert on public.items to authenticated with grant option; grant all on public.items to anon;",
    )
    assert "REVOKE INSERT, SELECT ON TABLE public.items FROM authenticated;" in sql
    assert _authz(rb)[0].startswith("narrows")


def test_revoke_grant_option_for(roundtrip):
    roundtrip(
        history=[TABLE, "grant select on public.items to authenticated with grant option;"],
        migration="revoke grant option for select on public.items from authenticated;",
    )


def test_column_grants(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "revoke all on public.items from anon;", "grant update (name) on public.items to anon;"],
        migration="grant select (id, name) on public.items to anon; revoke update (name) on public.items from anon;",
    )
    assert "REVOKE SELECT (id) ON TABLE public.items FROM anon;" in sql
    assert "GRANT UPDATE (name) ON TABLE public.items TO anon;" in sql


def test_table_revoke_also_revokes_column_privileges(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "grant select (secret) on public.items to anon;"],
        migration="revoke select on public.items from anon;",
    )
    assert "GRANT SELECT ON TABLE public.items TO anon;" in sql
    assert "GRANT SELECT (secret) ON TABLE public.items TO anon;" in sql


def test_view_and_sequence_grants(roundtrip):
    roundtrip(
        history=[TABLE, "create view public.v as select id, name from public.items;",
                 "create table public.counters (id serial primary key);"],
        migration="revoke all on public.v from anon; grant select on public.v to postgres;"
        " revoke usage on sequence public.counters_id_seq from authenticated;"
        " grant select on table public.counters_id_seq to postgres;",
    )


def test_function_grants(roundtrip):
    fn = "create function public.add(a int, b int) returns int language sql as $$ select a + b $$;"
    rb, sql = roundtrip(
        history=[fn],
        migration="revoke execute on function public.add(integer, int4) from public, anon;"
        " grant execute on function public.add to supabase_admin;",
    )
    assert "GRANT EXECUTE ON FUNCTION public.add(integer, integer) TO PUBLIC;" in sql
    assert "REVOKE EXECUTE ON FUNCTION public.add(integer, integer) FROM supabase_admin;" in sql


def test_procedure_and_routine_grants(roundtrip):
    roundtrip(
        history=["create procedure public.p(x text) language sql as $$ select 1 $$;"],
        migration="revoke all on procedure public.p(text) from public; grant execute on routine public.p to anon;",
    )


def test_all_tables_and_functions_in_schema(roundtrip):
    roundtrip(
        history=[
            "create schema app;",
            "create table app.a (id int); create table app.b (id int); create view app.v as select 1 as x;",
            "create function app.f() returns int language sql as $$ select 1 $$;",
            "create table app.c (id serial);",
            "grant select on app.a to anon;",
        ],
        migration="grant usage on schema app to anon, authenticated;"
        " grant select, insert on all tables in schema app to anon, authenticated;"
        " grant usage on all sequences in schema app to anon;"
        " revoke execute on all functions in schema app from public;"
        " grant execute on all functions in schema app to authenticated;",
    )


def test_revoke_all_tables_in_public(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "create table public.other (id int);"],
        migration="revoke all on all tables in schema public from anon;",
    )
    assert "GRANT INSERT, SELECT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.items TO anon;" in sql


def test_schema_and_type_grants(roundtrip):
    roundtrip(
        history=["create schema app;", "create type public.mood as enum ('a');",
                 "create domain public.pos as int check (value > 0);"],
        migration="grant usage, create on schema app to authenticated; revoke usage on type public.mood from public;"
        " grant usage on domain public.pos to anon; revoke create on schema public from public;",
    )


def test_default_privileges(roundtrip):
    rb, sql = roundtrip(
        history=[],
        migration="alter default privileges in schema public revoke all on tables from anon;"
        " alter default privileges for role postgres in schema public revoke execute on functions from anon, authenticated;"
        " alter default privileges revoke execute on functions from public;"
        " alter default privileges in schema public grant select on tables to supabase_read_only_user;"
        " alter default privileges grant usage on types to authenticated;",
    )
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT EXECUTE ON FUNCTIONS TO PUBLIC;" in sql
    assert any(r.startswith("widens") for r in _authz(rb))


def test_default_privileges_then_create_table(roundtrip):
    """New objects after a default-privilege change get PostgreSQL's ACL in the catalog too."""
    roundtrip(
        history=["alter default privileges in schema public revoke all on tables from anon;",
                 "alter default privileges revoke execute on functions from public;",
                 "create table public.t (id int);",
                 "create function public.f() returns int language sql as $$ select 1 $$;"],
        migration="grant select on public.t to anon; grant execute on function public.f() to public;"
        " revoke all on public.t from authenticated;",
    )


def test_grant_on_unknown_object_is_manual(roundtrip):
    rb, sql = roundtrip(
        history=["do $$ begin execute 'create table public.' || 'hidden (id int)'; end $$;"],  # SQL built at run time: opaque
        migration="grant select on public.hidden to anon;",
        expect_manual=True,
    )


@pytest.fixture
def app_role(pg_server):
    with pg_server.connect() as conn:
        conn.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rt_app_role') "
            "THEN CREATE ROLE rt_app_role NOLOGIN; END IF; END $$;"
        )
    return "rt_app_role"


def test_grant_role_membership(roundtrip, app_role):
    rb, sql = roundtrip(history=[], migration=f"grant authenticated to {app_role};")
    assert f"REVOKE authenticated FROM {app_role};" in sql


def test_grant_role_between_platform_roles_is_manual(roundtrip):
    roundtrip(history=[], migration="grant anon to authenticated;", expect_manual=True)


# -- a table-level REVOKE also revokes the column privileges ------------------------------------


COLS = "create table public.t (id bigint primary key, c text, d text);\n"


def test_rollback_of_a_table_grant_gives_back_the_column_grants(roundtrip):
    rb, sql = roundtrip(
        history=[COLS + "revoke all on public.t from service_role;\n"
                 "grant select (c), insert (d) on public.t to service_role;\n"],
        migration="grant select on public.t to service_role;",
    )
    revoke = sql.index("REVOKE SELECT ON TABLE public.t FROM service_role;")
    regrant = sql.index("GRANT SELECT (c) ON TABLE public.t TO service_role;")
    assert revoke < regrant
    assert "INSERT (d)" not in sql  # INSERT was not revoked at table level: nothing to give back


def test_column_grant_options_come_back_too(roundtrip):
    roundtrip(
        history=[COLS + "revoke all on public.t from anon;\n"
                 "grant select (c) on public.t to anon with grant option;\n"
                 "grant update (d) on public.t to anon;\n"],
        migration="grant select, update on public.t to anon;",
    )


def test_revoke_grant_option_at_table_level_strips_column_options(roundtrip):
    roundtrip(
        history=[COLS + "revoke all on public.t from anon;\n"
                 "grant select on public.t to anon;\n"
                 "grant select (c) on public.t to anon with grant option;\n"],
        migration="grant select on public.t to anon with grant option;",
    )


# -- a dropped schema takes its default privileges with it -----------------------------------------

_DEFAULTS_IN_LEDGER = [
    "create schema ledger; grant usage on schema ledger to service_role;",
    "alter default privileges in schema ledger grant all on tables to service_role;"
    " alter default privileges in schema ledger grant usage, select on sequences to service_role;"
    " alter default privileges in schema ledger revoke execute on functions from public;"  # (per-schema: no effect)
    " alter default privileges in schema ledger grant execute on functions to authenticated;",
]


def test_drop_schema_cascade_brings_back_its_default_privileges(roundtrip):
    """The objects came back without the privileges the schema's defaults gave them."""
    rb, sql = roundtrip(
        history=[*_DEFAULTS_IN_LEDGER,
                 "create table ledger.entries (id bigserial primary key, amount numeric);"
                 " create view ledger.totals as select sum(amount) as total from ledger.entries;"
                 " create function ledger.balance() returns numeric language sql as $$ select 0::numeric $$;"],
        migration="drop schema ledger cascade;",
    )
    assert ("ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA ledger GRANT INSERT, SELECT, UPDATE, DELETE, "
            "TRUNCATE, REFERENCES, TRIGGER ON TABLES TO service_role;") in sql
    # restored right after the schema, before the contents that receive them
    assert sql.index("IN SCHEMA ledger GRANT") < sql.index("CREATE TABLE ledger.entries")


def test_drop_empty_schema_brings_back_its_default_privileges(roundtrip):
    roundtrip(history=_DEFAULTS_IN_LEDGER, migration="drop schema ledger;")


def test_schema_defaults_set_after_a_table_do_not_leak_onto_it(roundtrip):
    """The table predates the defaults: recreated under them, it gives back what it never had."""
    rb, sql = roundtrip(
        history=["create schema ledger; create table ledger.old_entries (id int);", _DEFAULTS_IN_LEDGER[1],
                 "create table ledger.new_entries (id int);"],
        migration="drop schema ledger cascade;",
    )
    assert ("REVOKE INSERT, SELECT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE ledger.old_entries "
            "FROM service_role;") in sql
    assert "ON TABLE ledger.new_entries" not in sql


def test_drop_tables_of_a_schema_with_default_privileges(roundtrip):
    roundtrip(
        history=[*_DEFAULTS_IN_LEDGER, "create table ledger.entries (id bigserial primary key);"
                 " revoke truncate on ledger.entries from service_role;"],
        migration="drop table ledger.entries;",
    )
