"""Unit tests: event triggers in the catalog, and the rollbacks they run on (generator/event_guards.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pglast import parse_sql

from generator.engine import generate
from generator.event_guards import ANY, command_tag
from generator.parse import Migration
from generator.render import render_sql
from generator.steps import Hazard

# A team's guard: DROP TABLE and ALTER TABLE ... DROP COLUMN need a setting on.
GUARD_FN = """
create function public.refuse_drops() returns event_trigger language plpgsql as $fn$
begin
  if coalesce(current_setting('team.drops_ok', true), '') = 'yes' then return; end if;
  if tg_tag = 'DROP TABLE' or current_query() ~* 'drop\\s+column' then
    raise exception 'drops are switched off here' using hint = 'set team.drops_ok';
  end if;
end $fn$;
"""
GUARD = GUARD_FN + """
create event trigger refuse_drops_trg on ddl_command_start when tag in ('drop table', 'ALTER TABLE')
  execute function public.refuse_drops();
"""
# An audit log: records drops, never refuses.
AUDIT = """
create table public.drop_log (at timestamptz default now(), what text);
create function public.log_drops() returns event_trigger language plpgsql as $fn$
declare o record;
begin
  for o in select * from pg_event_trigger_dropped_objects() loop
    insert into public.drop_log (what) values (o.object_identity);
  end loop;
