"""A statement whose distrust only shows once the record is in place is learned too
(generator/oracle/learn.py, ``_relearn`` and the later passes).

Found in tutur3u: a DO block moves a table to ``private`` with dynamic SQL, the next one
drops the moved table's policies in a loop over ``pg_policies``, then plain statements
lock it down. The static replay without the record does not know ``private.promos`` at
all, so the second block seemed to distrust nothing there. With the first block's entry
in place the table is known, the second block distrusts it, and that entry never looked
at it: every later rollback of the table stayed manual, though ``learn`` had run. A
second pass learns the statements the first could not see; the last rollback is then
automatic, and a round trip on a real server proves it."""

from __future__ import annotations

import pytest

from generator.engine import generate
from generator.oracle import learn as oracle_learn
from generator.project import list_migrations

from _cli_support import project
from _oracle_support import learn_into, round_trip_last

TABLE = """create table public.promos (id bigint primary key, code text not null);
alter table public.promos enable row level security;
create policy promos_read on public.promos for select to authenticated using (true);
create schema private;
"""
MOVE_PROMOS = """do $$
declare target text := 'private';
begin
  execute format('alter table public.promos set schema %I', target);
end $$;
"""
MOVE = MOVE_PROMOS + """do $$
declare p record;
begin
  for p in select policyname, schemaname, tablename from pg_policies
           where schemaname = 'private' and tablename = 'promos' loop
    execute format('drop policy if exists %I on %I.%I', p.policyname, p.schemaname, p.tablename);
  end loop;
end $$;
revoke all on table private.promos from anon, authenticated;
create policy promos_service on private.promos for all to service_role using (true);
"""
LATER = """drop policy promos_service on private.promos;
alter table private.promos disable row level security;
"""


def _project(tmp_path):
    project(tmp_path, {"20240101000000_table.sql": TABLE, "20240102000000_move.sql": MOVE,
                       "20240103000000_later.sql": LATER})
    return tmp_path / "supabase" / "migrations"


@pytest.mark.pg
def test_one_pass_leaves_the_moved_table_distrusted(pg_server, tmp_path, monkeypatch):
    mig = _project(tmp_path)
    monkeypatch.setattr(oracle_learn, "PASSES", 1)
    learn_into(pg_server, mig)
    assert any("private.promos" in s.manual for s in generate(list_migrations(mig))[-1].manual_steps)


@pytest.mark.pg
def test_the_next_pass_learns_what_the_record_uncovered(pg_server, tmp_path, request):
    mig = _project(tmp_path)
    entries = learn_into(pg_server, mig).entries
    (policies,) = [e for e in entries if e.migration.endswith("_move.sql") and e.line == 6]
    assert ("table", "private.promos") in policies.imported  # the entry of the second pass replaced the first's
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "CREATE POLICY promos_service ON private.promos" in sql and "ENABLE ROW LEVEL SECURITY" in sql


def test_a_statement_learned_again_keeps_what_it_learned_before():
    """Found in trainers.gg: a statement learned again in a later pass saw fewer distrusted
    objects there (an earlier statement of the same chain was being learned again too), and
    its new entry replaced one that had imported more. What both passes learned is kept."""
    from generator.oracle.learn import _merged
    from generator.oracle.record import Entry

    first = Entry("m.sql", 3, "c", unchanged=(("index", "public.a_pkey"),), imported=(("table", "public.a"),),
                  changes=({"ref": ["table", "public.a"], "set": {"comment": "x"}},),
                  not_imported=(("table public.b", "table public.b: its owner changed"),
                                ("view public.v", "view public.v was dropped")))
    second = Entry("m.sql", 3, "c", imported=(("table", "public.b"),),
                   changes=({"ref": ["table", "public.b"], "set": {"comment": "y"}},))
    both = _merged(first, second)
    assert both.unchanged == (("index", "public.a_pkey"),)
    assert both.imported == (("table", "public.a"), ("table", "public.b"))
    assert [c["ref"][1] for c in both.changes] == ["public.a", "public.b"]
    assert both.not_imported == (("view public.v", "view public.v was dropped"),)  # public.b is imported now


# A chain: the second block makes a table and drops the moved table's policies (it is
# learned again in the second pass, for the moved table); the third alters the table the
# second made, which the static replay knows only from the second block's entry.
CHAIN = MOVE_PROMOS + """do $$
declare p record;
begin
  execute format('create table private.%I (id bigint primary key, note text)', 'log');
  for p in select policyname, schemaname, tablename from pg_policies
           where schemaname = 'private' and tablename = 'promos' loop
    execute format('drop policy if exists %I on %I.%I', p.policyname, p.schemaname, p.tablename);
  end loop;
end $$;
do $$ begin
  execute format('alter table private.%I add column extra integer', 'log');
end $$;
"""


@pytest.mark.pg
def test_a_statement_learned_again_keeps_its_entry_for_the_ones_after_it(pg_server, tmp_path, monkeypatch, request):
    """In the second pass the second block is learned again; its first entry stays in that
    pass's static replay, so the third block is seen to distrust the table it made and is
    learned in the same pass (before, it waited for a third pass: on tutur3u such chains
    ran out of passes)."""
    project(tmp_path, {"20240101000000_table.sql": TABLE, "20240102000000_chain.sql": CHAIN,
                       "20240103000000_later.sql": "alter table private.log drop column extra;\n"})
    mig = tmp_path / "supabase" / "migrations"
    monkeypatch.setattr(oracle_learn, "PASSES", 2)
    learn_into(pg_server, mig)
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "ADD COLUMN extra integer" in sql
