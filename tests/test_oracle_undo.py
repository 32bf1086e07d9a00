"""A DO block's own rollback from what ``learn`` saw it do (generator/oracle/undo.py).

Each block below cannot be decided statically (it asks ``pg_catalog`` at run time), so
without a record its rollback is a manual step. After ``learn`` it is the inverse of the
observed difference, and every such rollback round-trips on a real server: the schema
after it is the schema before the block."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.engine import generate
from generator.oracle import record
from generator.oracle.undo import observed_undo
from generator.project import list_migrations

from _cli_support import project
from _oracle_support import learn_into, round_trip_last

INIT = """create table public.orders (id bigint primary key, total numeric not null default 0, note text,
                            customer text constraint orders_customer_len check (length(customer) < 100));
create index orders_total on public.orders (total);
create table public.events (id bigint primary key, at timestamptz);
create function public.stamp() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger orders_stamp before update on public.orders for each row execute function public.stamp();
create policy orders_read on public.orders for select to authenticated using (total >= 0);
create function public.version_of(t text) returns int language sql as $$ select 1 $$;
"""


def _when(condition: str, body: str) -> str:
    """A block the generator cannot decide: its condition reads pg_catalog."""
    return f"do $$\nbegin\n  if {condition} then\n{body}\n  end if;\nend $$;\n"


HAS_ORDERS = ("(select count(distinct f.proname) = 1 from pg_proc f join pg_namespace nsp on f.pronamespace = nsp.oid "
              "where (nsp.nspname, f.proname) in (('public', 'stamp')) and f.pronargs = 0)")
ADDS = _when(HAS_ORDERS, """
    alter table public.orders add column status text not null default 'new';
    alter table public.orders add constraint orders_status check (status <> '');
    alter table public.orders add constraint orders_customer_key unique (customer);
    create index orders_status_idx on public.orders (status);
    create trigger orders_stamp_insert before insert on public.orders for each row execute function public.stamp();
    create policy orders_write on public.orders for insert to authenticated with check (status = 'new');
    alter table public.events enable row level security;
    alter table public.events force row level security;
    comment on table public.events is 'observed';
    alter table public.orders alter column note set default 'none';
    alter table public.orders alter column note set not null;
    comment on column public.orders.note is 'a note';
    create function public.next_status(s text) returns text language sql as $f$ select s || '!' $f$;""")
CHANGES = _when(HAS_ORDERS, """
    drop policy orders_read on public.orders;
    create policy orders_read on public.orders for select to anon, authenticated using (total > 0);
    drop trigger orders_stamp on public.orders;
    drop index public.orders_total;
    alter table public.orders drop constraint orders_customer_len;
    alter table public.orders alter column total drop default;
    alter table public.orders alter column total drop not null;
    create or replace function public.version_of(t text) returns int language sql as $f$ select 2 $f$;""")
CREATES = _when(HAS_ORDERS, """
    create type public.mood as enum ('calm', 'busy');
    create domain public.positive as int check (value > 0);
    create table public.notes (id serial primary key, order_id bigint references public.orders (id),
                               m public.mood, n public.positive, body text);
    create table public.tags (id bigint generated always as identity primary key, note_id int references public.notes (id));
    create index notes_order on public.notes (order_id);
    alter table public.notes enable row level security;
    create policy notes_read on public.notes for select using (true);
    create trigger notes_stamp before update on public.notes for each row execute function public.stamp();
    create view public.order_notes as select o.id, n.body from public.orders o join public.notes n on n.order_id = o.id;
    create sequence public.ticket_seq;
    grant select on public.orders to anon;
    revoke all on public.events from authenticated;
    grant update (at) on public.events to anon;
    revoke execute on function public.version_of(text) from public;""")
NOTHING = _when("not " + HAS_ORDERS, "    alter table public.orders add column never int;")
DROPS_A_COLUMN = _when(HAS_ORDERS, "    alter table public.orders drop column note;")


def _project(tmp_path: Path, block: str) -> Path:
    project(tmp_path, {"20240101000000_init.sql": INIT, "20240102000000_block.sql": block})
    return tmp_path / "supabase" / "migrations"


def _block_rollback(mig: Path):
    return generate(list_migrations(mig))[-1]


def _learned(pg_server, mig: Path) -> record.Entry:
    (entry,) = learn_into(pg_server, mig).entries
    return entry


def _round_trip(pg_server, mig: Path, name: str) -> str:
    """Apply the history, the block, its rollback: the schema before the block is back."""
    return round_trip_last(pg_server, mig, name)


@pytest.mark.pg
@pytest.mark.parametrize("block", [ADDS, CHANGES, CREATES], ids=["adds", "changes", "creates"])
def test_the_block_is_undone_from_what_it_was_seen_to_do(pg_server, tmp_path, request, block):
    mig = _project(tmp_path, block)
    assert "cannot be decided statically" in _block_rollback(mig).manual_steps[0].manual
    entry = _learned(pg_server, mig)
    assert entry.undo
    assert _block_rollback(mig).manual_steps == []
    sql = _round_trip(pg_server, mig, request.node.name)
    assert "recorded by `learn`" in sql


@pytest.mark.pg
def test_a_block_that_changed_nothing_needs_no_rollback(pg_server, tmp_path, request):
    mig = _project(tmp_path, NOTHING)
    assert _block_rollback(mig).manual_steps
    assert _learned(pg_server, mig).undo == ()
    rb = _block_rollback(mig)
    assert rb.manual_steps == [] and rb.steps == []
    _round_trip(pg_server, mig, request.node.name)


@pytest.mark.pg
def test_a_dropped_column_is_not_undone(pg_server, tmp_path):
    """Its values are gone: no inverse is certain, the block's rollback stays manual."""
    mig = _project(tmp_path, DROPS_A_COLUMN)
    assert _learned(pg_server, mig).undo is None
    assert _block_rollback(mig).manual_steps


def test_differences_outside_what_it_inverts_give_no_undo():
    table = {"kind": "table", "row level security": False, "columns": {}, "column order": [], "constraints": {}}
    assert observed_undo({"relation": {"public.t": table}}, {"relation": {"public.t": table | {"row level security": True}}}) \
        == ["ALTER TABLE public.t DISABLE ROW LEVEL SECURITY;"]
    assert observed_undo({"schema": {}}, {"schema": {"s": {"owner": "postgres"}}}) is None  # a schema created
    assert observed_undo({"relation": {}}, {"relation": {"public.t": table}}) == ["DROP TABLE public.t;"]
    assert observed_undo({"relation": {"public.t": table}}, {"relation": {}}) is None  # a table dropped: its rows
    owned = {"public.t": table | {"owner": "postgres", "acl": {"postgres": "SELECT"}}}
    assert observed_undo({"relation": owned}, {"relation": {"public.t": owned["public.t"] | {"acl": {}}}}) is None
    seq = {"kind": "sequence", "owned by": "public.t.id"}  # owned by a column that was there before
    assert observed_undo({"relation": {"public.t": table}}, {"relation": {"public.t": table, "public.s": seq}}) is None
