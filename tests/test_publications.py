"""Unit tests of publication handling."""

from __future__ import annotations

from _acl_support import catalog, run, sqls

from generator.handlers import publications


def test_create_publication_and_membership_changes():
    cat = catalog("public.a(id,x)", "public.b")
    rb = run("create publication supabase_realtime;", cat)
    assert sqls(rb) == ["DROP PUBLICATION supabase_realtime;"]
    rb = run("alter publication supabase_realtime add table a (id, x) where (x > 1), public.b;", cat)
    assert sqls(rb) == ["ALTER PUBLICATION supabase_realtime DROP TABLE public.a, public.b;"]
    p = cat.publications["supabase_realtime"]
    assert p.tables == [("public", "a"), ("public", "b")]
    assert p.table_specs == {("public", "a"): "(id, x) WHERE (x > 1)"}
    assert run("alter publication supabase_realtime add table public.a;", cat).steps == []
    rb = run("alter publication supabase_realtime drop table a;", cat)
    assert sqls(rb) == ["ALTER PUBLICATION supabase_realtime ADD TABLE public.a (id, x) WHERE (x > 1);"]


def test_set_table_and_options():
    cat = catalog("public.a", "public.b")
    run("create publication p for table public.a with (publish = 'insert');", cat)
    rb = run("alter publication p set table public.b; alter publication p set (publish = 'delete');", cat)
    assert sqls(rb) == [
        "ALTER PUBLICATION p SET (publish = 'insert');",
        "ALTER PUBLICATION p SET TABLE public.a;",
    ]
    run("create publication q;", cat)
    rb = run("alter publication q set table public.a;", cat)
    assert sqls(rb) == ["ALTER PUBLICATION q DROP TABLE public.a;"]
    rb = run("alter publication q set (publish_via_partition_root = true);", cat)
    assert sqls(rb) == ["ALTER PUBLICATION q SET (publish_via_partition_root = 'false');"]


def test_drop_publication_recreates_it():
    cat = catalog("public.a")
    run("create publication p for table public.a with (publish = 'insert'); comment on publication p is 'c';", cat)
    rb = run("drop publication p; drop publication if exists nope;", cat)
    assert sqls(rb) == [
        "CREATE PUBLICATION p FOR TABLE public.a WITH (publish = 'insert');",
        "COMMENT ON PUBLICATION p IS 'c';",
    ]
    assert "p" not in cat.publications
    assert run("drop publication unknown;", cat).manual_steps


def test_tables_in_schema_is_not_modelled():
    cat = catalog()
    rb = run("create publication s for tables in schema public; drop publication s;", cat)
    assert sqls(rb)[-1] == "DROP PUBLICATION s;"
    assert rb.manual_steps


def test_rename_and_table_helpers():
    cat = catalog("public.a")
    run("create publication p for table public.a;", cat)
    assert sqls(run("alter publication p rename to q;", cat)) == ["ALTER PUBLICATION q RENAME TO p;"]
    assert publications.restore_membership_sql(cat, ("public", "a")) == ["ALTER PUBLICATION q ADD TABLE public.a;"]
    publications.rename_table(cat, ("public", "a"), ("public", "z"))
    assert cat.publications["q"].tables == [("public", "z")]
    publications.forget_table(cat, ("public", "z"))
    assert cat.publications["q"].tables == []
