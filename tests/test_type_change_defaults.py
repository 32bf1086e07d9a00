"""Unit tests: the default a column keeps through ALTER COLUMN ... TYPE
(generator/handlers/alter_table.py, default_after_type_change)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.catalog import Catalog
from generator.engine import Rollback, baseline_catalog, replay
from generator.handlers.alter_table import default_after_type_change
from generator.parse import Migration


def run(cat: Catalog, sql: str, version: str) -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def types_cat() -> Catalog:
    cat = baseline_catalog()
    run(cat, "create type public.mood as enum ('a'); create domain public.short as varchar(10);"
             " create domain public.shorter as public.short;", "1")
    return cat


@pytest.mark.parametrize(("default", "old_type", "kept"), [
    ("'x'", "text", "CAST('x' AS text)"),
    ("'y'", "varchar(40)", "CAST('y' AS varchar)"),  # the length coercion is implicit: stripped
    ("'ab'", "char(3)", "CAST('ab' AS bpchar)"),  # not "char", which means char(1)
    ("'101'", "bit(3)", "CAST('101' AS pg_catalog.\"bit\")"),  # not "bit", which means bit(1)
    ("'1.5'", "numeric(10, 2)", "CAST('1.5' AS numeric)"),
    ("'{}'", "varchar(4)[]", "CAST('{}' AS varchar[])"),
    ("'a'", "public.mood", "CAST('a' AS public.mood)"),
    ("'q'", "public.short", "CAST('q' AS varchar)"),  # a domain's literal is its base type's
    ("'x' COLLATE \"C\"", "text", "CAST('x' AS text) COLLATE \"C\""),
    # typed whatever the column: kept as written
    ("0", "integer", "0"),
    ("now()", "timestamp", "now()"),
    ("lower('X')", "text", "lower('X')"),
    ("'x'::text", "varchar(40)", "'x'::text"),
    ("NULL", "text", "NULL"),
    # cannot be written back: None
    ("'1 day'", "interval day", None),
    ("NULL", "public.short", None),
    ("'q'", "public.shorter", None),
])
def test_default_after_type_change(default: str, old_type: str, kept: str | None) -> None:
    assert default_after_type_change(default, old_type, types_cat()) == kept


def test_catalog_records_the_kept_default_and_rollback_restores_the_written_one() -> None:
    cat = types_cat()
    run(cat, "create table public.t (id bigint, c text default 'x', n int default 0);", "2")
    rb = run(cat, "alter table public.t alter column c type varchar(40), alter column n type bigint;", "3")
    cols = cat.tables[("public", "t")].columns
    assert (cols["c"].type, cols["c"].default) == ("varchar(40)", "CAST('x' AS text)")
    assert (cols["n"].type, cols["n"].default) == ("bigint", "0")
    assert [s for step in rb.steps for s in step.sql][-1] == (
        "ALTER TABLE public.t ALTER COLUMN c DROP DEFAULT, ALTER COLUMN c TYPE text USING c::text,"
        " ALTER COLUMN c SET DEFAULT 'x';")
    rb = run(cat, "drop table public.t;", "4")
    assert "c varchar(40) DEFAULT CAST('x' AS text)" in "\n".join(s for step in rb.steps for s in step.sql)


def test_set_default_runs_after_the_type_change_of_the_same_statement() -> None:
    """PostgreSQL runs SET DEFAULT in a later pass than ALTER TYPE: the new default is
    cooked for the new type, whatever the order the subcommands are written in."""
    cat = types_cat()
    run(cat, "create table public.t (id bigint, c text default 'x');", "2")
    rb = run(cat, "alter table public.t alter column c set default 'z', alter column c type varchar(40);", "3")
    assert cat.tables[("public", "t")].columns["c"].default == "'z'"
    assert [s for step in rb.steps for s in step.sql] == [
        "ALTER TABLE public.t ALTER COLUMN c SET DEFAULT CAST('x' AS text);",
        "ALTER TABLE public.t ALTER COLUMN c DROP DEFAULT, ALTER COLUMN c TYPE text USING c::text,"
        " ALTER COLUMN c SET DEFAULT 'x';",
    ]


def test_unreproducible_default_distrusts_the_table_after_the_statement() -> None:
    cat = types_cat()
    run(cat, "create table public.t (id bigint, c interval day default '1 day', d text);", "2")
    rb = run(cat, "alter table public.t alter column c type interval, alter column d type varchar(9);", "3")
    assert not rb.manual_steps  # the statement itself is inverted (its other subcommand too)
    assert cat.tables[("public", "t")].columns["d"].type == "varchar(9)"
    assert ("table", "public.t") in cat.tainted
    assert "could not analyse" in run(cat, "drop table public.t;", "4").manual_steps[0].manual
