"""Rebuilding an enum without an added value: every object PostgreSQL records as depending on
the retyped columns or on the type itself is dropped and recreated around the rebuild, and
what the catalog cannot know for certain makes the step manual (round trips on a real server).
"""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.engine import Rollback, baseline_catalog, replay
from generator.parse import Migration

ROLES = """
create type public.access_level as enum ('owner', 'member');
create table public.memberships (person uuid primary key, level public.access_level not null default 'member');
create table public.invoices (id bigint primary key, total numeric);
alter table public.invoices enable row level security;
"""

ADD = "alter type public.access_level add value 'guest';"


def _replay(*texts: str) -> Rollback:
    cat = baseline_catalog()
    rb = None
    for i, text in enumerate(texts):
        v = str(20250101000000 + i)
        rb = replay(Migration(v, "m", Path(f"{v}_m.sql"), text), cat)
    assert rb is not None
    return rb


def test_policy_of_another_table_reading_the_column_through_a_subquery(roundtrip):
    """PostgreSQL records the column a policy's subquery reads, even for a policy of another
    table: the retype fails ("cannot alter type of a column used in a policy definition")
    unless the policy is dropped first and recreated after."""
    rb, sql = roundtrip(
        history=[ROLES, """
create policy "owners read invoices" on public.invoices for select using (
  exists (select 1 from public.memberships m where m.person = auth.uid() and m.level = 'owner'));
create policy "anyone sums" on public.invoices for select using (total > 0);
"""],
        migration=ADD,
    )
    drop = sql.index('DROP POLICY "owners read invoices" ON public.invoices;')
    assert drop < sql.index("ALTER TABLE public.memberships ALTER COLUMN level")
    assert 'DROP POLICY "anyone sums"' not in sql


def test_create_table_in_pg_default_tablespace_is_known(roundtrip):
    """``TABLESPACE pg_default`` (what the Supabase dashboard writes) is the database's own
    tablespace: the table is modelled, so the rebuild converts its column before dropping
    the old type (the table used to be unknown, and DROP TYPE failed on its column)."""
    rb, sql = roundtrip(
        history=["create type public.channel as enum ('mail');\n"
                 "create table public.requests (id int primary key, channel public.channel not null default 'mail')"
                 " tablespace pg_default;"],
        migration="alter type public.channel add value 'sms';",
    )
    assert sql.index("ALTER TABLE public.requests ALTER COLUMN channel") < sql.index("DROP TYPE public.channel;")


def test_sql_body_function_view_default_and_checks_elsewhere(roundtrip):
    """A SQL-standard function body reading the column (it records the column), a view calling
    a function whose signature has the type, a CHECK of another table calling that function,
    another column whose default casts to the type and a policy reading a view over the
    table: all dropped before the rebuild and recreated in an order PostgreSQL accepts."""
    rb, sql = roundtrip(
        history=[ROLES, """
create function public.owner_count() returns bigint language sql stable
begin atomic select count(*) from public.memberships where level = 'owner'; end;
create function public.is_owner(l public.access_level) returns boolean language sql immutable
  return l = 'owner';
create function public.owners_plus(n int) returns bigint language sql stable
  return public.owner_count() + n;
create view public.owner_flags as select person, public.is_owner(level) as owner from public.memberships;
create table public.audit (id int, level_text text default ('member'::public.access_level)::text,
  as_level text check (as_level is null or public.is_owner(as_level::public.access_level) is not null));
create view public.owners as select person from public.memberships where level = 'owner';
create policy "owners via view" on public.invoices for select using (auth.uid() in (select person from public.owners));
"""],
        migration=ADD,
    )
    assert not rb.manual_steps
    retype = sql.index("ALTER TABLE public.memberships ALTER COLUMN level")
    for dropped in ("DROP FUNCTION public.owners_plus(integer);", "DROP FUNCTION public.owner_count();",
                    "DROP FUNCTION public.is_owner(public.access_level);", "DROP VIEW public.owners;",
                    "DROP VIEW public.owner_flags;", 'DROP POLICY "owners via view" ON public.invoices;',
                    "ALTER TABLE public.audit DROP CONSTRAINT audit_as_level_check;",
                    "ALTER TABLE public.audit ALTER COLUMN level_text DROP DEFAULT;"):
        assert dropped in sql, dropped
    assert sql.index("DROP FUNCTION public.owners_plus(integer);") < sql.index("DROP FUNCTION public.owner_count();")
    assert sql.index("DROP FUNCTION public.owner_count();") < retype
    assert sql.rindex("CREATE VIEW public.owners AS") < sql.rindex('CREATE POLICY "owners via view"')  # rindex: past the pre-flight


def test_array_column_of_the_enum_read_by_another_tables_policy(roundtrip):
    roundtrip(
        history=[ROLES, """
create table public.teams (id int primary key, levels public.access_level[] not null default '{member}');
create policy "team owners" on public.invoices for select using (
  exists (select 1 from public.teams t where 'owner' = any (t.levels)));
"""],
        migration=ADD,
    )


def test_table_the_generator_could_not_analyse_makes_the_rebuild_manual() -> None:
    """An opaque CREATE TABLE (here USING an access method) may have made a column of the type that the
    catalog never saw: the rebuild would miss it and DROP TYPE would fail, so it is a manual
    step that names the table."""
    rb = _replay(ROLES + "create table public.guests (level public.access_level) using heap;", ADD)
    assert len(rb.manual_steps) == 1
    assert "table public.guests was changed by a statement the generator could not analyse" in rb.manual_steps[0].manual


def test_opaque_table_recreated_plainly_is_trusted_again() -> None:
    """A plain CREATE TABLE succeeds only when no table of the name exists: what the opaque
    statement made is gone, and the new table is known."""
    rb = _replay(ROLES + "create table public.guests (id int) using heap;\n"
                 "drop table if exists public.guests;\n"
                 "create table public.guests (level public.access_level);", ADD)
    assert not rb.manual_steps
    assert any("ALTER TABLE public.guests ALTER COLUMN level" in s for step in rb.steps for s in step.sql)


def test_publication_column_list_is_manual() -> None:
    rb = _replay(ROLES + "create publication feed for table public.memberships (person, level);", ADD)
    assert "publication feed publishes a column list of public.memberships" in rb.manual_steps[0].manual


def test_generated_column_over_the_enum_column_is_manual() -> None:
    rb = _replay(ROLES + "alter table public.memberships add column is_owner boolean "
                         "generated always as (level = 'owner') stored;", ADD)
    assert "generated column public.memberships.is_owner uses public.access_level" in rb.manual_steps[0].manual


def test_only_a_sql_standard_body_is_parsed_as_one():
    """The test every ADD VALUE makes of every function: a body kept as a string is not a
    SQL-standard body even when it says return or atomic; RETURN and BEGIN ATOMIC bodies are."""
    from generator.handlers.enums import _sql_body_of

    string_body = ("CREATE FUNCTION public.f(a integer) RETURNS integer LANGUAGE plpgsql AS $$ begin "
                   "return a; end $$")
    assert _sql_body_of(string_body) is None
    assert _sql_body_of("CREATE FUNCTION public.g() RETURNS text LANGUAGE sql AS 'select ''begin atomic'''") is None
    assert _sql_body_of("CREATE FUNCTION public.h(a integer) RETURNS integer LANGUAGE sql RETURN a + 1") is not None
    assert _sql_body_of("CREATE FUNCTION public.i() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT 1; END") is not None
