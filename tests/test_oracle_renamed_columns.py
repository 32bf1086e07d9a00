"""A column an opaque statement renamed in place is imported as a rename
(generator/oracle/structure.py, ``renames``).

Found in trainers.gg: a migration renames organizations to communities, each column in a
DO block that ignores a column already renamed (``EXCEPTION WHEN undefined_column``). The
static replay could not tell whether the rename ran, so the table stayed distrusted, and
``learn`` saw the new name at the old one's place and refused it ("renamed or
reordered"). (That plain form is decided statically now: test_roundtrip_doblock_renames.py;
here the rename is built at run time, which no static replay can follow.) PostgreSQL puts an added column last, so a new name at the same place is a
rename: the catalog renames the column as ``ALTER TABLE ... RENAME COLUMN`` would (its
index, foreign key, policy, privileges and comment follow), and a later migration that
drops the index and the policy, revokes the column's privilege, clears its comment and
retypes it is undone exactly; a round trip on a real server proves it."""

from __future__ import annotations

import pytest

from generator.engine import generate
from generator.oracle.structure import renames
from generator.project import list_migrations

from _cli_support import project
from _oracle_support import learn_into, learned_entry, round_trip_last

TABLES = """create table public.orgs (id bigint primary key);
create table public.tournaments (
  id bigint primary key,
  organization_id bigint not null references public.orgs (id) on delete cascade,
  name text not null);
create index idx_tournaments_org on public.tournaments (organization_id);
alter table public.tournaments enable row level security;
create policy tournaments_read on public.tournaments for select to authenticated using (organization_id > 0);
comment on column public.tournaments.organization_id is 'the owner';
grant select (organization_id) on public.tournaments to anon;
"""
RENAME = """do $$ begin
  execute format('alter table public.tournaments rename column %I to %I', 'organization_id', 'community_id');
exception when undefined_column then null;
end $$;
"""
LATER = """drop index public.idx_tournaments_org;
drop policy tournaments_read on public.tournaments;
revoke select (community_id) on public.tournaments from anon;
comment on column public.tournaments.community_id is null;
alter table public.tournaments alter column community_id type integer;
"""


@pytest.mark.pg
def test_a_column_renamed_by_a_block_is_imported_as_a_rename(pg_server, tmp_path, request):
    files = {"20240101000000_tables.sql": TABLES, "20240102000000_rename.sql": RENAME, "20240103000000_later.sql": LATER}
    mig, entry = learned_entry(pg_server, tmp_path, files, "_rename.sql")
    (table,) = [c for c in entry.changes if c.get("ref") == ["table", "public.tournaments"]]
    assert table["structure"]["rename columns"] == {"organization_id": "community_id"}
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "CREATE INDEX idx_tournaments_org ON public.tournaments (community_id)" in sql
    assert "tournaments_read" in sql and "community_id > 0" in sql


@pytest.mark.pg
def test_the_blocks_own_rollback_renames_the_column_back(pg_server, tmp_path, request):
    """The block's own rollback, from what learn saw it do: the column renamed back, then its
    index, foreign key and policy put back as they were (they name the old name)."""
    project(tmp_path, {"20240101000000_tables.sql": TABLES, "20240102000000_rename.sql": RENAME})
    mig = tmp_path / "supabase" / "migrations"
    assert generate(list_migrations(mig))[-1].manual_steps  # the block cannot be decided statically
    learn_into(pg_server, mig)
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "RENAME COLUMN community_id TO organization_id" in sql


def test_renames_are_only_certain_in_place():
    assert renames(["id", "a", "b"], ["id", "x", "b"]) == {"a": "x"}
    assert renames(["id", "a", "b"], ["id", "b", "x"]) == {}  # a dropped, x added last: not a rename
    assert renames(["id", "a", "b"], ["id", "a", "x"]) == {}  # the last one: as a drop and an add
    assert renames(["id", "a"], ["id", "a", "x"]) == {}
    assert renames(["id", "a", "b"], ["id", "b", "a"]) == {}  # reordered: refused later
