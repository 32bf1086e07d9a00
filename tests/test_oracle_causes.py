"""Distrust a statement adds with what it did beside its location is learned like any other
(``record.caused_by``).

``ALTER TYPE ... RENAME VALUE`` makes PostgreSQL rewrite every stored expression holding the
label; the generator cannot rewrite a policy's recorded text with certainty, so it
distrusts the policy "at <where>, which renamed value ... that it names". ``learn`` must see
that statement as the cause (before: it looked for "<where>" exactly, found no opaque
statement, and the later rollback stayed manual for good)."""

from __future__ import annotations

import pytest

from generator.engine import generate
from generator.oracle.record import caused_by
from generator.project import list_migrations

from _cli_support import project
from _oracle_support import learn_into, round_trip_last

INIT = """create type public.kind as enum ('org', 'team');
create table public.members (id int primary key, k public.kind not null);
alter table public.members enable row level security;
create policy members_orgs on public.members for select using (k = 'org' or k::text like 'org%');
"""
RENAME = "alter type public.kind rename value 'org' to 'community';\n"
LATER = "drop policy members_orgs on public.members;\n"


@pytest.mark.pg
def test_a_policy_distrusted_by_a_renamed_label_is_learned(pg_server, tmp_path, request):
    project(tmp_path, {"20240101000000_init.sql": INIT, "20240102000000_rename.sql": RENAME,
                       "20240103000000_later.sql": LATER})
    mig = tmp_path / "supabase" / "migrations"
    (later,) = generate(list_migrations(mig))[-1].manual_steps
    assert "which renamed value 'org' of public.kind" in later.manual
    entries = learn_into(pg_server, mig).entries
    assert [e.migration for e in entries if e.imported] == ["20240102000000_rename.sql"]
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "'community'::public.kind" in sql


def test_what_counts_as_the_statements_own_distrust():
    at = "supabase/migrations/1_a.sql:6"
    assert caused_by(at, at) and caused_by("DO block at " + at, at)
    assert caused_by(at + ", which renamed value 'x' of public.k that it names", at)
    assert caused_by(at + ": it renamed type public.k, which ...", at)
    assert caused_by("rename at " + at + ": the text cannot be rewritten", at)
    assert not caused_by(at + "1", at) and not caused_by(at + "1: x", at)
    assert not caused_by("rejected statement at " + at + ": syntax", at)
    assert not caused_by(None, at)


MAKES_B = """create function public.make_b() returns void language plpgsql as $f$
begin
  execute 'create table public.b (id int constraint b_check check (id > 0))';
end $f$;
select public.make_b();
"""
RENAMES_IN_B = """do $$ begin
  alter table public.b rename constraint b_check to b_positive;
exception when undefined_object then null;
end $$;
"""


@pytest.mark.pg
def test_a_block_that_names_nothing_the_catalog_knows_is_learned(pg_server, tmp_path, request):
    """The block distrusts nothing (table b is not in the catalog), yet its own rollback is a
    manual step: learn sees it too, and what it did becomes its rollback."""
    project(tmp_path, {"20240101000000_make.sql": MAKES_B, "20240102000000_rename.sql": RENAMES_IN_B})
    mig = tmp_path / "supabase" / "migrations"
    (own,) = generate(list_migrations(mig))[-1].manual_steps
    assert "cannot be decided statically" in own.manual
    entries = learn_into(pg_server, mig).entries
    (entry,) = [e for e in entries if e.migration == "20240102000000_rename.sql"]
    assert entry.undo and entry.not_learned == ""
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "b_check" in sql
