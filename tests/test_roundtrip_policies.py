"""Round trips of policy migrations on a real PostgreSQL server."""

from __future__ import annotations

from generator.steps import Hazard

TABLE = "create table public.notes (id bigint primary key, user_id uuid, body text);"


def _authz(rb) -> list[str]:
    return [h.reason for s in rb.steps for h in s.hazards if h.code is Hazard.AUTHZ]


def test_create_policy(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE + " alter table public.notes enable row level security;"],
        migration="create policy \"Users read own notes\" on public.notes for select to authenticated "
        "using (auth.uid() = user_id);",
    )
    assert 'DROP POLICY "Users read own notes" ON public.notes;' in sql
    assert _authz(rb) and _authz(rb)[0].startswith("narrows")


def test_create_restrictive_policy_with_check_defaults(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE],
        migration="create policy guard on notes as restrictive with check (body <> '');"
        " create policy everyone on notes using (true);",
    )
    assert "DROP POLICY guard ON public.notes;" in sql
    assert any(r.startswith("widens") for r in _authz(rb))


def test_alter_policy_roles_and_using(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "create policy p on public.notes for update to authenticated using (auth.uid() = user_id);"],
        migration="alter policy p on public.notes to anon, authenticated using (true) with check (body is not null);",
    )
    # WITH CHECK did not exist before: ALTER cannot remove it, so drop and recreate
    assert "DROP POLICY p ON public.notes;" in sql
    assert "CREATE POLICY p ON public.notes AS PERMISSIVE FOR UPDATE TO authenticated" in sql


def test_alter_policy_roles_only(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "create policy p on public.notes for select to authenticated using (auth.uid() = user_id);"],
        migration="alter policy p on public.notes to anon, authenticated;",
    )
    assert "ALTER POLICY p ON public.notes TO authenticated;" in sql
    assert _authz(rb)[0].startswith("narrows")


def test_alter_policy_using_only(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "create policy p on public.notes using (auth.uid() = user_id) with check (true);"],
        migration="alter policy p on public.notes using (true) with check (body <> '');",
    )
    assert "ALTER POLICY p ON public.notes USING (auth.uid() = user_id) WITH CHECK (TRUE);" in sql
    assert _authz(rb)[0].startswith("changes")


def test_rename_policy(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "create policy p on public.notes using (true);", "comment on policy p on public.notes is 'c';"],
        migration='alter policy p on public.notes rename to "New name";',
    )
    assert 'ALTER POLICY "New name" ON public.notes RENAME TO p;' in sql


def test_drop_policy_recreates_it(roundtrip):
    rb, sql = roundtrip(
        history=[
            TABLE,
            "create policy \"Owner writes\" on public.notes as restrictive for insert to authenticated, anon "
            "with check (auth.uid() = user_id and body is not null);",
            "comment on policy \"Owner writes\" on public.notes is 'only owners';",
        ],
        migration='drop policy "Owner writes" on public.notes;',
    )
    assert "CREATE POLICY \"Owner writes\" ON public.notes AS RESTRICTIVE FOR INSERT TO authenticated, anon" in sql
    assert "COMMENT ON POLICY \"Owner writes\" ON public.notes IS 'only owners';" in sql
    assert _authz(rb)[0].startswith("narrows")


def test_drop_if_exists_then_create_restores_previous(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "create policy p on public.notes for select to anon using (true);"],
        migration="drop policy if exists p on public.notes;"
        " create policy p on public.notes for select to authenticated using (auth.uid() = user_id);",
    )
    assert sql.index("DROP POLICY p ON public.notes;") < sql.index("CREATE POLICY p ON public.notes")
    assert "FOR SELECT TO anon USING (TRUE)" in sql


def test_drop_if_exists_of_missing_policy_is_nothing(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE],
        migration="drop policy if exists p on public.notes; create policy p on public.notes using (true);",
    )
    assert "CREATE POLICY" not in sql.split("$preflight$;")[-1]  # (the pre-flight probe recreates it)
    assert "DROP POLICY p ON public.notes;" in sql


def test_storage_objects_policies(roundtrip):
    rb, sql = roundtrip(
        history=[
            "create policy \"Avatar read\" on storage.objects for select to public using (bucket_id = 'avatars');",
        ],
        migration="""
create policy "Users upload own avatars" on storage.objects for insert to authenticated
  with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = auth.uid()::text);
create policy "Users update own avatars" on storage.objects for update to authenticated
  using (auth.uid()::text = (storage.foldername(name))[1]);
drop policy "Avatar read" on storage.objects;
""",
    )
    assert 'DROP POLICY "Users upload own avatars" ON storage.objects;' in sql
    assert "CREATE POLICY \"Avatar read\" ON storage.objects AS PERMISSIVE FOR SELECT TO public USING (bucket_id = 'avatars');" in sql


def test_alter_unknown_policy_is_manual(roundtrip):
    rb, sql = roundtrip(
        history=[TABLE, "do $$ begin execute 'create policy p ' || 'on public.notes using (true)'; end $$;"],  # opaque
        migration="alter policy p on public.notes to anon;",
        expect_manual=True,
    )
    assert rb.manual_steps


