"""Unit tests of generator/handlers/schemas.py and extensions.py."""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog, Column, Constraint, Function, Index, Schema, Table, Type, View
from generator.engine import Rollback, baseline_catalog, replay
from generator.parse import Migration
from generator.steps import Hazard


def fresh() -> Catalog:
    cat = Catalog()
    for s in ("pg_catalog", "public", "extensions"):
        cat.schemas[s] = Schema(s)
    return cat


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def sql_of(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


# -- CREATE SCHEMA --------------------------------------------------------------------------------


def test_create_schema_and_authorization() -> None:
    cat = fresh()
    rb = run(cat, "create schema app; create schema if not exists \"My App\" authorization supabase_admin;")
    assert sql_of(rb) == ['DROP SCHEMA "My App";', "DROP SCHEMA app;"]
    assert cat.schemas["My App"].owner == "supabase_admin"
    assert cat.schemas["app"].owner == "postgres"
    assert all(not s.hazards for s in rb.steps)
    assert rb.steps[0].group == "Drop Schemas"


def test_create_schema_named_by_role_and_if_not_exists_existing() -> None:
    cat = fresh()
    rb = run(cat, "create schema authorization anon; create schema if not exists public;")
    assert sql_of(rb) == ["DROP SCHEMA anon;"]


def test_embedded_schema_elements_are_unsupported() -> None:
    cat = fresh()
    rb = run(cat, "create schema app create table t (id int);")
    assert rb.manual_steps and "embedded" in rb.manual_steps[0].manual


# -- DROP SCHEMA -------------------------------------------------------------------------------------


def test_drop_empty_schema_recreates_owner_grants_comment() -> None:
    cat = fresh()
    run(cat, "create schema app authorization supabase_admin;")
    cat.grants[("schema", "app")] = {"anon": {"USAGE"}}
    cat.comments[("schema", "app")] = "application"
    rb = run(cat, "drop schema app;")
    assert sql_of(rb) == [
        "CREATE SCHEMA app AUTHORIZATION supabase_admin;",
        "GRANT USAGE ON SCHEMA app TO anon;",
        "COMMENT ON SCHEMA app IS 'application';",
    ]
    assert "app" not in cat.schemas and ("schema", "app") not in cat.grants


def test_drop_schema_if_exists_missing() -> None:
    cat = fresh()
    assert run(cat, "drop schema if exists nope;").steps == []
    assert run(cat, "drop schema nope;").manual_steps


def test_drop_nonempty_without_cascade_is_refused() -> None:
    cat = fresh()
    run(cat, "create schema app;")
    cat.tables[("app", "t")] = Table("app", "t", {"id": Column("id", "int")})
    rb = run(cat, "drop schema app;")
    assert rb.manual_steps and "refuses" in rb.manual_steps[0].manual
    assert "app" in cat.schemas


def test_drop_cascade_with_contents_recreates_them() -> None:
    cat = fresh()
    run(cat, "create schema app;")
    cat.tables[("app", "t")] = Table("app", "t", {"id": Column("id", "int")})
    cat.indexes[("app", "ix")] = Index("app", "ix", ("app", "t"), "CREATE INDEX ix ON app.t (id)")
    cat.types[("app", "mood")] = Type("app", "mood", "enum", "CREATE TYPE app.mood AS ENUM ('a')")
    cat.views[("public", "v")] = View("public", "v", "CREATE VIEW public.v AS SELECT id FROM app.t")
    cat.tables[("public", "u")] = Table("public", "u", {"m": Column("m", "app.mood")})
    cat.grants[("table", "app.t")] = {"anon": {"SELECT"}}
    rb = run(cat, "drop schema app cascade;")
    assert not rb.manual_steps
    assert [s.title for s in rb.steps] == [
        "Recreate schema app", "Recreate enum app.mood", "Restore column public.u.m", "Recreate table app.t",
        "Recreate view public.v",
    ]
    assert any(h.code == Hazard.DATA_NOT_RESTORED for h in rb.steps[3].hazards)
    assert "app" not in cat.schemas and not cat.indexes and not cat.views and ("app", "t") not in cat.tables
    assert ("table", "app.t") not in cat.grants and "m" not in cat.tables[("public", "u")].columns


def test_drop_cascade_with_an_extension_is_manual_listing_losses() -> None:
    cat = fresh()
    run(cat, "create schema app; create extension pgcrypto with schema app;")
    cat.tables[("app", "t")] = Table("app", "t", {"id": Column("id", "int")})
    rb = run(cat, "drop schema app cascade;")
    step = rb.steps[0]
    assert step.manual and "table app.t" in step.manual and "extensions live in schema app" in step.manual
    assert {h.code for h in step.hazards} == {Hazard.MANUAL, Hazard.DATA_NOT_RESTORED}
    assert step.sql[0] == "CREATE SCHEMA app;"
    assert "app" not in cat.schemas and ("app", "t") not in cat.tables


# -- ALTER SCHEMA RENAME ------------------------------------------------------------------------------


def test_rename_schema_back_and_rekey_catalog() -> None:
    cat = fresh()
    run(cat, "create schema app;")
    cat.tables[("app", "t")] = Table("app", "t", {"id": Column("id", "int")})
    cat.indexes[("app", "ix")] = Index("app", "ix", ("app", "t"), "CREATE INDEX ix ON app.t (id)")
    cat.views[("app", "v")] = View("app", "v", "CREATE VIEW app.v AS SELECT app.f(id) FROM app.t",
                                   search_path=("app", "public"))
    cat.functions[("app", "f", "integer")] = Function(
        "app", "f", "integer", "CREATE FUNCTION app.f(x integer) RETURNS integer LANGUAGE sql AS $$ select x $$"
    )
    cat.functions[("app", "g", "integer")] = Function(
        "app", "g", "integer", "CREATE FUNCTION app.g(x integer) RETURNS integer LANGUAGE sql AS $$ select app.f(x) $$"
    )
    cat.grants[("table", "app.t")] = {"anon": {"SELECT"}}
    cat.comments[("schema", "app")] = "s"
    rb = run(cat, "alter schema app rename to core;")
    assert sql_of(rb) == ["ALTER SCHEMA core RENAME TO app;"]
    assert ("core", "t") in cat.tables and cat.tables[("core", "t")].schema == "core"
    assert cat.indexes[("core", "ix")].table == ("core", "t")
    assert cat.indexes[("core", "ix")].definition == "CREATE INDEX ix ON core.t (id)"
    assert cat.views[("core", "v")].definition == "CREATE VIEW core.v AS SELECT core.f(id) FROM core.t"
    assert cat.views[("core", "v")].search_path == ("core", "public")
    assert cat.functions[("core", "f", "integer")].definition.startswith("CREATE FUNCTION core.f(")
    assert cat.grants[("table", "core.t")] == {"anon": {"SELECT"}}
    assert cat.comments[("schema", "core")] == "s"
    # g's body still says app.f: PostgreSQL keeps the text, so the record is distrusted.
    assert ("function", "core.g(integer)") in cat.tainted
    assert ("function", "core.f(integer)") not in cat.tainted


# -- extensions ------------------------------------------------------------------------------------------


def test_create_extension_with_schema_and_version() -> None:
    cat = fresh()
    rb = run(cat, "create extension if not exists pg_trgm with schema extensions version '1.6';")
    assert sql_of(rb) == ["DROP EXTENSION pg_trgm;"]
    ext = cat.extensions["pg_trgm"]
    assert (ext.schema, ext.version, ext.search_path) == ("extensions", "1.6", None)
    assert rb.steps[0].group == "Drop Extensions" and not rb.steps[0].hazards


def test_dropping_a_type_extension_first_turns_backup_columns_to_text() -> None:
    cat = fresh()
    rb = run(cat, "create extension citext with schema extensions;")
    do, drop = rb.steps[0].sql
    assert drop == "DROP EXTENSION citext;"
    assert do.startswith("DO $$") and "e.extname = 'citext'" in do
    assert "n.nspname = 'supabase_rollback_backup'" in do
    assert "ALTER TABLE %s ALTER COLUMN %I TYPE %s USING %I::%3$s" in do


def test_create_extension_if_not_exists_existing_has_no_inverse() -> None:
    cat = baseline_catalog()
    assert run(cat, 'create extension if not exists "uuid-ossp" with schema extensions;').steps == []


def test_create_extension_cascade_known_and_unknown_requirements() -> None:
    cat = fresh()
    rb = run(cat, "create extension earthdistance with schema extensions cascade;")
    assert [s for s in sql_of(rb) if not s.startswith("DO")] == ["DROP EXTENSION earthdistance;", "DROP EXTENSION cube;"]
    assert cat.extensions["cube"].schema == "extensions"
    rb = run(cat, "create extension some_vendor_ext cascade;")
    assert rb.manual_steps and "CASCADE" in rb.manual_steps[0].manual


def test_drop_extension_recreates_as_recorded() -> None:
    cat = baseline_catalog()
    rb = run(cat, 'drop extension "uuid-ossp";')
    assert sql_of(rb) == ['CREATE EXTENSION "uuid-ossp" WITH SCHEMA extensions;']
    assert "uuid-ossp" not in cat.extensions


def test_drop_extension_created_without_schema_uses_its_search_path() -> None:
    cat = fresh()
    run(cat, "set search_path = extensions, public; create extension citext;")
    assert cat.extensions["citext"].schema == "extensions"
    rb = run(cat, "drop extension citext;")
    assert sql_of(rb) == ["CREATE EXTENSION citext;"]
    assert rb.steps[0].search_path == ("extensions", "public")


def test_drop_extension_cascade_and_unknown_are_manual() -> None:
    cat = baseline_catalog()
    rb = run(cat, "drop extension pgcrypto cascade;")
    assert rb.manual_steps and "CASCADE" in rb.manual_steps[0].manual
    assert run(cat, "drop extension if exists nope;").steps == []
    assert run(cat, "drop extension nope;").manual_steps


def test_alter_extension_update_is_manual() -> None:
    cat = fresh()
    run(cat, "create extension pg_trgm with schema extensions version '1.5';")
    rb = run(cat, "alter extension pg_trgm update to '1.6';")
    assert rb.manual_steps and "1.5" in rb.manual_steps[0].manual
    assert cat.extensions["pg_trgm"].version == "1.6"


def test_alter_extension_set_schema_back() -> None:
    cat = fresh()
    run(cat, "create extension pg_trgm with schema extensions;")
    rb = run(cat, "alter extension pg_trgm set schema public;")
    assert sql_of(rb) == ["ALTER EXTENSION pg_trgm SET SCHEMA extensions;"]
    assert cat.extensions["pg_trgm"].schema == "public"


def test_constraint_helpers_untouched_by_schema_drop_elsewhere() -> None:
    cat = fresh()
    run(cat, "create schema app; create schema other;")
    cat.tables[("other", "t")] = Table("other", "t", {"id": Column("id", "int")},
                                       {"fk": Constraint("fk", "f", "FOREIGN KEY (id) REFERENCES public.x(id)", ["id"],
                                                         references=("public", "x"))})
    rb = run(cat, "drop schema app;")
    assert sql_of(rb) == ["CREATE SCHEMA app;"]
    assert ("table", "other.t") not in cat.tainted
