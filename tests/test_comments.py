"""Unit tests of COMMENT ON handling."""

from __future__ import annotations

from _acl_support import add_function, catalog, run, sqls

from generator.catalog import Extension, Policy


def test_comment_restores_previous_or_null():
    cat = catalog("public.t(id,a)")
    rb = run("comment on table t is 'new'; comment on column public.t.a is 'col';", cat)
    assert sqls(rb) == ["COMMENT ON COLUMN public.t.a IS NULL;", "COMMENT ON TABLE public.t IS NULL;"]
    assert rb.steps[0].group == "Restore Comments"
    rb = run("comment on table t is 'it''s newer'; comment on column public.t.a is null;", cat)
    assert sqls(rb) == ["COMMENT ON COLUMN public.t.a IS 'col';", "COMMENT ON TABLE public.t IS 'new';"]
    assert cat.comments == {("table", "public.t"): "it's newer"}


def test_same_comment_and_empty_string():
    cat = catalog("public.t")
    cat.comments[("table", "public.t")] = "x"
    assert run("comment on table t is 'x';", cat).steps == []
    assert sqls(run("comment on table t is '';", cat)) == ["COMMENT ON TABLE public.t IS 'x';"]
    assert ("table", "public.t") not in cat.comments


def test_function_policy_type_schema_comments():
    cat = catalog("public.t")
    add_function(cat, "public", "f", "bigint")
    cat.policies[("public", "t", "P")] = Policy("public", "t", "P")
    run("create type public.mood as enum ('a');", cat)
    rb = run(
        "comment on function f(int8) is 'f'; comment on policy \"P\" on t is 'p';"
        " comment on domain public.mood is 'm'; comment on schema storage is 's';",
        cat,
    )
    assert sqls(rb) == [
        "COMMENT ON SCHEMA storage IS NULL;",
        "COMMENT ON TYPE public.mood IS NULL;",
        'COMMENT ON POLICY "P" ON public.t IS NULL;',
        "COMMENT ON FUNCTION public.f(bigint) IS NULL;",
    ]


def test_public_schema_has_postgresql_builtin_comment():
    cat = catalog()
    assert sqls(run("comment on schema public is null;", cat)) == [
        "COMMENT ON SCHEMA public IS 'standard public schema';"
    ]
    assert sqls(run("comment on schema public is 'x';", cat)) == ["COMMENT ON SCHEMA public IS NULL;"]


def test_unknown_objects_and_extensions_are_manual():
    cat = catalog()
    cat.extensions["pgcrypto"] = Extension("pgcrypto", "extensions")
    assert run("comment on table public.nope is 'x';", cat).manual_steps
    assert run("comment on extension pgcrypto is 'x';", cat).manual_steps
    cat.comments[("extension", "pgcrypto")] = "cryptographic functions"
    assert sqls(run("comment on extension pgcrypto is 'x';", cat)) == [
        "COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';"
    ]


def test_kind_mismatch_is_manual():
    cat = catalog("public.t")
    assert run("comment on view public.t is 'x';", cat).manual_steps
