"""``learn`` imports the structure an opaque statement gave a table that existed before it
(generator/oracle/structure.py): columns, constraints, indexes, triggers. Later rollbacks
built from them restore the schema exactly on a real server."""

from __future__ import annotations

import pytest

from generator.engine import generate
from generator.project import list_migrations

from test_oracle_imports import _learn, _project, _round_trip

pytestmark = pytest.mark.pg

TABLES = ("create table public.teams (id bigint primary key, owner_id uuid);\n"
          "create table public.members (id bigint primary key, team_id bigint references public.teams, user_id uuid,"
          " nickname varchar(20) default 'x', legacy text);\n"
          "create index members_legacy_idx on public.members (legacy);\n"
          "create function public.touch() returns trigger language plpgsql as $$begin return new; end$$;\n")
# what the generator cannot follow: every statement is built at run time
STRUCTURE_LOOP = """do $$
declare r record;
begin
  for r in select tablename from pg_tables where schemaname = 'public' and tablename = 'members' loop
    execute format('alter table public.%I add column role text not null default %L', r.tablename, 'member');
    execute format('alter table public.%I add constraint %I check (role in (%L, %L)) not valid',
                   r.tablename, r.tablename || '_role_check', 'member', 'admin');
    execute format('alter table public.%I add constraint %I unique (team_id, user_id)',
                   r.tablename, r.tablename || '_team_user_key');
    execute format('alter table public.%I drop constraint %I', r.tablename, r.tablename || '_team_id_fkey');
    execute format('alter table public.%I add constraint %I foreign key (team_id) references public.teams (id) '
                   'on delete cascade deferrable initially deferred', r.tablename, r.tablename || '_team_id_fkey');
    execute format('create index %I on public.%I (team_id, lower(role)) where role <> %L',
                   r.tablename || '_team_role_idx', r.tablename, 'admin');
    execute format('drop index public.%I', r.tablename || '_legacy_idx');
    execute format('alter table public.%I drop column legacy', r.tablename);
    execute format('alter table public.%I alter column user_id set not null', r.tablename);
    execute format('alter table public.%I alter column nickname type varchar(40)', r.tablename);
    execute format('alter table public.%I alter column nickname set default %L', r.tablename, 'anon');
    execute format('create trigger %I before update of role on public.%I for each row '
                   'when (old.role is distinct from new.role) execute function public.touch()',
                   r.tablename || '_touch', r.tablename);
    execute format('comment on constraint %I on public.%I is %L', r.tablename || '_role_check', r.tablename, 'roles');
  end loop;
end $$;
"""


@pytest.mark.parametrize("later", [
    "drop table public.members;\n",
    "alter table public.members drop constraint members_role_check;\n",
    "alter table public.members drop constraint members_team_user_key;\n",
    "alter table public.members drop constraint members_team_id_fkey;\n",
    "drop index public.members_team_role_idx;\n",
    "drop trigger members_touch on public.members;\nalter table public.members drop column role;\n",
    "alter table public.members alter column nickname type text;\nalter table public.members alter column nickname drop default;\n",
    "alter table public.members alter column user_id drop not null;\n",
    "drop trigger members_touch on public.members;\n",
], ids=["drop-table", "drop-check", "drop-unique", "drop-fk", "drop-index", "drop-column", "alter-type",
        "drop-not-null", "drop-trigger"])
def test_structure_imported(pg_server, tmp_path, request, later):
    mig = _project(tmp_path, [TABLES, STRUCTURE_LOOP, later])
    assert generate(list_migrations(mig))[-1].manual_steps  # distrusted without the record
    entry = _learn(pg_server, mig)
    assert ("table", "public.members") in entry.imported, entry.not_imported
    (change,) = [c for c in entry.changes if c["ref"] == ["table", "public.members"]]
    s = change["structure"]
    assert [c["name"] for c in s["add columns"]] == ["role"] and s["drop columns"] == ["legacy"]
    assert s["add constraints"]["members_role_check"]["definition"].endswith("NOT VALID")
    assert set(s["add indexes"]) == {"members_team_role_idx"} and s["drop indexes"] == ["members_legacy_idx"]
    sql = _round_trip(pg_server, mig, request.node.name)
    if later.startswith("drop table"):
        assert "members_team_role_idx" in sql and "members_touch" in sql and "'roles'" in sql
        assert "legacy" not in sql


def test_structure_the_catalog_cannot_take_stays_distrusted(pg_server, tmp_path):
    serial = STRUCTURE_LOOP.replace("add column role text not null default %L', r.tablename, 'member')",
                                    "add column role text not null default %L', r.tablename, 'member');\n"
                                    "    execute format('alter table public.%I add column seq serial', r.tablename)")
    mig = _project(tmp_path, [TABLES, serial, "drop table public.members;\n"])
    entry = _learn(pg_server, mig)
    assert ("table", "public.members") not in entry.imported
    assert "sequence" in dict(entry.not_imported)["table public.members"]
    assert generate(list_migrations(mig))[-1].manual_steps


def test_a_renamed_column_is_imported_as_a_rename(pg_server, tmp_path, request):
    """A column renamed in place (not the last one: that is the same as dropping it and
    adding one, for the table's structure) is renamed in the catalog, its default follows;
    dropping the table later recreates it with the new name, exactly."""
    rename = """do $$
begin
  execute format('alter table public.%I rename column nickname to nick', 'members');
end $$;
"""
    mig = _project(tmp_path, [TABLES, rename, "drop table public.members;\n"])
    entry = _learn(pg_server, mig)
    assert ("table", "public.members") in entry.imported, entry.not_imported
    (change,) = [c for c in entry.changes if c["ref"] == ["table", "public.members"]]
    assert change["structure"]["rename columns"] == {"nickname": "nick"}
    sql = _round_trip(pg_server, mig, request.node.name)
    assert "nick character varying(20) DEFAULT 'x'" in sql or "nick varchar(20) DEFAULT 'x'" in sql, sql
