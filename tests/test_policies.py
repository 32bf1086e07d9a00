"""Unit tests of the policy handlers (pure Python, hand-built catalog)."""

from __future__ import annotations

from _acl_support import catalog, run, sqls

from generator.catalog import Policy
from generator.steps import Hazard


def _authz(rb) -> list[str]:
    return [h.reason for s in rb.steps for h in s.hazards if h.code is Hazard.AUTHZ]


def test_create_policy_defaults_and_inverse():
    cat = catalog("public.t(id,user_id)")
    rb = run("create policy p on t using (user_id = auth.uid());", cat)
    assert sqls(rb) == ["DROP POLICY p ON public.t;"]
    assert rb.steps[0].group == "Drop Policies"
    pol = cat.policies[("public", "t", "p")]
    assert (pol.permissive, pol.command, pol.roles) == (True, "ALL", ["public"])
    assert pol.using == "user_id = auth.uid()" and pol.check is None
    assert _authz(rb)[0].startswith("narrows")


def test_create_restrictive_policy_on_storage_objects():
    cat = catalog("storage.objects(id,name,bucket_id)")
    rb = run(
        "create policy \"Own files\" on storage.objects as restrictive for insert to authenticated, current_user "
        "with check (bucket_id = 'a' and (storage.foldername(name))[1] = auth.uid()::text);",
        cat,
    )
    assert sqls(rb) == ['DROP POLICY "Own files" ON storage.objects;']
    pol = cat.policies[("storage", "objects", "Own files")]
    assert pol.roles == ["authenticated", "postgres"] and not pol.permissive and pol.command == "INSERT"
    assert pol.check == "bucket_id = 'a' AND ((storage.foldername(name)))[1] = CAST(auth.uid() AS text)"
    assert _authz(rb)[0].startswith("widens")


def test_drop_policy_recreates_exactly_with_comment():
    cat = catalog("public.t")
    cat.policies[("public", "t", "p x")] = Policy("public", "t", "p x", permissive=False, command="SELECT",
                                                  roles=["anon"], using="true")
    cat.comments[("policy", '"p x" ON public.t')] = "note"
    rb = run('drop policy "p x" on public.t;', cat)
    assert sqls(rb) == [
        'CREATE POLICY "p x" ON public.t AS RESTRICTIVE FOR SELECT TO anon USING (true);',
        "COMMENT ON POLICY \"p x\" ON public.t IS 'note';",
    ]
    assert rb.steps[0].group == "Recreate Policies"
    assert _authz(rb)[0].startswith("narrows")
    assert ("public", "t", "p x") not in cat.policies
    assert ("policy", '"p x" ON public.t') not in cat.comments


def test_drop_if_exists_of_missing_policy_on_known_table_is_nothing():
    cat = catalog("public.t")
    assert run("drop policy if exists nope on t;", cat).steps == []


def test_drop_unknown_policy_is_manual():
    cat = catalog()
    rb = run("drop policy p on public.unknown;", cat)
    assert rb.manual_steps and "not in the migration history" in rb.manual_steps[0].manual


def test_drop_then_create_in_one_migration_restores_previous():
    cat = catalog("public.t")
    cat.policies[("public", "t", "p")] = Policy("public", "t", "p", command="SELECT", roles=["anon"], using="true")
    rb = run("drop policy if exists p on t; create policy p on t for select to authenticated using (false);", cat)
    assert sqls(rb) == [
        "DROP POLICY p ON public.t;",
        "CREATE POLICY p ON public.t AS PERMISSIVE FOR SELECT TO anon USING (true);",
    ]


def test_alter_policy_restores_changed_clauses_only():
    cat = catalog("public.t")
    cat.policies[("public", "t", "p")] = Policy("public", "t", "p", roles=["authenticated"], using="a = 1", check="b = 2")
    rb = run("alter policy p on t to anon, authenticated using (true);", cat)
    assert sqls(rb) == ["ALTER POLICY p ON public.t TO authenticated USING (a = 1);"]
    assert _authz(rb)[0].startswith("changes")
    assert cat.policies[("public", "t", "p")].roles == ["anon", "authenticated"]


def test_alter_policy_roles_widening_forward_narrows_back():
    cat = catalog("public.t")
    cat.policies[("public", "t", "p")] = Policy("public", "t", "p", roles=["authenticated"], using="true")
    rb = run("alter policy p on t to public;", cat)
    assert sqls(rb) == ["ALTER POLICY p ON public.t TO authenticated;"]
    assert _authz(rb)[0].startswith("narrows")


def test_alter_policy_adding_a_clause_drops_and_recreates():
    cat = catalog("public.t")
    cat.policies[("public", "t", "p")] = Policy("public", "t", "p", using="true")
    rb = run("alter policy p on t with check (false);", cat)
    assert sqls(rb) == ["DROP POLICY p ON public.t;", "CREATE POLICY p ON public.t AS PERMISSIVE FOR ALL TO public USING (true);"]
    assert rb.steps[0].hazards[0].code is Hazard.AUTHZ


def test_rename_policy_moves_catalog_entry_and_comment():
    cat = catalog("public.t")
    cat.policies[("public", "t", "p")] = Policy("public", "t", "p")
    cat.comments[("policy", "p ON public.t")] = "c"
    rb = run('alter policy p on t rename to "Q";', cat)
    assert sqls(rb) == ['ALTER POLICY "Q" ON public.t RENAME TO p;']
    assert ("public", "t", "Q") in cat.policies and cat.policies[("public", "t", "Q")].name == "Q"
    assert cat.comments == {("policy", '"Q" ON public.t'): "c"}


def test_policy_on_tainted_table_is_manual():
    cat = catalog("public.t")
    cat.policies[("public", "t", "p")] = Policy("public", "t", "p")
    cat.tainted[("table", "public.t")] = "x.sql:1"
    rb = run("alter policy p on t to anon;", cat)
    assert rb.manual_steps
