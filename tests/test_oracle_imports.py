"""``learn`` imports what an opaque statement changed (generator/oracle/imports.py): the
objects are trusted again with their observed state, and later rollbacks built from them
restore the schema exactly on a real server."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from generator.engine import generate
from generator.oracle import learn as oracle_learn
from generator.oracle import record
from generator.project import list_migrations
from generator.render import render_sql
from generator.snapshot import diff, snapshot

from _cli_support import project
from roundtrip import apply_migration, db_name, run_psql

pytestmark = pytest.mark.pg

TABLES = ("create table public.teams (id bigint primary key, owner_id uuid);\n"
          "create table public.members (id bigint primary key, team_id bigint references public.teams, user_id uuid);\n"
          "comment on table public.members is 'who is in a team';\n")
RLS_LOOP = """do $$
declare r record;
begin
  for r in select tablename from pg_tables where schemaname = 'public' loop
    execute format('alter table public.%I enable row level security', r.tablename);
    execute format('alter table public.%I force row level security', r.tablename);
    execute format('create policy %I on public.%I for select to authenticated using (true)',
                   r.tablename || '_read', r.tablename);
    execute format('comment on table public.%I is %L', r.tablename, 'locked down');
    execute format('revoke delete, truncate on public.%I from anon', r.tablename);
  end loop;
end $$;
"""
FUNCS = ("create function public.secret() returns int language sql security definer as 'select 1';\n"
         "create function public.open() returns int language sql as 'select 2';\n")
FN_LOOP = """do $$
declare r record;
begin
  for r in select p.oid::regprocedure as sig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname = 'public' and p.prosecdef loop
    execute format('revoke execute on function %s from anon, public', r.sig);
    execute format('alter function %s set search_path = %L', r.sig, '');
  end loop;
end $$;
"""
DEFAULTS_LOOP = """do $$
declare r record;
begin
  for r in select nspname from pg_namespace where nspname in ('public') loop
    execute format('alter default privileges in schema %I revoke all on tables from anon', r.nspname);
    execute format('alter default privileges in schema %I revoke execute on functions from anon', r.nspname);
  end loop;
end $$;
"""


def _project(tmp_path: Path, files: list[str]) -> Path:
    names = {f"2024010{i + 1}000000_m{i}.sql": text for i, text in enumerate(files)}
    project(tmp_path, names)
    return tmp_path / "supabase" / "migrations"


def _learn(pg_server, mig: Path) -> record.Entry:
    out = oracle_learn.learn(pg_server, list_migrations(mig))
    assert out.stopped is None, out.stopped
    record.write(record.record_path(mig), out.entries)
    # (a later statement on an object distrusted without the record is opaque to the static replay too)
    return next(e for e in out.entries if e.migration.endswith("_m1.sql"))


def _round_trip(pg_server, mig: Path, name: str) -> str:
    """Apply the history, the last migration, its rollback: the schema is back exactly;
    the migration applies again after it. Returns the rollback's SQL."""
    ms = list_migrations(mig)
    rb = generate(ms)[-1]
    assert rb.manual_steps == [], [s.manual for s in rb.manual_steps]
    sql = render_sql(rb)
    dbname = db_name(name)
    dsn = pg_server.baseline_database(dbname)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for m in ms[:-1]:
                apply_migration(conn, m)
            before = snapshot(conn)
            apply_migration(conn, ms[-1])
            after = snapshot(conn)
        res = run_psql(pg_server, dsn, sql)
        assert res.returncode == 0, res.stderr + "\n" + sql
        with psycopg.connect(dsn, autocommit=True) as conn:
            d = diff(before, snapshot(conn))
            assert d.ok(), f"{d}\n{sql}"
            apply_migration(conn, ms[-1])
            d = diff(after, snapshot(conn))
            assert d.ok(), f"forward again: {d}\n{sql}"
    finally:
        pg_server.drop_database(dbname)
    return sql