end $fn$;
create event trigger log_drops_trg on sql_drop execute function public.log_drops();
"""
TABLE = "create table public.notes (id bigint primary key, body text);"


def _migrations(*texts: str) -> list[Migration]:
    out = []
    for i, text in enumerate(texts):
        v = str(20240101000000 + i)
        out.append(Migration(v, f"m{i}", Path(f"supabase/migrations/{v}_m{i}.sql"), text))
    return out


def _rollback(*texts: str):
    migs = _migrations(*texts)
    rb = generate(migs, targets={migs[-1].version})[0]
    return rb, migs


def _sql(rb) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


def _event_hazards(step) -> list[str]:
    return [h.reason for h in step.hazards if h.code is Hazard.EVENT_TRIGGER]


# -- the catalog ---------------------------------------------------------------------------------


def test_create_event_trigger_is_tracked_and_dropped_back():
    rb, migs = _rollback(GUARD_FN, "create event trigger refuse_drops_trg on ddl_command_start"
                         " when tag in ('drop table', 'ALTER TABLE') execute function refuse_drops();")
    assert _sql(rb) == ["DROP EVENT TRIGGER refuse_drops_trg;"]
    assert not rb.manual_steps


def test_drop_event_trigger_comes_back_with_tags_state_and_comment():
    rb, _ = _rollback(GUARD, "alter event trigger refuse_drops_trg enable always;"
                      " comment on event trigger refuse_drops_trg is 'keeps tables';",
                      "drop event trigger if exists refuse_drops_trg;")
    assert _sql(rb) == [
        "CREATE EVENT TRIGGER refuse_drops_trg ON ddl_command_start WHEN TAG IN ('DROP TABLE', 'ALTER TABLE') "
        "EXECUTE FUNCTION public.refuse_drops();",
        "ALTER EVENT TRIGGER refuse_drops_trg ENABLE ALWAYS;",
        "COMMENT ON EVENT TRIGGER refuse_drops_trg IS 'keeps tables';",
    ]


def test_drop_if_exists_of_an_unknown_event_trigger_is_nothing_without_it_manual():
    rb, _ = _rollback("drop event trigger if exists never_made;")
    assert rb.steps == []
    rb, _ = _rollback("drop event trigger never_made;")
    assert rb.manual_steps and "not known from earlier migrations" in rb.manual_steps[0].manual


def test_alter_event_trigger_state_and_rename_go_back():
    rb, _ = _rollback(GUARD, "alter event trigger refuse_drops_trg disable;"
                      " alter event trigger refuse_drops_trg rename to guard_trg;")
    assert _sql(rb) == ["ALTER EVENT TRIGGER guard_trg RENAME TO refuse_drops_trg;",
                        "ALTER EVENT TRIGGER refuse_drops_trg ENABLE;"]


def test_drop_function_cascade_brings_its_event_trigger_back_after_it():
    rb, _ = _rollback(GUARD, "drop function public.refuse_drops() cascade;")
    sql = _sql(rb)
    assert sql[0].startswith("CREATE OR REPLACE FUNCTION public.refuse_drops() RETURNS event_trigger")
    assert sql[-1].startswith("CREATE EVENT TRIGGER refuse_drops_trg ON ddl_command_start")


def test_renamed_function_keeps_its_event_trigger():
    rb, _ = _rollback(GUARD, "alter function public.refuse_drops() rename to guard_fn;",
                      "drop event trigger refuse_drops_trg;")
    assert _sql(rb)[0].endswith("EXECUTE FUNCTION public.guard_fn();")


@pytest.mark.parametrize(("sql", "tag"), [
    ("alter table t drop column c", "ALTER TABLE"),
    ("alter view v rename to w", "ALTER VIEW"),
    ("alter table t rename column a to b", "ALTER TABLE"),
    ("drop table t", "DROP TABLE"),
    ("drop materialized view m", "DROP MATERIALIZED VIEW"),
    ("create index i on t (a)", "CREATE INDEX"),
    ("create or replace function f() returns int language sql as 'select 1'", "CREATE FUNCTION"),
    ("create table b as table t", "CREATE TABLE AS"),
    ("comment on table t is 'x'", "COMMENT"),
    ("revoke select on t from anon", "REVOKE"),
    ("alter type e rename value 'a' to 'b'", "ALTER TYPE"),
    ("delete from t", None),
    ("set local search_path to public", None),
    ("grant anon to authenticated", None),
    ("drop event trigger e", None),
    ("do $$ begin perform 1; end $$", None),
    ("do $$ begin execute 'drop table t'; end $$", ANY),
])
def test_command_tags(sql, tag):
    assert command_tag(parse_sql(sql)[0].stmt) == tag


# -- rollbacks the project's event triggers run on --------------------------------------------------


def test_a_guard_that_raises_makes_a_manual_step_first_naming_it_and_its_setting():
    rb, _ = _rollback(GUARD, TABLE, "alter table public.notes add column tag text;"
                      " create index notes_body_idx on public.notes (body);")
    first = rb.steps[0]
    assert first.manual
    assert "event trigger refuse_drops_trg (20240101000000_m0.sql:10)" in first.manual
    assert "runs public.refuse_drops() on ddl_command_start for DROP TABLE, ALTER TABLE" in first.manual
    assert "its function public.refuse_drops() raises errors" in first.manual
    assert "may refuse or change step 3 of this rollback" in first.manual
    assert "team.drops_ok" in first.manual
    assert first.sql == ["SET LOCAL team.drops_ok = 'yes';"]
    drop_index, drop_column = rb.steps[1], rb.steps[2]
    assert _event_hazards(drop_index) == []  # DROP INDEX: not a tag the guard listens to
    assert _event_hazards(drop_column) == [
        "fires event trigger refuse_drops_trg (20240101000000_m0.sql:10) on ddl_command_start, "
        "which runs public.refuse_drops()"
    ]
    assert "-- SET LOCAL team.drops_ok = 'yes';" in render_sql(rb)


def test_an_audit_trigger_that_never_raises_is_a_hazard_only():
    rb, _ = _rollback(AUDIT, TABLE, "alter table public.notes add column tag text;")
    assert not rb.manual_steps
    assert _event_hazards(rb.steps[0]) == [
        "fires event trigger log_drops_trg (20240101000000_m0.sql:10) on sql_drop, which runs public.log_drops()"
    ]
    assert rb.risk == "HIGH"  # (dropping the column: the hazard itself does not raise the level)
    rb, _ = _rollback(AUDIT, "create table public.tags (id int);", "comment on table public.tags is 'x';")
    assert not any(_event_hazards(s) for s in rb.steps)  # COMMENT drops nothing


def test_disabled_or_replica_only_triggers_do_not_fire():
    for state in ("disable", "enable replica"):
        rb, _ = _rollback(GUARD, f"alter event trigger refuse_drops_trg {state};", TABLE,
                          "alter table public.notes add column tag text;")
        assert not rb.manual_steps
        assert not any(_event_hazards(s) for s in rb.steps)


def test_the_rollback_that_drops_the_guard_is_not_stopped_by_it_after():
    """The guard's own migration: its rollback drops the trigger before anything it would refuse."""
    rb, _ = _rollback(TABLE, GUARD_FN + " alter table public.notes add column tag text;"
                      " create event trigger refuse_drops_trg on ddl_command_start execute function public.refuse_drops();")
    assert not rb.manual_steps
    rb, _ = _rollback(TABLE, GUARD + " alter table public.notes add column tag text;")
    assert rb.steps[0].manual  # the column is dropped while the trigger is still there


