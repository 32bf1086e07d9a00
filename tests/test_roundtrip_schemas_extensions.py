"""Round trips (real PostgreSQL) for schemas and extensions."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "migration",
    [
        "create schema app;",
        "create schema if not exists app authorization supabase_admin;",
        "create schema authorization dashboard_user;",
        'create schema "My App";',
    ],
)
def test_create_schema(roundtrip, migration: str) -> None:
    rb, sql = roundtrip(migration=migration)
    assert "DROP SCHEMA" in sql


def test_create_schema_with_contents(roundtrip) -> None:
    """Objects created in the new schema are dropped before it (RESTRICT works)."""
    rb, sql = roundtrip(
        migration="""
        create schema app;
        grant usage on schema app to authenticated;
        create table app.items (id bigint primary key, name text);
        create index items_name on app.items (name);
        create view app.item_names as select name from app.items;
        create materialized view app.item_count as select count(*) as n from app.items;
        """,
    )
    assert sql.rindex("DROP SCHEMA app;") > sql.index("DROP TABLE app.items")
    assert rb.risk == "HIGH"  # the table may hold rows by the time of the rollback


def test_create_schema_if_not_exists_existing(roundtrip) -> None:
    rb, sql = roundtrip(migration="create schema if not exists extensions;")
    assert rb.steps == []


def test_drop_empty_schema_restores_owner_grants_comment(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create schema app authorization supabase_admin;"
            "grant usage on schema app to anon, authenticated;"
            "comment on schema app is 'Application schema';"
        ],
        migration="drop schema app;",
    )
    assert "CREATE SCHEMA app AUTHORIZATION supabase_admin;" in sql


def test_drop_schema_cascade_with_contents(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create schema app; create table app.items (id bigint primary key);"],
        migration="drop schema app cascade;",
    )
    assert "CREATE TABLE app.items" in sql


def test_rename_schema(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create schema app;"
            "create table app.items (id bigint primary key, name text);"
            "create index items_name on app.items (name);"
            "create view app.names as select name from app.items;"
            "grant select on app.names to anon;"
        ],
        migration="alter schema app rename to core;",
    )
    assert "ALTER SCHEMA core RENAME TO app;" in sql


def test_rename_schema_then_drop_view_in_it(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create schema app;"
            "create table app.items (id bigint primary key, name text);"
            "create view app.names as select name from app.items;"
            "grant select on app.names to anon;"
        ],
        migration="alter schema app rename to core; drop view core.names;",
    )
    assert "CREATE VIEW core.names AS SELECT name FROM core.items;" in sql


# -- extensions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "migration",
    [
        "create extension if not exists pg_trgm with schema extensions;",
        "create extension pg_trgm with schema extensions version '1.5';",
        "create extension citext with schema extensions;",
        "create extension earthdistance with schema extensions cascade;",
        "create extension hstore;",
        "set search_path = extensions; create extension fuzzystrmatch;",
    ],
)
def test_create_extension(roundtrip, migration: str) -> None:
    rb, sql = roundtrip(migration=migration)
    assert "DROP EXTENSION" in sql


def test_create_extension_already_installed(roundtrip) -> None:
    rb, sql = roundtrip(migration='create extension if not exists "uuid-ossp" with schema extensions;')
    assert rb.steps == []


def test_create_extension_and_use_it(roundtrip) -> None:
    rb, sql = roundtrip(
        migration="""
        create extension if not exists pg_trgm with schema extensions;
        create extension if not exists citext with schema extensions;
        create table public.people (id bigint primary key, email extensions.citext);
        create index people_email_trgm on public.people using gin ((email::text) extensions.gin_trgm_ops);
        """,
    )
    assert sql.index("DROP TABLE public.people") < sql.index("DROP EXTENSION citext;")


@pytest.mark.parametrize(
    "history",
    [
        "create extension pg_trgm with schema extensions;",
        "create extension pg_trgm with schema extensions version '1.5';",
        "create extension citext;",
    ],
)
def test_drop_extension(roundtrip, history: str) -> None:
    name = history.split()[2].rstrip(";")
    rb, sql = roundtrip(history=[history], migration=f"drop extension {name};")
    assert f"CREATE EXTENSION {name}" in sql


def test_drop_baseline_extension(roundtrip) -> None:
    rb, sql = roundtrip(migration='drop extension if exists "uuid-ossp";')
    assert 'CREATE EXTENSION "uuid-ossp" WITH SCHEMA extensions;' in sql


def test_drop_extension_cascade_is_manual(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create extension citext with schema extensions;"
                 "create table public.p (id int, e extensions.citext);"],
        migration="drop extension citext cascade;",
        expect_manual=True,
    )
    assert rb.manual_steps


def test_alter_extension_update_is_manual(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create extension pg_trgm with schema extensions version '1.5';"],
        migration="alter extension pg_trgm update to '1.6';",
        expect_manual=True,
    )
    assert "1.5" in rb.manual_steps[0].manual


def test_alter_extension_set_schema(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create extension pg_trgm with schema extensions;"],
        migration="alter extension pg_trgm set schema public;",
    )
    assert "ALTER EXTENSION pg_trgm SET SCHEMA extensions;" in sql


# -- extensions every Supabase project already has (generator/baseline.sql) ---------------------------


def test_remote_schema_header_of_platform_extensions(roundtrip) -> None:
    """`create extension if not exists` of what the platform installed is a no-op: nothing is dropped."""
    rb, sql = roundtrip(
        migration="""
        create extension if not exists "pg_stat_statements" with schema "extensions";
        create extension if not exists "pgcrypto" with schema "extensions";
        create extension if not exists "uuid-ossp" with schema "extensions";
        create table public.notes (id uuid primary key default extensions.uuid_generate_v4(),
                                   secret text default extensions.crypt('x', extensions.gen_salt('bf')));
        """,
    )
    assert "DROP TABLE public.notes;" in sql
    assert "EXTENSION" not in sql.replace("pg_extension", "")


@pytest.mark.parametrize(
    "migration",
    [
        "create extension if not exists pgcrypto with schema public;",
        'create extension if not exists "uuid-ossp";',
        "set search_path = public; create extension if not exists pg_stat_statements;",
    ],
)
def test_platform_extension_if_not_exists_elsewhere_is_a_no_op(roundtrip, migration: str) -> None:
    """PostgreSQL skips it with a notice, whatever schema the statement names; so does the rollback."""
    rb, sql = roundtrip(migration=migration)
    assert rb.steps == []


@pytest.mark.parametrize(
    "name",
    ["pg_stat_statements", "pgcrypto", '"uuid-ossp"'],
)
def test_drop_platform_extension_recreates_it_in_extensions(roundtrip, name: str) -> None:
    # pgjwt (a stand-in on the test server, as on Supabase's PostgreSQL 15) requires pgcrypto:
    # a project that drops pgcrypto has dropped pgjwt first
    history = ["drop extension if exists pgjwt;"] if name == "pgcrypto" else []
    rb, sql = roundtrip(history=history, migration=f"drop extension {name};")
    assert f"CREATE EXTENSION {name} WITH SCHEMA extensions;" in sql


def test_block_moving_an_extension_found_in_public_by_namespace_oid(roundtrip) -> None:
    # `extnamespace = (select oid from pg_namespace where nspname = 'public')` is decided
    # from the catalog, so the block's move is undone like the statement's
    rb, sql = roundtrip(history=["create extension fuzzystrmatch with schema public;"], migration="""
        do $$ begin
          create schema if not exists extensions;
          if exists (select 1 from pg_extension where extname = 'fuzzystrmatch'
                     and extnamespace = (select oid from pg_namespace where nspname = 'public')) then
            alter extension fuzzystrmatch set schema extensions;
          end if;
        end $$;""")
    assert not rb.manual_steps
    assert "ALTER EXTENSION fuzzystrmatch SET SCHEMA public;" in sql
