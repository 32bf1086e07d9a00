"""``learn`` and calls to functions the history defined (generator/oracle/callees.py).

The shape real projects write (supa_audit and its copies): a PL/pgSQL function creates
triggers from a template, then a migration calls it once per table. The call is opaque
to the static generator, but its body reads only ``pg_trigger``: learn judges it by that
body, as the server holds it, and imports what the call did."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.engine import generate
from generator.project import list_migrations
from generator.render import render_sql

from _cli_support import project
from _oracle_support import learn_into, round_trip_last

pytestmark = pytest.mark.pg

INIT = """create table public.orders (id bigint primary key, total numeric not null default 0);
create table public.flags (name text primary key);
create function public.stamp() returns trigger language plpgsql as $$ begin return new; end $$;
create function public.trigger_name(t regclass) returns text language sql as $$
  select 'stamp_' || c.relname from pg_catalog.pg_class c where c.oid = t $$;
create function public.track(regclass) returns void language plpgsql as $$
declare
  statement_row text = format('create trigger %I before update on %s for each row execute function public.stamp()',
                              public.trigger_name($1), $1);
begin
  if not exists (select 1 from pg_trigger where tgrelid = $1 and tgname = public.trigger_name($1)) then
    execute statement_row;
  end if;
end $$;
create function public.track_flagged(regclass) returns void language plpgsql as $$
begin
  if exists (select 1 from public.flags where name = $1::text) then
    perform public.track($1);
  end if;
end $$;
"""
DROP = "drop table public.orders;\n"


def _project(tmp_path: Path, call: str) -> Path:
    project(tmp_path, {"20240101000000_init.sql": INIT, "20240102000000_track.sql": call,
                       "20240103000000_drop.sql": DROP})
    return tmp_path / "supabase" / "migrations"


def test_a_call_whose_body_reads_only_the_catalogs_is_learned(pg_server, tmp_path, request):
    mig = _project(tmp_path, "select public.track('public.orders');\n")
    assert generate(list_migrations(mig))[-1].manual_steps  # static: the call is opaque
    out = learn_into(pg_server, mig)
    (entry,) = out.entries
    assert entry.not_learned == "" and ("table", "public.orders") in entry.imported
    rb = generate(list_migrations(mig))[-1]
    assert rb.manual_steps == []
    sql = render_sql(rb)
    assert "stamp_orders" in sql  # the trigger the call made comes back with the table
    assert round_trip_last(pg_server, mig, request.node.name) == sql


def test_a_call_whose_body_reads_rows_is_not_learned(pg_server, tmp_path):
    mig = _project(tmp_path, "select public.track_flagged('public.orders');\n")
    (entry,) = learn_into(pg_server, mig).entries
    assert "track_flagged" in entry.not_learned and "public.flags" in entry.not_learned
    assert "whose body" in entry.not_learned
    assert generate(list_migrations(mig))[-1].manual_steps


def test_a_function_the_server_does_not_hold_is_not_learned(pg_server, tmp_path):
    """An extension's or a C function is not judged by a body: it keeps its reason."""
    mig = _project(tmp_path, "select public.track('public.orders'), pg_catalog.now() is not null;\n")
    (entry,) = learn_into(pg_server, mig).entries
    assert "now()" in entry.not_learned
