"""Extensions a Supabase database already has, and the schemas extensions make (unit tests).

The catalog starts from generator/baseline.sql, which installs what a fresh Supabase
project has (pg_graphql in graphql; pg_stat_statements, pgcrypto, uuid-ossp, pgjwt in
extensions; supabase_vault in vault; pgsodium). The test server lacks most of the
non-contrib ones, so what they do is checked here on the generated SQL; the contrib ones
also have round trips in test_roundtrip_schemas_extensions.py.
"""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog
from generator.engine import Rollback, baseline_catalog, generate, replay
from generator.parse import Migration


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def sql_of(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql if not s.startswith("DO $$")]


def chain(*migrations: str) -> Rollback:
    """The rollback of the last of ``migrations``, after the others as history."""
    migs = [Migration(f"2025010100000{i}", f"m{i}", Path(f"2025010100000{i}_m{i}.sql"), sql)
            for i, sql in enumerate(migrations)]
    return generate(migs, targets={migs[-1].version})[0]


# -- create extension if not exists of what the platform installed ------------------------------------


def test_a_pulled_remote_schema_drops_none_of_the_platform_extensions() -> None:
    """What `supabase db pull` writes at the top of every remote_schema migration."""
    rb = chain("""
        create extension if not exists "pg_graphql" with schema "graphql";
        create extension if not exists "pg_stat_statements" with schema "extensions";
        create extension if not exists "pgcrypto" with schema "extensions";
        create extension if not exists "pgjwt" with schema "extensions";
        create extension if not exists "supabase_vault" with schema "vault";
        create extension if not exists "uuid-ossp" with schema "extensions";
        create extension if not exists "pgsodium" with schema "pgsodium";
        create table public.notes (id uuid primary key default extensions.uuid_generate_v4(), body text);
    """)
    assert not rb.manual_steps
    assert [s for s in sql_of(rb) if "EXTENSION" in s or "SCHEMA" in s] == []
    assert any(s == "DROP TABLE public.notes;" for s in sql_of(rb))


def test_if_not_exists_naming_another_schema_is_a_no_op() -> None:
    """PostgreSQL only notices "already exists, skipping", wherever the statement says."""
    cat = baseline_catalog()
    rb = run(cat, 'create extension if not exists pgcrypto with schema public;'
                  'create extension if not exists "uuid-ossp";'
                  'create extension if not exists pg_graphql;')
    assert rb.steps == []
    assert cat.extensions["pgcrypto"].schema == "extensions"


def test_plain_create_of_a_platform_extension_proves_it_was_absent() -> None:
    """pg_graphql is off by default for new projects: `create extension pg_graphql` ran there."""
    cat = baseline_catalog()
    rb = run(cat, "create extension pg_graphql;")
    assert not rb.manual_steps
    assert sql_of(rb) == ["DROP EXTENSION pg_graphql;"]  # schema graphql existed already
    assert cat.extensions["pg_graphql"].schema == "graphql" and not cat.extensions["pg_graphql"].platform
    # Created by a migration now: a second plain CREATE fails, as on the server.
    assert run(cat, "create extension pg_graphql;").manual_steps


def test_control_file_schema_is_enforced() -> None:
    cat = baseline_catalog()
    run(cat, "drop extension pg_graphql;")
    rb = run(cat, "create extension pg_graphql with schema extensions;")
    assert rb.manual_steps and "must be installed in schema graphql" in rb.manual_steps[0].manual


# -- drop extension of a platform extension ---------------------------------------------------------


def test_dropping_a_platform_extension_recreates_it_in_its_schema() -> None:
    rb = chain("drop extension if exists pg_graphql;")
    assert sql_of(rb) == ["CREATE EXTENSION pg_graphql WITH SCHEMA graphql;"]
    rb = chain("drop extension supabase_vault;")
    assert sql_of(rb) == ["CREATE EXTENSION supabase_vault WITH SCHEMA vault;"]


