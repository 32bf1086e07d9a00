"""A view's options an opaque statement set are imported, and undone
(generator/oracle/imports.py ``_set_view_options``, generator/oracle/undo.py).

Found in tutur3u: one DO block loops over the public views the API roles can read and
runs ``ALTER VIEW ... SET (security_invoker = true)`` on each, so that they stop bypassing
row level security. The static replay cannot tell which views, so each stayed distrusted
and ``learn`` refused the change ("its options changed"). Now the catalog takes
PostgreSQL's options over: dropping a view later recreates it with them; and the block's
own rollback, from what learn saw it do, resets them. Both round-trip on a real server."""

from __future__ import annotations

import pytest

from generator.engine import generate
from generator.project import list_migrations

from _cli_support import project
from _oracle_support import learn_into, learned_entry, round_trip_last

VIEWS = """create table public.notes (id bigint primary key, body text, owner uuid);
create view public.note_bodies as select id, body from public.notes;
create view public.note_owners with (check_option = local) as select id, owner from public.notes where owner is not null;
"""
HARDEN = """do $$
declare v record;
begin
  for v in select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relkind = 'v' loop
    execute format('alter view %I.%I set (security_invoker = true)', v.nspname, v.relname);
  end loop;
end $$;
"""


@pytest.mark.pg
def test_view_options_set_by_a_block_are_known_again(pg_server, tmp_path, request):
    later = "drop view public.note_owners;\ndrop view public.note_bodies;\n"
    files = {"20240101000000_views.sql": VIEWS, "20240102000000_harden.sql": HARDEN, "20240103000000_later.sql": later}
    mig, entry = learned_entry(pg_server, tmp_path, files, "_harden.sql")
    options = {c["ref"][1]: c["set"]["options"] for c in entry.changes if "options" in c.get("set", {})}
    assert options == {"public.note_bodies": ["security_invoker=true"],
                       "public.note_owners": ["check_option=local", "security_invoker=true"]}, entry
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "security_invoker" in sql


@pytest.mark.pg
def test_the_blocks_own_rollback_resets_them(pg_server, tmp_path, request):
    project(tmp_path, {"20240101000000_views.sql": VIEWS, "20240102000000_harden.sql": HARDEN})
    mig = tmp_path / "supabase" / "migrations"
    learn_into(pg_server, mig)
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "ALTER VIEW public.note_bodies RESET (security_invoker);" in sql
