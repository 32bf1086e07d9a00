"""Unit tests of generator/handlers/functions.py: generated SQL and catalog effects."""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog, Column, Schema, Table, Trigger, Type
from generator.engine import Rollback, replay
from generator.parse import Migration


def fresh() -> Catalog:
    cat = Catalog()
    for s in ("pg_catalog", "public", "auth", "extensions", "app"):
        cat.schemas[s] = Schema(s)
    cat.types[("public", "mood")] = Type("public", "mood", "enum", "CREATE TYPE public.mood AS ENUM ('a')")
    return cat


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def sql_of(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


# -- identity signatures ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "identity"),
    [
        ("a int, b int4, c int8, d smallint", "integer, integer, bigint, smallint"),
        ("a varchar(10), b character varying, c char(3), d text", "character varying, character varying, character, text"),
        ("a timestamptz, b timestamp, c time, d timetz", "timestamp with time zone, timestamp without time zone, "
         "time without time zone, time with time zone"),
        ("a float8, b double precision, c real, d numeric(10,2), e decimal", "double precision, double precision, real, numeric, numeric"),
        ("a bool, b boolean, c jsonb, d uuid", "boolean, boolean, jsonb, uuid"),
        ("a int[], b text[][], c varchar(3)[]", "integer[], text[], character varying[]"),
        ("a mood, b public.mood[], c app.thing", "public.mood, public.mood[], app.thing"),
        ("a bigint, out b text, inout c text, variadic d int[]", "bigint, text, integer[]"),
        ('"x" "char", y bit varying(3)', '"char", bit varying'),
        ("", ""),
    ],
)
def test_identity_args(args: str, identity: str) -> None:
    cat = fresh()
    rb = run(cat, f"create function public.f({args}) returns void language sql as $$ select $$;")
    assert list(cat.functions) == [("public", "f", identity)]
    assert sql_of(rb) == [f"DROP FUNCTION public.f({identity});"]


def test_returns_table_and_pct_type() -> None:
    cat = fresh()
    cat.tables[("public", "t")] = Table("public", "t", {"c": Column("c", "character varying(20)")})
    run(cat, "create function g(x public.t.c%type) returns table(a int, b text) language sql as $$ select 1, 'x' $$;")
    f = cat.functions[("public", "g", "character varying")]
    assert f.returns == "TABLE(a integer, b text)"
    assert f.definition.startswith("CREATE OR REPLACE FUNCTION public.g(x public.t.c%TYPE) RETURNS TABLE (a integer, b text)")


def test_new_function_definition_grants_and_drop() -> None:
    cat = fresh()
    rb = run(
        cat,
        """create function store(p_id bigint, p_text text default 'x') returns setof public.mood
        language plpgsql security definer set search_path = public, pg_temp stable
        as $fn$ begin return query select 'a'::mood; end; $fn$;""",
    )
    [step] = rb.steps
    assert step.group == "Drop Functions"
    assert step.sql == ["DROP FUNCTION public.store(bigint, text);"]
    assert not step.data_loss
    f = cat.functions[("public", "store", "bigint, text")]
    assert f.definition == (
        "CREATE OR REPLACE FUNCTION public.store(p_id bigint, p_text text = 'x') RETURNS SETOF public.mood "
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path TO 'public', 'pg_temp' STABLE "
        "AS $$ begin return query select 'a'::mood; end; $$"
    )
    assert f.returns == "SETOF public.mood"
    assert f.owner == "postgres"
    assert cat.grants[("function", "public.store(bigint, text)")] == {"public": {"EXECUTE"}}


def test_unqualified_function_goes_to_creation_schema() -> None:
    cat = fresh()
    run(cat, "set search_path = app; create function f() returns int language sql as 'select 1';")
    f = cat.functions[("app", "f", "")]
    assert f.search_path == ("app",)
    assert f.definition.startswith("CREATE OR REPLACE FUNCTION app.f()")


def test_procedure() -> None:
    cat = fresh()
    rb = run(cat, "create procedure p(inout a int, out b int) language plpgsql as $$ begin b := a; end $$;")
    assert sql_of(rb) == ["DROP PROCEDURE public.p(integer);"]
    assert cat.functions[("public", "p", "integer")].kind == "procedure"
    assert ("procedure", "public.p(integer)") in cat.grants


