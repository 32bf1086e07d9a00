"""Unit tests of the type handlers (enums, domains, composite and range types)."""

from __future__ import annotations

from _acl_support import catalog, run, sqls

from generator.catalog import Column, Table


def test_create_enum_and_inverse():
    cat = catalog()
    rb = run("create type mood as enum ('sad', 'it''s ok');", cat)
    assert sqls(rb) == ["DROP TYPE public.mood;"]
    assert rb.steps[0].group == "Drop Types"
    t = cat.types[("public", "mood")]
    assert t.labels == ["sad", "it's ok"] and t.kind == "enum"
    assert cat.grants[("type", "public.mood")] == {"public": {"USAGE"}}


def test_create_domain_names_unnamed_checks_like_postgresql():
    cat = catalog()
    run("create domain public.d as int check (value > 0);", cat)
    rb = run("create domain d2 as text not null default 'x' check (value <> '') check (length(value) < 5) "
             "constraint named check (true);", cat)
    assert sqls(rb) == ["DROP DOMAIN public.d2;"]
    t = cat.types[("public", "d2")]
    assert list(t.constraints) == ["d2_check", "d2_check1", "named"]
    assert t.definition == (
        "CREATE DOMAIN public.d2 AS text NOT NULL DEFAULT 'x' CONSTRAINT d2_check CHECK (value <> '') "
        "CONSTRAINT d2_check1 CHECK (length(value) < 5) CONSTRAINT named CHECK (TRUE)"
    )


def test_composite_and_range():
    cat = catalog()
    rb = run("create type pt as (x int, y text); create type fr as range (subtype = float8);", cat)
    assert sqls(rb) == ["DROP TYPE public.fr;", "DROP TYPE public.pt;"]
    assert cat.types[("public", "pt")].definition == "CREATE TYPE public.pt AS (x integer,  y text)"
    assert cat.relation_kind(("public", "pt")) == "type"


def test_drop_type_recreates_with_grants_and_comment():
    cat = catalog()
    run("create type public.mood as enum ('a', 'b'); alter type public.mood add value 'z' after 'a';"
        " revoke usage on type public.mood from public; grant usage on type public.mood to anon;"
        " comment on type public.mood is 'm';", cat)
    rb = run("drop type public.mood;", cat)
    assert sqls(rb) == [
        "CREATE TYPE public.mood AS ENUM ('a', 'z', 'b');",
        "GRANT USAGE ON TYPE public.mood TO anon;",
        "REVOKE USAGE ON TYPE public.mood FROM PUBLIC;",
        "COMMENT ON TYPE public.mood IS 'm';",
    ]
    assert ("public", "mood") not in cat.types and ("type", "public.mood") not in cat.grants


def test_drop_if_exists_missing_is_nothing_and_unknown_is_manual():
    cat = catalog()
    assert run("drop type if exists public.nope;", cat).steps == []
    assert run("drop type public.nope;", cat).manual_steps


def test_drop_cascade_restores_columns_and_forgets_them():
    cat = catalog("public.t(id,m)")
    run("create type public.mood as enum ('a');", cat)
    cat.tables[("public", "t")].columns["m"].type = "public.mood"
    rb = run("drop type public.mood cascade;", cat)
    assert not rb.manual_steps
    assert sqls(rb) == ["CREATE TYPE public.mood AS ENUM ('a');", "ALTER TABLE public.t ADD COLUMN m public.mood;"]
    assert rb.steps[1].data_loss
    assert "m" not in cat.tables[("public", "t")].columns
    assert ("public", "mood") not in cat.types


def test_drop_cascade_with_a_domain_over_it_is_manual_and_forgets_columns():
    cat = catalog("public.t(id,m)")
    run("create type public.mood as enum ('a'); create domain public.dm as public.mood;", cat)
    cat.tables[("public", "t")].columns["m"].type = "public.mood"
    rb = run("drop type public.mood cascade;", cat)
    assert rb.manual_steps and "domain public.dm is built on public.mood" in rb.manual_steps[0].manual
    assert "m" not in cat.tables[("public", "t")].columns
    assert ("public", "mood") not in cat.types


