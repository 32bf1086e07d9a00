"""Round trips (real PostgreSQL): renames wrapped in a block that ignores the error a second
run would raise (``EXCEPTION WHEN undefined_table / undefined_column / undefined_object``),
the idiom a project uses to rename a feature everywhere (trainers.gg renames organizations
to communities this way). Where the catalog holds and trusts the object, the rename cannot
have failed: the block ran, and its rollback renames back; before, each block was a manual
step, and everything on the renamed tables stayed distrusted after it."""

from __future__ import annotations

import pytest

from generator.engine import generate
from generator.project import list_migrations

from _cli_support import project

HISTORY = ["""create type public.org_kind as enum ('club', 'league');
create sequence public.org_number;
create table public.organizations (id bigint primary key, owner_id uuid not null, kind public.org_kind,
  number bigint default nextval('public.org_number'));
create index organizations_owner on public.organizations (owner_id);
alter table public.organizations enable row level security;
create policy organizations_read on public.organizations for select to authenticated using (true);"""]

RENAMES = """do $$ begin
  alter table public.organizations rename to communities;
exception when undefined_table then null;
end $$;
do $$ begin
  alter table public.communities rename column owner_id to admin_id;
exception when undefined_column then null;
end $$;
do $$ begin
  alter table public.communities rename constraint organizations_pkey to communities_pkey;
exception when undefined_object then null;
end $$;
do $$ begin
  alter index public.organizations_owner rename to communities_admin;
exception when undefined_table then null;
end $$;
do $$ begin
  alter sequence if exists public.org_number rename to community_number;
exception when undefined_table then null;
end $$;
do $$ begin
  alter type public.org_kind rename to community_kind;
exception when undefined_object then null;
end $$;
"""


def test_tolerant_renames_are_undone(roundtrip) -> None:
    rb, sql = roundtrip(history=HISTORY, migration=RENAMES)
    assert not rb.manual_steps
    assert "ALTER TABLE public.communities RENAME TO organizations" in sql


def test_a_later_change_of_the_renamed_table_is_undone(roundtrip) -> None:
    rb, sql = roundtrip(history=[*HISTORY, RENAMES], migration=(
        "drop policy organizations_read on public.communities;\n"
        "alter table public.communities drop column number;"))
    assert not rb.manual_steps
    assert "CREATE POLICY organizations_read ON public.communities" in sql


def test_a_rename_onto_a_taken_name_would_have_failed(tmp_path) -> None:
    """The target name is taken: the rename raises duplicate_table, which the block does not
    catch, yet the migration ran: the history is not what the catalog says; no guess."""
    project(tmp_path, {"20240101000000_t.sql": HISTORY[0] + "\ncreate table public.communities (id int);",
                       "20240102000000_r.sql": RENAMES.split("do $$ begin\n  alter table public.communities")[0]})
    (rb,) = generate(list_migrations(tmp_path / "supabase" / "migrations"))[-1:]
    assert rb.manual_steps and "duplicate_table" in rb.manual_steps[0].manual


@pytest.mark.parametrize("block", [
    "do $$ begin alter table public.organizations rename column nope to other; "
    "exception when undefined_column then null; end $$;",
    "do $$ begin alter table public.organizations rename constraint nope to other; "
    "exception when undefined_object then null; end $$;",
])
def test_a_rename_of_what_is_not_there_did_nothing(tmp_path, block) -> None:
    project(tmp_path, {"20240101000000_t.sql": HISTORY[0], "20240102000000_r.sql": block})
    (rb,) = generate(list_migrations(tmp_path / "supabase" / "migrations"))[-1:]
    assert not rb.manual_steps and not rb.steps