def test_recreating_pg_graphql_after_its_schema_went_too() -> None:
    """CREATE EXTENSION makes the control file's schema when missing; the inverse drops both."""
    cat = baseline_catalog()
    run(cat, "drop extension pg_graphql; drop schema graphql;")
    assert "graphql" not in cat.schemas
    rb = run(cat, "create extension pg_graphql;")
    assert sql_of(rb) == ["DROP EXTENSION pg_graphql;", "DROP SCHEMA graphql;"]
    assert cat.schemas["graphql"].extension is None  # not a member: DROP EXTENSION leaves it


# -- schemas an extension's script creates ----------------------------------------------------------------


def test_pg_net_then_its_schema_if_not_exists() -> None:
    """`create schema if not exists net` after pg_net changed nothing: only the extension is dropped."""
    rb = chain("""
        create extension if not exists pg_net with schema extensions;
        create schema if not exists net;
        grant usage on schema net to postgres, anon, authenticated, service_role;
    """)
    assert not rb.manual_steps
    assert sql_of(rb) == ["DROP EXTENSION pg_net;"]


def test_pg_cron_then_its_schema_and_grant() -> None:
    rb = chain("""
        create extension if not exists pg_cron with schema pg_catalog;
        create schema if not exists cron;
        grant usage on schema cron to postgres;
    """)
    assert not rb.manual_steps
    assert sql_of(rb) == ["DROP EXTENSION pg_cron;"]


def test_member_schema_grants_of_migrations_are_revoked_before_the_drop() -> None:
    rb = chain("create extension pg_net with schema extensions;", "grant usage on schema net to dashboard_user;")
    assert sql_of(rb) == ["REVOKE USAGE ON SCHEMA net FROM dashboard_user;"]


def test_dropping_pg_net_recreates_it_and_the_grants_on_its_schema() -> None:
    rb = chain(
        "create extension pg_net with schema extensions;",
        "grant usage on schema net to dashboard_user;",
        "drop extension pg_net;",
    )
    assert not rb.manual_steps
    out = sql_of(rb)
    assert out[0] == "CREATE EXTENSION pg_net WITH SCHEMA extensions;"
    assert "GRANT USAGE ON SCHEMA net TO dashboard_user;" in out


def test_schema_net_is_gone_with_pg_net() -> None:
    """After DROP EXTENSION pg_net a migration's own `create schema net` is a new schema."""
    cat = baseline_catalog()
    run(cat, "create extension pg_net with schema extensions;")
    run(cat, "drop extension pg_net;")
    assert "net" not in cat.schemas
    rb = run(cat, "create schema net;")
    assert sql_of(rb) == ["DROP SCHEMA net;"]


def test_the_schema_of_an_extension_cannot_be_dropped() -> None:
    cat = baseline_catalog()
    run(cat, "create extension pg_net with schema extensions;")
    rb = run(cat, "drop schema net cascade;")
    assert rb.manual_steps and "belongs to extension pg_net" in rb.manual_steps[0].manual


def test_a_schema_made_before_the_extension_is_not_taken_over() -> None:
    """The user's own `net` stays the user's: the inverse of its creation drops it, after the extension."""
    cat = baseline_catalog()
    rb = run(cat, "create schema if not exists cron; create extension pg_cron with schema pg_catalog;")
    assert cat.schemas["cron"].extension is None
    assert sql_of(rb) == ["DROP EXTENSION pg_cron;", "DROP SCHEMA cron;"]


def test_the_whole_chain_rolls_back_in_dependency_order() -> None:
    """Every migration of a pg_net chain, newest first, on one catalog."""
    rb = chain(
        "create extension if not exists pg_net with schema extensions; create schema if not exists net;",
        "create schema app; create function app.ping() returns bigint language sql "
        "as $$ select net.http_get('https://example.com') $$;",
    )
    assert sql_of(rb)[-1] == "DROP SCHEMA app;"
    assert not any("net" in s and "DROP SCHEMA" in s for s in sql_of(rb))


def test_pgmq_goes_to_its_control_file_schema() -> None:
    """pgmq's control file names schema pgmq: CREATE EXTENSION makes it, DROP EXTENSION leaves it."""
    cat = baseline_catalog()
    rb = run(cat, "create extension if not exists pgmq; create schema if not exists pgmq;")
    assert sql_of(rb) == ["DROP EXTENSION pgmq;", "DROP SCHEMA pgmq;"]
    assert cat.extensions["pgmq"].schema == "pgmq"
