"""Unit tests of generator/handlers/views.py: generated SQL and catalog effects."""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog, Column, DefaultPrivilege, Policy, Schema, Table, Trigger
from generator.engine import Rollback, replay
from generator.parse import Migration
from generator.steps import Hazard

API = ("anon", "authenticated", "service_role")


def fresh() -> Catalog:
    cat = Catalog()
    for s in ("pg_catalog", "public", "extensions", "app"):
        cat.schemas[s] = Schema(s)
    cat.tables[("public", "t")] = Table("public", "t", {c: Column(c, "text") for c in ("id", "a", "b")})
    for role in API:
        cat.default_privileges.append(
            DefaultPrivilege("postgres", "public", "table", role,
                             frozenset({"INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}))
        )
    return cat


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def sql_of(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


# -- CREATE VIEW ---------------------------------------------------------------------------------


def test_create_view_drops_it_and_records_definition() -> None:
    cat = fresh()
    rb = run(cat, "set search_path = public, extensions;\n"
                  "create view v with (security_invoker = true) as select id, a from t;")
    assert sql_of(rb) == ["DROP VIEW public.v;"]
    view = cat.views[("public", "v")]
    assert view.definition == "CREATE VIEW public.v WITH (security_invoker = true) AS SELECT id, a FROM t"
    assert view.search_path == ("public", "extensions")
    assert cat.grants[("view", "public.v")]["anon"] >= {"SELECT"}  # TABLES default privileges
    assert not rb.steps[0].hazards


def test_create_view_in_other_schema_gets_no_public_defaults() -> None:
    cat = fresh()
    run(cat, "create view app.v as select 1 as x;")
    assert ("view", "app.v") not in cat.grants


def test_temp_view_has_no_inverse() -> None:
    cat = fresh()
    assert run(cat, "create temp view tv as select 1;").steps == []
    assert not cat.views


def test_or_replace_same_columns_uses_or_replace() -> None:
    cat = fresh()
    run(cat, "create view public.v as select id, a from t where a is not null;")
    rb = run(cat, "create or replace view public.v with (security_invoker = on) as select id, b as a from t;")
    assert sql_of(rb) == ["CREATE OR REPLACE VIEW public.v AS SELECT id, a FROM t WHERE a IS NOT NULL;"]
    assert rb.steps[0].search_path is not None
    assert "b AS a" in cat.views[("public", "v")].definition


def test_or_replace_added_column_drops_and_recreates_with_grants_and_dependents() -> None:
    cat = fresh()
    run(cat, "create view public.v as select id, a from t;"
             " create view public.w as select id from public.v;")
    cat.grants[("view", "public.v")] = {"authenticated": {"SELECT"}}
    cat.comments[("view", "public.v")] = "the view"
    cat.comments[("column", "public.v.a")] = "col a"
    rb = run(cat, "create or replace view public.v as select id, a, b from t;")
    sql = sql_of(rb)
    assert sql[:2] == ["DROP VIEW public.w;", "DROP VIEW public.v;"]
    assert sql[2] == "CREATE VIEW public.v AS SELECT id, a FROM t;"
    assert "REVOKE INSERT, SELECT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.v FROM anon;" in sql
    assert "COMMENT ON VIEW public.v IS 'the view';" in sql
    assert "COMMENT ON COLUMN public.v.a IS 'col a';" in sql
    assert sql.index("CREATE VIEW public.w AS SELECT id FROM public.v;") > sql.index("CREATE VIEW public.v AS SELECT id, a FROM t;")


def test_or_replace_star_is_treated_as_unknown_columns() -> None:
    cat = fresh()
    run(cat, "create view public.v as select * from t;")
    rb = run(cat, "create or replace view public.v as select * from t where a = 'x';")
    assert sql_of(rb)[:2] == ["DROP VIEW public.v;", "CREATE VIEW public.v AS SELECT * FROM t;"]


def test_create_over_existing_table_is_manual() -> None:
    cat = fresh()
    rb = run(cat, "create or replace view public.t as select 1;")
    assert rb.manual_steps and "already exists" in rb.manual_steps[0].manual


# -- DROP VIEW ------------------------------------------------------------------------------------


def test_drop_view_recreates_with_owner_grants_comments_triggers() -> None:
    cat = fresh()
    run(cat, "create view public.v as select id, a from t;")
    v = cat.views[("public", "v")]
    v.owner = "supabase_admin"
    cat.grants[("view", "public.v")] = {"anon": {"SELECT"}}
    cat.comments[("view", "public.v")] = "it's a view"
    cat.triggers[("public", "v", "trg")] = Trigger(
        "public", "v", "trg", "CREATE TRIGGER trg INSTEAD OF INSERT ON public.v FOR EACH ROW EXECUTE FUNCTION public.f()"
    )
    rb = run(cat, "drop view public.v;")
    assert sql_of(rb) == [
        "CREATE VIEW public.v AS SELECT id, a FROM t;",
        "ALTER VIEW public.v OWNER TO supabase_admin;",
        "REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.v FROM anon;",
        "REVOKE INSERT, SELECT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.v FROM authenticated;",
        "REVOKE INSERT, SELECT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.v FROM service_role;",
        "COMMENT ON VIEW public.v IS 'it''s a view';",
        "CREATE TRIGGER trg INSTEAD OF INSERT ON public.v FOR EACH ROW EXECUTE FUNCTION public.f();",
    ]
    assert rb.steps[0].group == "Recreate Views"
    assert not cat.views and not cat.triggers and ("view", "public.v") not in cat.grants


def test_drop_cascade_recreates_dependents_in_order() -> None:
    cat = fresh()
    run(cat, "create view public.v as select id, a from t;"
             " create view app.w as with x as (select * from public.v) select id from x;"
             " create view public.z as select id from app.w;")
    rb = run(cat, "drop view v cascade;")
    creates = [s for s in sql_of(rb) if s.startswith("CREATE VIEW")]
    assert [c.split(" AS ")[0] for c in creates] == ["CREATE VIEW public.v", "CREATE VIEW app.w", "CREATE VIEW public.z"]
    assert not cat.views


def test_drop_with_dependents_without_cascade_is_manual() -> None:
    cat = fresh()
    run(cat, "create view public.v as select id from t; create view public.w as select id from v;")
    rb = run(cat, "drop view public.v;")
    assert rb.manual_steps and "CASCADE" in rb.manual_steps[0].manual
    assert ("public", "v") in cat.views


def test_drop_cascade_recreates_a_dependent_policy() -> None:
    cat = fresh()
    run(cat, "create view public.v as select id from t;")
    cat.policies[("public", "t", "p")] = Policy("public", "t", "p", using="id IN (SELECT id FROM public.v)")
    rb = run(cat, "drop view public.v cascade;")
    assert not rb.manual_steps
    assert [s.title for s in rb.steps] == ["Recreate view public.v", "Recreate policy p on public.t"]
    assert ("public", "t", "p") not in cat.policies


def test_drop_if_exists_missing_and_unknown() -> None:
    cat = fresh()
    assert run(cat, "drop view if exists nope;").steps == []
    rb = run(cat, "drop view nope;")
    assert rb.manual_steps


def test_drop_view_on_table_is_manual() -> None:
    cat = fresh()
    rb = run(cat, "drop view t;")
    assert rb.manual_steps and "is a table" in rb.manual_steps[0].manual


# -- RENAME / SET SCHEMA / ALTER VIEW -------------------------------------------------------------------


def test_rename_view_back_and_rewrite_dependents() -> None:
    cat = fresh()
    run(cat, "create view public.v as select id from t; create view public.w as select id from v;")
    cat.comments[("view", "public.v")] = "c"
    rb = run(cat, "alter view v rename to v2;")
    assert sql_of(rb) == ["ALTER VIEW public.v2 RENAME TO v;"]
    assert cat.views[("public", "w")].definition == "CREATE VIEW public.w AS SELECT id FROM public.v2"
    assert cat.views[("public", "v2")].definition.startswith("CREATE VIEW public.v2 AS")
    assert cat.comments[("view", "public.v2")] == "c"


def test_set_schema_back() -> None:
    cat = fresh()
    run(cat, "create view public.v as select id from t;")
    rb = run(cat, "alter view public.v set schema app;")
    assert sql_of(rb) == ["ALTER VIEW app.v SET SCHEMA public;"]
    assert ("app", "v") in cat.views


def test_alter_view_set_reset_options() -> None:
    cat = fresh()
    run(cat, "create view public.v with (security_barrier = true) as select id from t;")
    rb = run(cat, "alter view public.v set (security_invoker = on, security_barrier = false);")
    assert sql_of(rb) == [
        "ALTER VIEW public.v RESET (security_invoker);",
        "ALTER VIEW public.v SET (security_barrier = true);",
    ]
    assert cat.views[("public", "v")].definition == (
        "CREATE VIEW public.v WITH (security_barrier = false, security_invoker = on) AS SELECT id FROM t"
    )
    rb = run(cat, "alter view public.v reset (security_invoker);")
    assert sql_of(rb) == ["ALTER VIEW public.v SET (security_invoker = on);"]


def test_alter_view_owner() -> None:
    cat = fresh()
    run(cat, "create view public.v as select id from t;")
    rb = run(cat, "alter view public.v owner to supabase_admin;")
    assert sql_of(rb) == ["ALTER VIEW public.v OWNER TO postgres;"]
    assert cat.views[("public", "v")].owner == "supabase_admin"


# -- materialized views, CREATE TABLE AS, REFRESH -----------------------------------------------------------


def test_matview_create_drop_with_indexes() -> None:
    cat = fresh()
    rb = run(cat, "create materialized view public.mv as select id, a from t with no data;")
    assert sql_of(rb) == ["DROP MATERIALIZED VIEW public.mv;"]
    run(cat, "create unique index mv_id on public.mv (id); refresh materialized view public.mv;")
    assert "WITH NO DATA" not in cat.views[("public", "mv")].definition
    rb = run(cat, "drop materialized view public.mv;")
    sql = sql_of(rb)
    assert sql[0] == "CREATE MATERIALIZED VIEW public.mv AS SELECT id, a FROM t;"
    assert "CREATE UNIQUE INDEX mv_id ON public.mv (id);" in sql
    assert all(not s.hazards for s in rb.steps)
    assert not cat.indexes


def test_create_table_as_backs_up_and_taints() -> None:
    cat = fresh()
    rb = run(cat, "create table public.copy as select * from t;", version="20250102000000")
    step = rb.steps[0]
    assert step.sql == ["DROP TABLE public.copy;"]
    assert [h.code for h in step.hazards] == [Hazard.DELETES_DATA]
    assert step.backups[0].name == "20250102000000_copy"
    assert step.backups[0].query == "TABLE public.copy"
    assert ("table", "public.copy") in cat.tainted
    assert run(cat, "create table if not exists public.copy as select 1;").steps == []


# -- views over "*" ---------------------------------------------------------------------------------------


def test_star_view_recreated_when_columns_unchanged() -> None:
    cat = fresh()
    run(cat, "create view public.v as select * from t; create view public.w as select v.* from v;")
    assert cat.views[("public", "v")].star_sources == {("public", "t"): "table:id,a,b"}
    rb = run(cat, "drop view public.v cascade;")
    assert not rb.manual_steps
    assert sql_of(rb)[0] == "CREATE VIEW public.v AS SELECT * FROM t;"


def test_star_view_is_manual_once_its_table_changed() -> None:
    cat = fresh()
    run(cat, "create view public.v as select * from t;")
    cat.tables[("public", "t")].columns["c"] = Column("c", "int")  # as ADD COLUMN would
    rb = run(cat, "drop view public.v;")
    assert rb.manual_steps and "created with *" in rb.manual_steps[0].manual
    assert ("public", "v") in cat.views


def test_count_star_is_not_a_star_expansion() -> None:
    cat = fresh()
    run(cat, "create view public.v as select count(*) as n from t;")
    assert cat.views[("public", "v")].star_sources == {}
