"""Round trips (real PostgreSQL): event triggers, and rollbacks a project's event trigger runs on."""

from __future__ import annotations

import re

import psycopg
import pytest
from roundtrip import apply_migration, db_name, make_migrations, run_psql

from generator.engine import generate
from generator.render import render_sql
from generator.server import Server
from generator.snapshot import diff, snapshot
from generator.steps import Hazard

GUARD = """
create function public.refuse_drops() returns event_trigger language plpgsql as $fn$
begin
  if coalesce(current_setting('team.drops_ok', true), '') = 'yes' then return; end if;
  if tg_tag = 'DROP TABLE' or current_query() ~* 'drop\\s+column' then
    raise exception 'drops are switched off here' using hint = 'set team.drops_ok';
  end if;
end $fn$;
create event trigger refuse_drops_trg on ddl_command_start when tag in ('DROP TABLE', 'ALTER TABLE')
  execute function public.refuse_drops();
"""
AUDIT = """
create table public.drop_log (at timestamptz default now(), what text);
create function public.log_drops() returns event_trigger language plpgsql as $fn$
declare o record;
begin
  for o in select * from pg_event_trigger_dropped_objects() loop
    insert into public.drop_log (what) values (o.object_identity);
  end loop;
end $fn$;
"""
TABLE = "create table public.notes (id bigint primary key, body text);"


# -- the event triggers themselves ---------------------------------------------------------------


def test_create_event_trigger(roundtrip):
    rb, sql = roundtrip(history=[AUDIT], migration="create event trigger log_drops_trg on sql_drop"
                        " execute function public.log_drops();")
    assert "DROP EVENT TRIGGER log_drops_trg;" in sql


def test_drop_event_trigger_comes_back_as_it_was(roundtrip):
    roundtrip(
        history=[AUDIT, "create event trigger log_drops_trg on ddl_command_end when tag in ('create table', 'DROP VIEW')"
                 " execute procedure public.log_drops();"
                 " alter event trigger log_drops_trg enable replica;"
                 " comment on event trigger log_drops_trg is 'who dropped what';"],
        migration="drop event trigger if exists log_drops_trg;",
    )


def test_alter_event_trigger_state_rename_and_comment(roundtrip):
    roundtrip(
        history=[AUDIT, "create event trigger log_drops_trg on sql_drop execute function public.log_drops();"],
        migration="alter event trigger log_drops_trg disable; alter event trigger log_drops_trg rename to audit_trg;"
        " comment on event trigger audit_trg is 'audit';",
    )


def test_drop_function_cascade_takes_the_event_trigger_and_it_comes_back(roundtrip):
    rb, sql = roundtrip(
        history=[AUDIT, "create event trigger log_drops_trg on sql_drop execute function public.log_drops();"],
        migration="drop function public.log_drops() cascade;",
    )
    assert sql.index("CREATE EVENT TRIGGER log_drops_trg") > sql.index("FUNCTION public.log_drops()")


def test_event_trigger_made_in_a_do_block_guarded_by_pg_event_trigger(roundtrip):
    roundtrip(
        history=[AUDIT],
        migration="do $$ begin if not exists (select 1 from pg_event_trigger where evtname = 'log_drops_trg') then"
        " create event trigger log_drops_trg on sql_drop execute function public.log_drops(); end if; end $$;",
    )


# -- rollbacks the project's event triggers run on ------------------------------------------------


def test_an_audit_trigger_fires_on_the_rollback_which_still_runs(roundtrip):
    rb, sql = roundtrip(
        history=[AUDIT, "create event trigger log_drops_trg on sql_drop execute function public.log_drops();", TABLE],
        migration="alter table public.notes add column tag text;",
    )
    assert "-- hazard EVENT_TRIGGER: fires event trigger log_drops_trg" in sql
    assert not rb.manual_steps


def _resolve(sql: str) -> str:
    """Resolve MANUAL STEP 1 as its text asks: the block, DO line included, becomes its suggested SQL."""
    block = re.compile(r"-- MANUAL STEP 1: .*?\n-- Suggested SQL[^\n]*\n((?:-- [^\n]*\n)+)DO \$\$ BEGIN RAISE EXCEPTION "
                       r"'MANUAL STEP 1 not resolved[^\n]*\n", re.S)
    match = block.search(sql)
    assert match, sql
    suggested = "".join(line[3:] + "\n" for line in match.group(1).splitlines())
    return sql[: match.start()] + suggested + sql[match.end():]


def _drop_manual(sql: str) -> str:
    return re.sub(r"DO \$\$ BEGIN RAISE EXCEPTION 'MANUAL STEP 1 not resolved[^\n]*\n", "", sql)


def test_a_guard_stops_the_rollback_and_the_setting_it_reads_lets_it_through(pg_server: Server, request):
    """The guard refuses ALTER TABLE ... DROP COLUMN: the rollback is right, the guard stops it.

    The generated rollback says so in a manual step; run as that step suggests (the setting
    the guard checks, in the rollback's transaction) it restores the schema exactly.
    """
    history, migration = [GUARD, TABLE], "alter table public.notes add column tag text, add column seen boolean;"
    migs = make_migrations(history, migration, "20990101000000")
    rb = generate(migs, targets={"20990101000000"})[0]
    assert rb.steps[0].manual and rb.steps[0].sql == ["SET LOCAL team.drops_ok = 'yes';"]
    assert "event trigger refuse_drops_trg (20240101000000_history_0.sql:9)" in rb.steps[0].manual
    assert all(any(h.code is Hazard.EVENT_TRIGGER for h in s.hazards) for s in rb.steps[1:])
    sql = render_sql(rb)

    name = db_name(request.node.name)
    dsn = pg_server.baseline_database(name)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for m in migs[:-1]:
                apply_migration(conn, m)
            before = snapshot(conn)
            apply_migration(conn, migs[-1])
        unresolved = run_psql(pg_server, dsn, sql)
        assert unresolved.returncode and "MANUAL STEP 1 not resolved" in unresolved.stderr
        ignored = run_psql(pg_server, dsn, _drop_manual(sql))  # the step deleted: the guard refuses
        assert ignored.returncode and "drops are switched off here" in ignored.stderr
        resolved = run_psql(pg_server, dsn, _resolve(sql))
        assert resolved.returncode == 0, resolved.stderr
        with psycopg.connect(dsn, autocommit=True) as conn:
            d = diff(before, snapshot(conn))
            assert d.ok(), str(d)
            setting = conn.execute("select coalesce(current_setting('team.drops_ok', true), '')").fetchone()
            assert setting == ("",)  # SET LOCAL: nothing stays set after the rollback
    finally:
        pg_server.drop_database(name)


@pytest.mark.parametrize("migration", [
    "create index notes_body_idx on public.notes (body);",  # DROP INDEX: not a tag the guard watches
    "alter event trigger refuse_drops_trg disable; alter table public.notes add column tag text;",
])
def test_rollbacks_the_guard_does_not_watch_run_as_they_are(roundtrip, migration):
    rb, sql = roundtrip(history=[GUARD, TABLE], migration=migration)
    assert not rb.manual_steps