@pytest.mark.parametrize("later", [
    "drop table public.members;\n",
    "drop policy members_read on public.members;\n",
    "alter table public.teams disable row level security;\nalter table public.teams no force row level security;\n",
    "alter policy teams_read on public.teams to anon using (owner_id is not null);\n",
    "grant delete on public.members to anon;\ncomment on table public.teams is null;\n",
], ids=["drop-table", "drop-policy", "disable-rls", "alter-policy", "grant-comment"])
def test_rls_loop_imported(pg_server, tmp_path, request, later):
    mig = _project(tmp_path, [TABLES, RLS_LOOP, later])
    assert generate(list_migrations(mig))[-1].manual_steps  # distrusted without the record
    entry = _learn(pg_server, mig)
    assert ("table", "public.members") in entry.imported and ("table", "public.teams") in entry.imported
    policies = {c["ref"][1]: c["policy"] for c in entry.changes if "policy" in c}
    assert policies["members_read ON public.members"] == {
        "command": "SELECT", "permissive": True, "roles": ["authenticated"], "using": "true",
        "with check": None, "comment": None}
    sql = _round_trip(pg_server, mig, request.node.name)
    if later.startswith("drop table"):
        assert "ENABLE ROW LEVEL SECURITY" in sql and "members_read" in sql and "locked down" in sql


@pytest.mark.parametrize("later", [
    "create or replace function public.secret() returns int language sql security definer as 'select 3';\n",
    "drop function public.secret();\n",
    "grant execute on function public.secret() to anon;\n",
], ids=["replace", "drop", "grant"])
def test_function_loop_imported(pg_server, tmp_path, request, later):
    mig = _project(tmp_path, [FUNCS, FN_LOOP, later])
    assert generate(list_migrations(mig))[-1].manual_steps
    entry = _learn(pg_server, mig)
    assert ("function", "public.secret()") in entry.imported, entry
    (change,) = [c for c in entry.changes if c["ref"] == ["function", "public.secret()"]]
    assert change["set"]["acl"] == {"anon": [], "public": []}
    assert change["set"]["options"] == "SET search_path TO ''"
    sql = _round_trip(pg_server, mig, request.node.name)
    if later.startswith("create or replace"):
        assert "search_path" in sql


def test_dynamic_default_privileges_imported(pg_server, tmp_path, request):
    later_table = "create table public.notes (id bigint primary key);\n"
    grant = "grant select on public.notes to anon;\n"
    mig = _project(tmp_path, [TABLES, DEFAULTS_LOOP, later_table, grant])
    rb = generate(list_migrations(mig))[-1]
    assert rb.manual_steps and "privileges" in rb.manual_steps[0].manual
    entry = _learn(pg_server, mig)
    assert entry.defaults_imported
    defaults = [c["default privileges"] for c in entry.changes if "default privileges" in c]
    assert any(d["schema"] == "public" and d["on"] == "tables" and "anon" not in d["acl"] for d in defaults)
    sql = _round_trip(pg_server, mig, request.node.name)
    assert "REVOKE SELECT ON TABLE public.notes FROM anon" in sql


def test_what_cannot_be_imported_stays_distrusted(pg_server, tmp_path):
    add_column = RLS_LOOP.replace("execute format('revoke", "execute format('alter table public.%I add column "
                                  "note serial', r.tablename);\n    execute format('revoke")
    mig = _project(tmp_path, [TABLES, add_column, "drop table public.members;\n"])
    entry = _learn(pg_server, mig)
    assert ("table", "public.members") not in entry.imported
    assert "sequence" in dict(entry.not_imported)["table public.members"]
    rb = generate(list_migrations(mig))[-1]
    assert rb.manual_steps


def test_a_damaged_change_trusts_nothing_more(tmp_path):
    """A record whose change does not fit the catalog: the refs stay distrusted."""
    from generator.chain import chain_hashes

    mig = _project(tmp_path, [TABLES, RLS_LOOP, "drop table public.members;\n"])
    ms = list_migrations(mig)
    entry = record.Entry(ms[1].path.name, 1, chain_hashes(ms)[1], imported=(("table", "public.members"),),
                         changes=({"ref": ["table", "public.nope"], "set": {"row level security": True}},))
    record.write(record.record_path(mig), [entry])
    assert generate(list_migrations(mig))[-1].manual_steps