def test_rename_value_and_add_value():
    cat = catalog("public.t(id,m)")
    run("create type public.mood as enum ('a', 'b');", cat)
    cat.tables[("public", "t")].columns["m"].type = "mood"
    rb = run("alter type mood rename value 'a' to 'A';", cat)
    assert sqls(rb) == ["ALTER TYPE public.mood RENAME VALUE 'A' TO 'a';"]
    rb = run("alter type mood add value 'c' before 'b';", cat)
    assert not rb.manual_steps
    guard, rebuild = rb.steps
    assert "RAISE EXCEPTION 'enum value ''c'' of public.mood is still used by % rows of public.t.m', n;" in guard.sql[0]
    assert rebuild.sql == [
        "CREATE TYPE public.mood_new AS ENUM ('A', 'b');",
        "ALTER TABLE public.t ALTER COLUMN m TYPE public.mood_new USING m::text::public.mood_new;",
        "DROP TYPE public.mood;",
        "ALTER TYPE public.mood_new RENAME TO mood;",
    ]
    assert cat.types[("public", "mood")].labels == ["A", "c", "b"]
    assert run("alter type mood add value if not exists 'c';", cat).steps == []


def test_rename_type_follows_columns_and_refs():
    cat = catalog("public.t(id,m)")
    run("create domain public.pos as int; comment on type public.pos is 'p';", cat)
    cat.tables[("public", "t")].columns["m"].type = "public.pos[]"
    rb = run("alter domain public.pos rename to positive;", cat)
    assert sqls(rb) == ["ALTER DOMAIN public.positive RENAME TO pos;"]
    assert cat.types[("public", "positive")].definition == "CREATE DOMAIN public.positive AS integer"
    assert cat.tables[("public", "t")].columns["m"].type == "public.positive[]"
    assert cat.comments == {("type", "public.positive"): "p"}


def test_alter_domain_keeps_the_recorded_definition_current():
    cat = catalog()
    run("create domain public.pos as int;", cat)
    assert sqls(run("alter domain public.pos set not null;", cat)) == ["ALTER DOMAIN public.pos DROP NOT NULL;"]
    assert sqls(run("alter domain public.pos add check (value > 0) not valid;", cat)) == [
        "ALTER DOMAIN public.pos DROP CONSTRAINT pos_check;"]
    assert sqls(run("alter domain public.pos set default 1;", cat)) == ["ALTER DOMAIN public.pos DROP DEFAULT;"]
    assert sqls(run("drop domain public.pos;", cat)) == [
        "CREATE DOMAIN public.pos AS integer NOT NULL DEFAULT 1;",
        "ALTER DOMAIN public.pos ADD CONSTRAINT pos_check CHECK (value > 0) NOT VALID;",
    ]


def test_composite_attributes():
    cat = catalog()
    run('create type public.pair as (a int, b text);', cat)
    assert sqls(run("alter type public.pair add attribute c text;", cat)) == ["ALTER TYPE public.pair DROP ATTRIBUTE c;"]
    assert sqls(run("alter type public.pair drop attribute c;", cat)) == ["ALTER TYPE public.pair ADD ATTRIBUTE c text;"]
    rb = run("alter type public.pair drop attribute a;", cat)
    assert sqls(rb)[:2] == ["DROP TYPE public.pair;", "CREATE TYPE public.pair AS (a integer,  b text);"]
    assert cat.types[("public", "pair")].definition == "CREATE TYPE public.pair AS (b text)"
    cat.tables[("public", "t")] = Table("public", "t", {"p": Column("p", "public.pair")})
    assert run("alter type public.pair add attribute z int;", cat).manual_steps