# -- OR REPLACE ---------------------------------------------------------------------------

BODY1 = "create function f(a int) returns int language sql as $$ select a $$;"
BODY2 = ("create or replace function f(a int) returns int language sql security definer "
         "set search_path = '' as $$ select a + 1 $$;")


def test_or_replace_restores_previous_definition() -> None:
    cat = fresh()
    run(cat, BODY1, "1")
    run(cat, BODY2, "2")
    rb = run(cat, "create or replace function public.f(a integer) returns int language sql as $$ select a + 2 $$;", "3")
    [step] = rb.steps
    assert step.group == "Restore Functions"
    assert step.sql == [
        "CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql SECURITY DEFINER "
        "SET search_path TO '' AS $$ select a + 1 $$;"
    ]
    assert step.search_path == ("$user", "public", "extensions")
    assert "a + 2" in cat.functions[("public", "f", "integer")].definition


def test_or_replace_with_other_types_is_a_new_overload() -> None:
    cat = fresh()
    run(cat, BODY1, "1")
    rb = run(cat, "create or replace function f(a bigint) returns int language sql as $$ select 1 $$;", "2")
    assert sql_of(rb) == ["DROP FUNCTION public.f(bigint);"]
    assert len(cat.functions) == 2


def test_return_type_change_drops_and_recreates_with_grants_and_comment() -> None:
    cat = fresh()
    run(cat, BODY1 + "revoke execute on function f(int) from public; comment on function f(int) is 'doc';", "1")
    rb = run(cat, "drop function f(int); create function f(a int) returns text language sql as $$ select 'x' $$;", "2")
    # the rollback of the CREATE (run first) drops the new function; the DROP's recreates the old one
    assert sql_of(rb)[0] == "DROP FUNCTION public.f(integer);"
    assert "CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer" in sql_of(rb)[1]
    cat2 = fresh()
    run(cat2, BODY1, "1")
    rb2 = run(cat2, "create or replace function f(a int) returns text language sql as $$ select 'x' $$;", "2")
    [step] = rb2.steps
    assert "drop and recreate: the return type differs" in step.title
    assert step.sql[0] == "DROP FUNCTION public.f(integer);"
    assert step.sql[1].startswith("CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer")


@pytest.mark.parametrize(
    ("before", "after", "why"),
    [
        ("f(a int, out b int, out c int) returns record", "f(a int, out b int, out d int) returns record", "OUT parameters"),
        ("f(x int)", "f(y int)", None),  # PostgreSQL itself refuses the forward statement
        ("f(a int)", "f(a int default 1)", "parameter defaults would be removed"),
        ("f(int)", "f(a int)", "an input parameter name differs"),
        ("f(a int) returns setof int", "f(a int) returns int", "the return type differs"),
    ],
)
def test_replace_refusals(before: str, after: str, why: str | None) -> None:
    cat = fresh()
    ret = "" if "returns" in before else " returns int"
    ret2 = "" if "returns" in after else " returns int"
    run(cat, f"create function {before}{ret} language sql as $$ select 1 $$;", "1")
    rb = run(cat, f"create or replace function {after}{ret2} language sql as $$ select 1 $$;", "2")
    [step] = rb.steps
    if why is None:
        assert step.sql[0].startswith("DROP FUNCTION") or step.sql[0].startswith("CREATE OR REPLACE")
    else:
        assert why in step.title
        assert step.sql[0] == "DROP FUNCTION public.f(integer);"


def test_adding_a_name_to_an_unnamed_parameter_is_replaceable() -> None:
    cat = fresh()
    run(cat, "create function f(int) returns int language sql as $$ select 1 $$;", "1")
    rb = run(cat, "create or replace function f(a int default 2) returns int language sql as $$ select 1 $$;", "2")
    # reverting would remove the name and the default: refused, so drop and recreate
    assert rb.steps[0].sql[0] == "DROP FUNCTION public.f(integer);"
    cat2 = fresh()
    run(cat2, "create function f(a int default 2) returns int language sql as $$ select 1 $$;", "1")
    rb2 = run(cat2, "create or replace function f(a int default 3) returns int language sql as $$ select 2 $$;", "2")
    assert rb2.steps[0].sql[0].startswith("CREATE OR REPLACE FUNCTION public.f(a integer = 2)")


