"""A function an opaque statement replaced is known again by its new definition
(generator/oracle/imports.py, ``_function_change``).

Real projects move a table to another schema and then rewrite every function that
mentions it in a loop: ``EXECUTE replace(pg_get_functiondef(oid), 'public.t', 'private.t')``.
The static replay cannot know the new bodies, so every later rollback that needs one said
"may have been changed by the DO block". ``learn`` records each replaced function's whole
definition as PostgreSQL prints it, and the later ``CREATE OR REPLACE`` or ``DROP`` is
undone by putting that definition back: a round trip on a real server proves it. The
extension the bodies call is proven unchanged too, though its name needs quoting
(``"uuid-ossp"``)."""

from __future__ import annotations

import pytest

from generator.engine import generate
from generator.project import list_migrations

from _cli_support import project
from _oracle_support import learned_entry, round_trip_last

TABLES = """create table public.wallets (id uuid primary key default extensions.uuid_generate_v4(), balance numeric not null default 0);
create function public.wallet_total() returns numeric language sql stable
  as 'select coalesce(sum(balance), 0) from public.wallets';
create function public.new_wallet() returns uuid language plpgsql security definer set search_path = ''
  as $f$ declare id uuid := extensions.uuid_generate_v4(); begin insert into public.wallets (id) values (id); return id; end $f$;
revoke execute on function public.new_wallet() from public, anon;
comment on function public.wallet_total() is 'sum of all balances';
"""
MOVE = """create schema private;
alter table public.wallets set schema private;
do $$
declare r record;
begin
  for r in select p.oid from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname = 'public' and p.prokind = 'f' and pg_get_functiondef(p.oid) ilike '%public.wallets%' loop
    execute replace(pg_get_functiondef(r.oid), 'public.wallets', 'private.wallets');
  end loop;
end $$;
"""


@pytest.mark.pg
@pytest.mark.parametrize("later", [
    "create or replace function public.wallet_total() returns numeric language sql stable as 'select 0::numeric';\n",
    "drop function public.new_wallet();\n",
], ids=["replace", "drop"])
def test_a_replaced_function_is_known_by_its_new_definition(pg_server, tmp_path, request, later):
    files = {"20240101000000_tables.sql": TABLES, "20240102000000_move.sql": MOVE, "20240103000000_later.sql": later}
    mig, entry = learned_entry(pg_server, tmp_path, files, "_move.sql")
    replaced = {c["ref"][1]: c["set"]["definition"] for c in entry.changes if "definition" in c.get("set", {})}
    assert set(replaced) == {"public.wallet_total()", "public.new_wallet()"}, entry
    assert all("private.wallets" in d and "public.wallets" not in d for d in replaced.values())
    assert not [k for k, _ in entry.not_imported if not k.startswith("schema ")], entry.not_imported
    assert ("extension", "uuid-ossp") in entry.unchanged, entry.unchanged
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "private.wallets" in sql


def test_a_recorded_definition_that_is_not_one_is_not_applied(tmp_path):
    """A record edited by hand whose definition is not a function's: the change does not
    fit, and the function stays as the catalog had it (distrusted)."""
    from generator.catalog import Catalog
    from generator.engine import handle_statement
    from generator.oracle.imports import apply_each
    from generator.parse import parse_statements

    project(tmp_path, {"20240101000000_tables.sql": TABLES})
    (m,) = list_migrations(tmp_path / "supabase" / "migrations")
    cat = Catalog()
    for st in parse_statements(TABLES, m.path):
        handle_statement(st, cat, m)
    before = cat.functions[("public", "wallet_total", "")].definition
    change = {"ref": ["function", "public.wallet_total()"], "set": {"definition": "CREATE TABLE x (a int)"}}
    ((_, why),) = apply_each(cat, [change])
    assert "is not one" in why
    assert cat.functions[("public", "wallet_total", "")].definition == before
