"""Consecutive ``ALTER TYPE ... ADD VALUE`` statements on one enum (generator/handlers/types.py).

tutur3u adds 1,407 icons to an enum, one statement each. Undone one value at a time, the
rollback rebuilt the enum 1,407 times, each time converting every column and recreating
every view and policy over it: 32,000 lines that ran out of lock slots on the server
("out of shared memory"). A run of ADD VALUE on one enum is undone by one rebuild without
all of its values; any other statement in between ends the run."""

from __future__ import annotations

from roundtrip import run_psql
from test_preflight import _migrated, _rollback, _run_ok

from generator.render import render_sql

HISTORY = [
    "create type public.icon as enum ('star', 'moon');",
    "create table public.boards (id bigint primary key, icon public.icon not null default 'star',"
    " extra public.icon[] not null default '{}');",
    "create view public.board_icons as select id, icon from public.boards;",
    "alter table public.boards enable row level security;",
    "create policy boards_stars on public.boards for select using (icon <> 'moon');",
]
ADDS = """
alter type public.icon add value if not exists 'sun';
alter type public.icon add value 'cloud' before 'moon';
alter type public.icon add value if not exists 'star';
alter type public.icon add value 'rain' after 'sun';
"""


def _rebuilds(rb) -> list[str]:
    return [s.title for s in rb.steps if s.title.startswith("Rebuild ")]


def test_a_run_of_added_values_is_undone_by_one_rebuild():
    _, rb = _rollback(HISTORY, ADDS)
    assert _rebuilds(rb) == ["Rebuild public.icon without the values 'sun', 'cloud', 'rain'"]
    assert [s for stmt, s in rb.by_statement if s][0][0].source.endswith(":5")  # on the last statement of the run


def test_another_statement_ends_the_run():
    _, rb = _rollback(HISTORY, "alter type public.icon add value 'sun';\n"
                      "comment on type public.icon is 'icons';\n"
                      "alter type public.icon add value 'rain';\n")
    assert _rebuilds(rb) == ["Rebuild public.icon without the value 'rain'", "Rebuild public.icon without the value 'sun'"]


def test_roundtrip_a_run_of_added_values(roundtrip):
    roundtrip(history=HISTORY, migration=ADDS)


def test_a_row_holding_any_value_of_the_run_stops_the_rollback(pg_db):
    rb = _migrated(pg_db, HISTORY, ADDS)
    with pg_db.connect() as conn:
        conn.execute("insert into public.boards values (1, 'star', '{moon,rain}')")
    res = run_psql(pg_db.server, pg_db.conninfo, render_sql(rb))
    assert res.returncode != 0
    assert "enum values of public.icon the rollback removes ('sun'...) are still used by 1 rows of public.boards.extra" \
        in res.stderr
    with pg_db.connect() as conn:
        conn.execute("update public.boards set extra = '{}'")
    _run_ok(pg_db, rb)