def test_tainted_function_replacement_is_manual() -> None:
    cat = fresh()
    run(cat, BODY1, "1")
    cat.tainted[("function", "public.f(integer)")] = "x.sql:1"
    rb = run(cat, BODY2, "2")
    assert rb.steps[0].manual
    assert "security definer" in cat.functions[("public", "f", "integer")].definition.lower()


def test_create_without_replace_of_known_function_is_manual() -> None:
    cat = fresh()
    run(cat, BODY1, "1")
    rb = run(cat, BODY1, "2")
    assert rb.steps[0].manual and "already exists" in rb.steps[0].manual


# -- DROP ---------------------------------------------------------------------------------


def test_drop_function_recreates_with_grants_and_comment() -> None:
    cat = fresh()
    run(cat, BODY1 + "revoke execute on function f(int) from public; grant execute on function f(int) to authenticated;", "1")
    cat.comments[("function", "public.f(integer)")] = "it's doc"
    rb = run(cat, "drop function public.f(int4);", "2")
    [step] = rb.steps
    assert step.group == "Recreate Functions"
    assert step.sql[0] == "CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql AS $$ select a $$;"
    assert "REVOKE EXECUTE ON FUNCTION public.f(integer) FROM PUBLIC;" in step.sql
    assert "GRANT EXECUTE ON FUNCTION public.f(integer) TO authenticated;" in step.sql
    assert step.sql[-1] == "COMMENT ON FUNCTION public.f(integer) IS 'it''s doc';"
    assert cat.functions == {}
    assert ("function", "public.f(integer)") not in cat.grants
    assert ("function", "public.f(integer)") not in cat.comments


def test_drop_without_args_and_if_exists() -> None:
    cat = fresh()
    run(cat, BODY1, "1")
    rb = run(cat, "drop function if exists f; drop function if exists nothing_here(int);", "2")
    assert [s.title for s in rb.steps] == ["Recreate function public.f(integer)"]


def test_drop_unknown_function_is_manual() -> None:
    cat = fresh()
    rb = run(cat, "drop function public.f(bigint);")
    [step] = rb.steps
    assert step.manual == "the definition of public.f(bigint) before this migration is not in the migration history"


def test_drop_ambiguous_name_is_manual() -> None:
    cat = fresh()
    run(cat, BODY1 + "create function f(a text) returns int language sql as $$ select 1 $$;", "1")
    rb = run(cat, "drop function f;", "2")
    assert rb.steps[0].manual and "not unique" in rb.steps[0].manual


def test_drop_procedure_by_all_arguments_and_drop_routine() -> None:
    cat = fresh()
    run(cat, "create procedure p(inout a int, out b int) language plpgsql as $$ begin b := a; end $$;"
        "create function q() returns int language sql as 'select 1';", "1")
    rb = run(cat, "drop procedure p(int, int); drop routine q;", "2")
    assert [s.sql[0].split("(")[0] for s in rb.steps] == [
        "CREATE OR REPLACE FUNCTION public.q", "CREATE OR REPLACE PROCEDURE public.p"]
    assert cat.functions == {}


def test_drop_cascade_recreates_triggers_and_defaults() -> None:
    cat = fresh()
    cat.tables[("public", "t")] = Table("public", "t", {"a": Column("a", "integer", default="public.tf2()")})
    run(cat, "create function tf() returns trigger language plpgsql as $$ begin return new; end $$;"
        "create trigger tr before insert on t for each row execute function tf();"
        "alter table t disable trigger tr;"
        "create function tf2() returns int language sql as 'select 1';", "1")
    cat.triggers[("public", "t", "tr")].enabled = "D"  # until the ALTER TABLE dispatcher lands
    rb = run(cat, "drop function tf() cascade; drop function tf2 cascade;", "2")
    titles = [s.title for s in rb.steps]
    assert titles[0] == "Recreate function public.tf2()"
    assert rb.steps[1].sql == ["ALTER TABLE public.t ALTER COLUMN a SET DEFAULT public.tf2();"]
    assert cat.tables[("public", "t")].columns["a"].default is None
    assert titles[2:] == ["Recreate function public.tf()", "Recreate trigger tr on public.t"]
    assert rb.steps[3].sql == [
        "CREATE TRIGGER tr BEFORE INSERT ON public.t FOR EACH ROW EXECUTE PROCEDURE public.tf();",
        "ALTER TABLE public.t DISABLE TRIGGER tr;",
    ]
    assert cat.triggers == {}
    assert cat.tainted == {}