def test_policy_calling_a_bare_function_after_a_table_recreated_under_another_path(roundtrip):
    # The table was written under an empty search_path (as pg_dump writes), the policy
    # under the default one, calling its function by its bare name: the rollback recreates
    # the table first and must not leave its path in force for the policy.
    rb, sql = roundtrip(
        history=[
            "set local search_path = '';"
            " create table public.teams (id uuid primary key);"
            " create function public.is_member(uuid) returns boolean language sql as $$ select true $$;",
            TABLE + " create policy members on public.notes for select using (is_member(user_id));",
        ],
        migration="drop policy members on public.notes; drop table public.teams;",
    )
    assert "SET LOCAL search_path TO '';" in sql
    assert sql.index("SET LOCAL search_path TO '';") < sql.index('SET LOCAL search_path TO "$user", public, extensions;') \
        < sql.index("CREATE POLICY members")


STAFF = (
    "create table public.staff (id int primary key, mail text, admin boolean);"
    " create table public.docs (id int primary key, author text);"
)


def test_policies_recreated_after_a_column_rename_read_the_renamed_column(roundtrip):
    # The old column made room for a new one of the same name; the policies (one on another
    # table, through a subquery) still read the old column, now named old_mail.
    rb, sql = roundtrip(
        history=[
            STAFF + " create policy mine on public.staff using (mail = auth.email());"
            " create policy admins on public.docs using (exists (select 1 from staff where staff.mail = auth.email() and admin))"
            " with check (exists (select 1 from public.staff s where s.mail = author));",
            "alter table public.staff add column mail2 varchar;"
            " alter table public.staff rename column mail to old_mail; alter table public.staff rename column mail2 to mail;",
        ],
        migration="drop policy mine on public.staff; drop policy admins on public.docs;"
        " create policy admins on public.docs using (exists (select 1 from staff where staff.mail = auth.email()));"
        " alter table public.staff drop column old_mail;",
        allow_column_order=True,
    )
    assert "staff.old_mail = auth.email()" in sql


def test_policies_recreated_after_a_table_rename_read_the_renamed_table(roundtrip):
    # A new table took the old name: the recreated policies must not read it.
    rb, sql = roundtrip(
        history=[
            STAFF + " create policy own on public.staff using (staff.admin);"
            " create policy admins on public.docs using (exists (select 1 from staff where staff.mail = docs.author));",
            "alter table public.staff rename to old_staff; create table public.staff (id int, mail text, admin boolean);",
        ],
        migration="drop policy own on public.old_staff; drop policy admins on public.docs;",
    )
    assert "FROM old_staff WHERE old_staff.mail = docs.author" in sql


def test_policy_recreated_after_a_view_rename_reads_the_renamed_view(roundtrip):
    rb, sql = roundtrip(
        history=[
            STAFF + " create view public.admins as select mail from public.staff where admin;"
            " create policy p on public.docs using (exists (select 1 from admins a where a.mail = author));",
            "alter view public.admins rename to staff_admins;"
            " create view public.admins as select mail from public.staff;",
        ],
        migration="drop policy p on public.docs;",
    )
    assert "FROM staff_admins AS a" in sql


def test_policy_whose_names_cannot_be_bound_after_a_rename_is_a_manual_step(roundtrip):
    # "mail" could be a column of the function's rows: the rename's effect on it is unknown
    rb, sql = roundtrip(
        history=[
            STAFF + " create policy p on public.docs using"
            " (exists (select 1 from staff, generate_series(1, 2) g where mail = author));",
            "alter table public.staff rename column mail to email;",
        ],
        migration="drop policy p on public.docs;",
        expect_manual=True,
    )
    assert "cannot rewrite its recorded text with certainty" in rb.manual_steps[0].manual


_READS_OTHER = """create table public.tournaments (id bigint primary key, organization_id bigint);
create table public.entries (id bigint primary key, tournament_id bigint);
alter table public.entries enable row level security;
create policy staff_view on public.entries for select using (
  tournament_id in (select t.id from public.tournaments t where t.organization_id is not null));"""
_RENAME_DECIDED = """do $$ begin
  alter table public.tournaments rename column organization_id to community_id;
exception when undefined_column then null;
end $$;"""
# the same rename built at run time: the block cannot be decided statically
_RENAME_MAYBE = """do $$ begin
  execute format('alter table public.tournaments rename column %I to %I', 'organization_id', 'community_id');
exception when undefined_column then null;
end $$;"""


def test_a_policy_reading_a_table_a_do_block_may_have_changed_is_manual() -> None:
    # PostgreSQL rewrites the policy when the block renames the column; the recorded text
    # (t.organization_id) would no longer run
    from pathlib import Path

    from generator.engine import baseline_catalog, replay
    from generator.parse import Migration

    cat = baseline_catalog()
    for i, sql in enumerate((_READS_OTHER, _RENAME_MAYBE), 1):
        replay(Migration(str(i), f"m{i}", Path(f"{i}_m.sql"), sql), cat)
    rb = replay(Migration("3", "drop", Path("3_drop.sql"), "drop policy staff_view on public.entries;"), cat)
    [step] = rb.manual_steps
    assert "reads public.tournaments" in step.manual and "2_m.sql:1" in step.manual


def test_a_policy_reading_a_table_a_decided_block_renamed_is_restored_exactly(roundtrip):
    # the catalog holds the column: the block ran, the recorded text follows the rename
    rb, sql = roundtrip(history=[_READS_OTHER, _RENAME_DECIDED], migration="drop policy staff_view on public.entries;")
    assert not rb.manual_steps and "t.community_id IS NOT NULL" in sql


def test_a_policy_reading_another_trusted_table_is_restored_exactly(roundtrip):
    rb, sql = roundtrip(history=[_READS_OTHER, "alter table public.tournaments add column note text;"],
                        migration="drop policy staff_view on public.entries;")
    assert not rb.manual_steps and "CREATE POLICY staff_view" in sql
