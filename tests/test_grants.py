"""Unit tests of GRANT/REVOKE, role membership and default-privilege handling."""

from __future__ import annotations

from _acl_support import API, add_function, add_table, catalog, run, sqls

from generator.catalog import Catalog, DefaultPrivilege, Extension, Schema
from generator.refs import acl_diff_sql, grant_sql, restore_acl_sql
from generator.steps import Hazard

ALL_TABLE = {"INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}


def _authz(rb) -> list[str]:
    return [h.reason for s in rb.steps for h in s.hazards if h.code is Hazard.AUTHZ]


def test_new_public_table_gets_supabase_default_acl():
    cat = catalog("public.t")
    assert cat.grants[("table", "public.t")] == {r: ALL_TABLE for r in API}


def test_grant_already_held_inverts_to_nothing():
    cat = catalog("public.t")
    assert run("grant select on t to anon;", cat).steps == []


def test_grant_new_privilege_inverts_to_revoke():
    cat = catalog("public.t", supabase_defaults=False)
    rb = run("grant select, update on public.t to anon, authenticated;", cat)
    assert sqls(rb) == [
        "REVOKE SELECT, UPDATE ON TABLE public.t FROM anon;",
        "REVOKE SELECT, UPDATE ON TABLE public.t FROM authenticated;",
    ]
    assert rb.steps[0].group == "Revoke Grants"
    assert _authz(rb)[0].startswith("narrows")


def test_revoke_inverts_to_grant_of_what_was_held():
    cat = catalog("public.t")
    cat.set_privileges(("table", "public.t"), "authenticated", {"SELECT"})
    rb = run("revoke select, delete on public.t from anon, authenticated;", cat)
    assert sqls(rb) == [
        "GRANT SELECT, DELETE ON TABLE public.t TO anon;",
        "GRANT SELECT ON TABLE public.t TO authenticated;",
    ]
    assert _authz(rb)[0].startswith("widens")


def test_revoke_not_held_is_nothing():
    cat = catalog("public.t", supabase_defaults=False)
    assert run("revoke all on public.t from anon;", cat).steps == []


def test_grant_to_owner_changes_nothing_revoke_from_owner_is_manual():
    cat = catalog("public.t", supabase_defaults=False)
    assert run("grant all on public.t to postgres;", cat).steps == []
    assert run("revoke select on public.t from postgres;", cat).manual_steps


def test_table_revoke_revokes_column_privileges_too():
    cat = catalog("public.t(id,a)", supabase_defaults=False)
    cat.set_privileges(("column", "public.t.a"), "anon", {"SELECT", "UPDATE"})
    rb = run("revoke select on public.t from anon;", cat)
    assert sqls(rb) == ["GRANT SELECT (a) ON TABLE public.t TO anon;"]
    assert cat.privileges(("column", "public.t.a"), "anon") == {"UPDATE"}


def test_column_grants():
    cat = catalog("public.t(id,a)", supabase_defaults=False)
    rb = run("grant select (id, a), update (a) on public.t to anon;", cat)
    assert sorted(sqls(rb)) == [
        "REVOKE SELECT (a), UPDATE (a) ON TABLE public.t FROM anon;",  # not "SELECT, UPDATE (a)": table-wide SELECT
        "REVOKE SELECT (id) ON TABLE public.t FROM anon;",
    ]


def test_grant_option_tracking():
    cat = catalog("public.t", supabase_defaults=False)
    cat.set_privileges(("table", "public.t"), "anon", {"SELECT"})
    rb = run("grant select, insert on public.t to anon with grant option;", cat)
    assert sqls(rb) == [
        "REVOKE INSERT ON TABLE public.t FROM anon;",
        "REVOKE GRANT OPTION FOR SELECT ON TABLE public.t FROM anon;",
    ]
    rb = run("revoke grant option for insert on public.t from anon;", cat)
    assert sqls(rb) == ["GRANT INSERT ON TABLE public.t TO anon WITH GRANT OPTION;"]
    assert cat.privileges(("table", "public.t"), "anon") == {"SELECT", "INSERT"}
    rb = run("revoke select on public.t from anon;", cat)
    assert sqls(rb) == ["GRANT SELECT ON TABLE public.t TO anon WITH GRANT OPTION;"]


def test_function_grants_resolve_signature():
    cat = catalog()
    add_function(cat, "public", "f", "integer, text")
    assert cat.privileges(("function", "public.f(integer, text)"), "public") == {"EXECUTE"}
    rb = run("revoke execute on function f(int4, text) from public; grant all on function public.f to supabase_admin;", cat)
    assert sqls(rb) == [
        "REVOKE EXECUTE ON FUNCTION public.f(integer, text) FROM supabase_admin;",
        "GRANT EXECUTE ON FUNCTION public.f(integer, text) TO PUBLIC;",
    ]


def test_procedure_grant_uses_procedure_kind():
    cat = catalog(supabase_defaults=False)
    add_function(cat, "public", "p", "text", kind="procedure")
    rb = run("revoke all on procedure public.p(text) from public;", cat)
    assert sqls(rb) == ["GRANT EXECUTE ON PROCEDURE public.p(text) TO PUBLIC;"]


def test_all_tables_in_schema_expands_over_catalog():
    cat = catalog("public.a", "public.b", "storage.x", supabase_defaults=False)
    rb = run("grant select on all tables in schema public to anon;", cat)
    assert sqls(rb) == ["REVOKE SELECT ON TABLE public.a FROM anon;", "REVOKE SELECT ON TABLE public.b FROM anon;"]


def test_schema_and_type_grants():
    cat = catalog()
    rb = run("revoke usage on schema public from public; grant create on schema public to anon;", cat)
    assert sqls(rb) == ["REVOKE CREATE ON SCHEMA public FROM anon;", "GRANT USAGE ON SCHEMA public TO PUBLIC;"]


def test_unknown_object_is_manual():
    rb = run("grant select on public.nope to anon;", catalog())
    assert rb.manual_steps and "not in the migration history" in rb.manual_steps[0].manual


def test_grant_role_membership():
    cat = catalog()
    rb = run("grant authenticated to app_user;", cat)
    assert sqls(rb) == ["REVOKE authenticated FROM app_user;"]
    assert ("authenticated", "app_user") in cat.role_members
    assert run("grant authenticated to app_user;", cat).steps == []
    rb = run("revoke authenticated from app_user;", cat)
    assert sqls(rb) == ["GRANT authenticated TO app_user;"]
    assert run("grant anon to authenticated;", cat).manual_steps


def test_default_privileges_schema_entry_inverts_exactly():
    cat = catalog()
    rb = run("alter default privileges in schema public revoke insert, delete on tables from anon;", cat)
    assert sqls(rb) == [
        "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT INSERT, DELETE ON TABLES TO anon;"
    ]
    add_table(cat, "public.t")
    assert cat.privileges(("table", "public.t"), "anon") == ALL_TABLE - {"INSERT", "DELETE"}


def test_global_default_privileges_replace_builtin_public_execute():
    cat = catalog(supabase_defaults=False)
    rb = run("alter default privileges revoke execute on functions from public;", cat)
    assert sqls(rb) == ["ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT EXECUTE ON FUNCTIONS TO PUBLIC;"]
    f = add_function(cat, "public", "f")
    assert cat.grants.get(("function", f.signature)) is None
    rb = run("alter default privileges grant execute on functions to public;", cat)
    assert sqls(rb) == ["ALTER DEFAULT PRIVILEGES FOR ROLE postgres REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;"]
    assert cat.default_privileges == []  # back to the built-in default: no pg_default_acl row


def test_default_privileges_noop_grant():
    cat = catalog()
    assert run("alter default privileges in schema public grant select on tables to anon;", cat).steps == []


def test_types_get_public_usage_and_views_table_defaults():
    cat = catalog()
    cat.apply_default_privileges("type", "public", ("type", "public.m"))
    cat.apply_default_privileges("view", "public", ("view", "public.v"))
    assert cat.grants[("type", "public.m")] == {"public": {"USAGE"}}
    assert cat.grants[("view", "public.v")]["anon"] == ALL_TABLE


def test_refs_sql_helpers():
    assert grant_sql("view", "public.v", "anon", {"SELECT"}) == "GRANT SELECT ON TABLE public.v TO anon;"
    assert grant_sql("column", 'public.t."a.b"', "public", {"UPDATE"}, revoke=True) == (
        'REVOKE UPDATE ("a.b") ON TABLE public.t FROM PUBLIC;'
    )
    assert acl_diff_sql("schema", "s", {"a": {"USAGE"}}, {"a": {"USAGE"}}, {"a": {"USAGE"}}, {}) == [
        "REVOKE GRANT OPTION FOR USAGE ON SCHEMA s FROM a;"
    ]
    cat = Catalog(default_privileges=[DefaultPrivilege("postgres", "public", "function", "anon", frozenset({"EXECUTE"}))])
    assert restore_acl_sql(cat, "function", "public", ("function", "public.f()"), {"anon": {"EXECUTE"}}) == [
        "REVOKE EXECUTE ON FUNCTION public.f() FROM PUBLIC;"
    ]


def test_dropped_schema_comes_back_with_its_default_privileges_for_each_owner():
    """PostgreSQL drops pg_default_acl rows IN SCHEMA s with s: the recreation restores them."""
    cat = catalog()
    cat.schemas["ledger"] = Schema("ledger")
    cat.default_privileges += [
        DefaultPrivilege("postgres", "ledger", "table", "service_role", frozenset({"SELECT", "INSERT"})),
        DefaultPrivilege("supabase_admin", "ledger", "sequence", "anon", frozenset({"USAGE"})),
        DefaultPrivilege("postgres", "public", "table", "anon", frozenset({"SELECT"})),  # another schema's
    ]
    rb = run("drop schema ledger;", cat)
    assert sqls(rb) == [
        "CREATE SCHEMA ledger;",
        "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA ledger GRANT INSERT, SELECT ON TABLES TO service_role;",
        "ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA ledger GRANT USAGE ON SEQUENCES TO anon;",
    ]
    assert not [d for d in cat.default_privileges if d.schema == "ledger"]


def test_schema_dropped_by_hand_step_suggests_its_default_privileges_too():
    cat = catalog()
    cat.schemas["ledger"] = Schema("ledger")
    cat.extensions["citext"] = Extension("citext", schema="ledger")
    cat.default_privileges.append(DefaultPrivilege("postgres", "ledger", "table", "anon", frozenset({"SELECT"})))
    rb = run("drop schema ledger cascade;", cat)
    assert rb.steps[0].manual
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA ledger GRANT SELECT ON TABLES TO anon;" in sqls(rb)
