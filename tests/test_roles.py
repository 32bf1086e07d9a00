"""Unit tests of generator/handlers/roles.py: generated SQL and catalog effects."""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog
from generator.engine import Rollback, baseline_catalog, replay
from generator.parse import Migration


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def sql_of(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


def test_create_alter_drop_role() -> None:
    cat = baseline_catalog()
    assert sql_of(run(cat, "create user u in role anon;")) == ["DROP ROLE u;"]
    assert cat.created_roles["u"]["canlogin"] is True
    assert ("anon", "u") in cat.role_members
    rb = run(cat, "alter role u with nologin createdb password 'p';", "20250101000001")
    assert sql_of(rb) == ["ALTER ROLE u WITH NOCREATEDB LOGIN PASSWORD NULL;"]
    rb = run(cat, "alter role u password 'q';", "20250101000002")
    assert rb.manual_steps and "password" in rb.manual_steps[0].manual
    rb = run(cat, "alter role u valid until '2030-01-01';", "20250101000003")
    assert rb.manual_steps and "VALID UNTIL" in rb.manual_steps[0].manual


def test_role_settings() -> None:
    cat = baseline_catalog()
    run(cat, "create role r; alter role r set statement_timeout = '5s';")
    rb = run(cat, "alter role r set statement_timeout = '8s'; alter role r set work_mem to '64MB';", "20250101000001")
    assert sql_of(rb) == ["ALTER ROLE r RESET work_mem;", "ALTER ROLE r SET statement_timeout TO '5s';"]
    rb = run(cat, "alter role r reset all;", "20250101000002")
    assert sorted(sql_of(rb)) == ["ALTER ROLE r SET statement_timeout TO '8s';", "ALTER ROLE r SET work_mem TO '64MB';"]
    assert ("r", None) not in cat.role_settings


def test_platform_role_setting_unknown_then_known() -> None:
    cat = baseline_catalog()
    rb = run(cat, "alter role authenticated set statement_timeout = '8s';")
    assert rb.manual_steps and "not known" in rb.manual_steps[0].manual
    assert rb.manual_steps[0].sql == ["ALTER ROLE authenticated RESET statement_timeout;"]
    rb = run(cat, "alter role authenticated in database postgres set statement_timeout = '9s';", "20250101000001")
    assert rb.manual_steps  # another database: another setting
    rb = run(cat, "alter role authenticated set statement_timeout = '10s';", "20250101000002")
    assert sql_of(rb) == ["ALTER ROLE authenticated SET statement_timeout TO '8s';"]


def test_drop_role_recreates_known_role_only() -> None:
    cat = baseline_catalog()
    run(cat, "create role r noinherit connection limit 4; grant anon to r; alter role r set x.y = 'z';")
    rb = run(cat, "drop role r;", "20250101000001")
    assert sql_of(rb) == [
        "CREATE ROLE r WITH NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOLOGIN NOREPLICATION NOBYPASSRLS "
        "CONNECTION LIMIT 4;",
        "GRANT anon TO r;",
        "ALTER ROLE r SET x.y TO 'z';",
    ]
    assert "r" not in cat.roles and not cat.role_settings
    assert run(cat, "drop role if exists r;", "20250101000002").steps == []
    assert run(cat, "drop role anon;", "20250101000003").manual_steps


def test_rename_role_follows_grants() -> None:
    cat = baseline_catalog()
    run(cat, "create role a; create table public.t (id int); grant select on public.t to a;")
    rb = run(cat, "alter role a rename to b;", "20250101000001")
    assert sql_of(rb) == ["ALTER ROLE b RENAME TO a;"]
    assert cat.grants[("table", "public.t")]["b"] == {"SELECT"}