# -- ALTER --------------------------------------------------------------------------------


def test_rename_function_and_its_trigger_follows() -> None:
    cat = fresh()
    run(cat, "create function tf() returns trigger language plpgsql as $$ begin return new; end $$;"
        "create trigger tr before insert on auth.users for each row execute procedure tf();", "1")
    cat.comments[("function", "public.tf()")] = "c"
    rb = run(cat, 'alter function tf() rename to "New TF";', "2")
    assert sql_of(rb) == ['ALTER FUNCTION public."New TF"() RENAME TO tf;']
    assert list(cat.functions) == [("public", "New TF", "")]
    assert cat.functions[("public", "New TF", "")].definition.startswith('CREATE OR REPLACE FUNCTION public."New TF"()')
    assert cat.comments == {("function", 'public."New TF"()'): "c"}
    assert 'EXECUTE PROCEDURE public."New TF"()' in cat.triggers[("auth", "users", "tr")].definition


def test_set_schema_and_owner() -> None:
    cat = fresh()
    run(cat, BODY1, "1")
    rb = run(cat, "alter function f(int) set schema app; alter function app.f(int) owner to service_role;", "2")
    assert sql_of(rb) == [
        "ALTER FUNCTION app.f(integer) OWNER TO postgres;",
        "ALTER FUNCTION app.f(integer) SET SCHEMA public;",
    ]
    assert cat.functions[("app", "f", "integer")].owner == "service_role"


def test_alter_function_options_restore_stored_definition() -> None:
    cat = fresh()
    run(cat, "create function f(a int) returns int language sql set work_mem = '1MB' as $$ select a $$;", "1")
    rb = run(cat, "alter function f(int) security definer set search_path = public, pg_temp reset work_mem stable;", "2")
    [step] = rb.steps
    assert step.sql == ["CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql "
                        "SET work_mem TO '1MB' AS $$ select a $$;"]
    assert cat.functions[("public", "f", "integer")].definition == (
        "CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql AS $$ select a $$ "
        "SECURITY DEFINER SET search_path TO 'public', 'pg_temp' STABLE"
    )
    rb = run(cat, "alter function f(int) reset all security invoker;", "3")
    assert "SECURITY DEFINER" in rb.steps[0].sql[0]
    assert cat.functions[("public", "f", "integer")].definition == (
        "CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql AS $$ select a $$ "
        "STABLE SECURITY INVOKER"
    )


def test_alter_unknown_function_is_manual() -> None:
    cat = fresh()
    rb = run(cat, "alter function f(int) security definer;")
    assert rb.steps[0].manual == "public.f(integer) is not in the migration history"


def test_owner_change_folds_the_new_owners_grants() -> None:
    cat = fresh()
    run(cat, BODY1, "1")
    cat.set_privileges(("function", "public.f(integer)"), "service_role", {"EXECUTE"})
    rb = run(cat, "alter function f(int) owner to service_role;", "2")
    assert sql_of(rb) == [
        "ALTER FUNCTION public.f(integer) OWNER TO postgres;",
        "GRANT EXECUTE ON FUNCTION public.f(integer) TO service_role;",
    ]
    assert "service_role" not in cat.grants[("function", "public.f(integer)")]
    assert run(cat, "alter function f(int) owner to service_role;", "3").steps == []


def test_drop_cascade_of_a_function_used_by_a_generated_column_is_manual() -> None:
    cat = fresh()
    run(cat, "create function g(x int) returns int language sql immutable as 'select x';"
        "create table public.t (a int, b int generated always as (public.g(a)) stored);", "1")
    rb = run(cat, "drop function g(int) cascade;", "2")
    assert rb.steps[1].manual and "generated column public.t.b" in rb.steps[1].manual