def test_a_rollback_that_recreates_a_dropped_guard_is_flagged_for_the_steps_after():
    rb, _ = _rollback(GUARD, TABLE, "alter table public.notes add column tag text;"
                      " drop event trigger refuse_drops_trg;")
    assert "raises errors: it may refuse or change step 3 of this rollback" in rb.steps[0].manual
    assert rb.steps[1].title.startswith("Recreate event trigger")
    assert _event_hazards(rb.steps[2]) == [
        "fires event trigger refuse_drops_trg (recreated by this rollback) on ddl_command_start, "
        "which runs public.refuse_drops()"
    ]


def test_a_guard_whose_function_raises_nothing_is_a_hazard_only():
    quiet = GUARD.replace("raise exception 'drops are switched off here' using hint = 'set team.drops_ok';", "null;")
    rb, _ = _rollback(quiet, TABLE, "alter table public.notes add column tag text;")
    assert not rb.manual_steps
    assert _event_hazards(rb.steps[0])


EVERY_FUNCTION = ("do $$ declare r record; begin for r in select p.oid::regprocedure as f from pg_proc p"
                  " where p.pronamespace = 'public'::regnamespace loop"
                  " execute format('alter function %s owner to postgres', r.f); end loop; end $$;")


def test_a_function_a_do_block_may_have_changed_is_judged_by_its_last_known_text():
    rb, _ = _rollback(GUARD, EVERY_FUNCTION, TABLE, "alter table public.notes add column tag text;")
    assert ("its function public.refuse_drops() raises errors (as last known: DO block at 20240101000001_m1.sql:1 "
            "may have changed it since)") in rb.steps[0].manual
    assert rb.steps[0].sql == ["SET LOCAL team.drops_ok = 'yes';"]
    rb, _ = _rollback(AUDIT, EVERY_FUNCTION, TABLE, "alter table public.notes add column tag text;")
    assert not rb.manual_steps and _event_hazards(rb.steps[0])


def test_a_guard_whose_function_is_unknown_or_not_plpgsql_may_refuse():
    made_opaquely = ("do $$ begin execute format('create function public.%I() returns event_trigger language plpgsql"
                     " as %L', 'opaque_guard', 'begin end'); end $$;"
                     " create event trigger opaque_trg on ddl_command_start execute function public.opaque_guard();")
    rb, _ = _rollback(made_opaquely, TABLE, "alter table public.notes add column tag text;")
    assert "its function public.opaque_guard() is not known from the migrations" in rb.steps[0].manual
    c_fn = GUARD_FN.replace("language plpgsql", "language c")  # (what it does is not readable)
    rb, _ = _rollback(c_fn + " create event trigger t on sql_drop execute function public.refuse_drops();",
                      TABLE, "alter table public.notes add column tag text;")
    assert "is not PL/pgSQL" in rb.steps[0].manual
