"""Session statements (SET, transactions, NOTIFY, SELECT calls) and pg_cron jobs (unit tests)."""

from pathlib import Path

import pytest

from generator.engine import generate
from generator.parse import Migration


def _rbs(*texts: str):
    ms = [Migration(str(i + 1), f"m{i}", Path(f"m{i}.sql"), t) for i, t in enumerate(texts)]
    return generate(ms)


def _last(*texts: str):
    return _rbs(*texts)[-1]


@pytest.mark.parametrize("sql", [
    "SET statement_timeout = 0;", "SET lock_timeout = 0;", "SET client_encoding = 'UTF8';",
    "SET standard_conforming_strings = on;", "SET check_function_bodies = false;", "SET xmloption = content;",
    "SET client_min_messages = warning;", "SET row_security = off;", "SET default_tablespace = '';",
    'SET default_table_access_method = "heap";', "RESET ALL;", "SET idle_in_transaction_session_timeout = 0;",
    "BEGIN;", "START TRANSACTION;", "COMMIT;", "SAVEPOINT a; RELEASE SAVEPOINT a;", "SET ROLE postgres;", "RESET ROLE;",
    "SELECT pg_catalog.set_config('search_path', '', false);", "SELECT 1;", "NOTIFY pgrst, 'reload schema';",
    "NOTIFY other_channel;", "SELECT pg_notify('pgrst', 'reload config');",
])
def test_inert_session_statements(sql):
    assert _last(sql).steps == []


def test_empty_search_path_from_set_config_is_honoured():
    rb = _last("SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.t (id int);")
    assert rb.steps[0].sql == ["DROP TABLE public.t;"]


def test_reset_all_restores_the_default_search_path():
    rb = _last("create schema app;", "set search_path = app; create table a (id int); reset all; create table b (id int);")
    assert [s.sql[0] for s in rb.steps] == ["DROP TABLE public.b;", "DROP TABLE app.a;"]


@pytest.mark.parametrize("sql", ["ROLLBACK;", "BEGIN; ROLLBACK TO SAVEPOINT x;", "ABORT;", "PREPARE TRANSACTION 'x';"])
def test_statements_that_undo_the_files_own_work_are_manual(sql):
    rb = _last(sql)
    assert rb.manual_steps and "undoes or defers" in rb.manual_steps[0].manual


def test_set_role_to_another_role_is_manual():
    rb = _last("SET ROLE supabase_admin;")
    assert rb.manual_steps and "supabase_admin" in rb.manual_steps[0].manual


def test_notify_flags():
    assert _last("NOTIFY pgrst, 'reload schema';").notify_pgrst
    assert _last("select pg_notify('pgrst', 'reload schema');").notify_pgrst
    assert not _last("NOTIFY other;").notify_pgrst


def test_select_of_unknown_function_is_manual():
    rb = _last("select public.do_things();")
    assert rb.manual_steps and "do_things" in rb.manual_steps[0].manual
    rb = _last("select count(*) from public.items;")  # not a table the history made
    assert rb.manual_steps


def _after(*sql: str):
    from pathlib import Path

    from generator.engine import baseline_catalog, replay
    from generator.parse import Migration

    cat = baseline_catalog()
    return [replay(Migration(str(i), f"m{i}", Path(f"{i}_m.sql"), text), cat) for i, text in enumerate(sql, 1)]


_TABLES = "create table public.tasks (id int primary key);\ncreate table public.notes (id int primary key);"
_LOOK = ("select c.relname, t.tgname, pg_get_triggerdef(t.oid) from pg_trigger t "
         "join pg_class c on t.tgrelid = c.oid join pg_namespace n on c.relnamespace = n.oid "
         "where n.nspname = 'public' and c.relname in ('tasks', 'notes') and not t.tgisinternal;")


def test_a_select_that_only_reads_is_inert_and_distrusts_nothing() -> None:
    # a migration that ends by showing what it did, naming its tables in strings
    _, look, drop = _after(_TABLES, _LOOK + "\nselect count(*) from public.tasks;\n"
                           "with n as (select id from public.notes) select max(id) from n;",
                           "drop table public.tasks;")
    assert not look.steps
    assert not drop.manual_steps and "CREATE TABLE public.tasks" in drop.steps[0].sql[0]


@pytest.mark.parametrize("sql", [
    "select id into public.copy from public.tasks;",  # creates a table
    "select id from public.tasks for update;",  # locks rows
    "with d as (delete from public.notes returning id) select count(*) from d;",
    "select public.count(id) from public.tasks;",  # not pg_catalog's
    "select lo_import('/etc/hosts') from public.tasks;",  # not known to only read
    "select count(*) from public.tasks_v;",  # a view may call anything
    "select count(*) from public.elsewhere;",  # not a table the history made
    "select count(*) from public.forced;",  # a forced policy may call anything
])
def test_a_select_that_may_do_more_than_read_stays_manual(sql: str) -> None:
    history = (_TABLES + "\ncreate view public.tasks_v as select * from public.tasks;"
               "\ncreate table public.forced (id int);\nalter table public.forced force row level security;")
    assert _after(history, sql)[1].manual_steps


def test_a_project_function_named_like_a_built_in_is_not_trusted() -> None:
    history = _TABLES + "\ncreate function public.lower(x int) returns int language sql as 'select x';"
    assert _after(history, "select lower(id) from public.tasks;")[1].manual_steps


# -- pg_cron -------------------------------------------------------------------------------------


def test_schedule_new_job_unschedules_it():
    rb = _last("select cron.schedule('nightly', '0 3 * * *', $$vacuum$$);")
    assert [s.sql for s in rb.steps] == [["SELECT cron.unschedule('nightly');"]]


def test_reschedule_restores_the_previous_definition():
    rb = _last("select cron.schedule('nightly', '0 3 * * *', 'vacuum');",
               "select cron.schedule('nightly', '0 4 * * *', $$delete from public.logs where note = 'it''s'$$);")
    assert rb.steps[0].sql == ["SELECT cron.schedule('nightly', '0 3 * * *', 'vacuum');"]


def test_unschedule_known_and_unknown_jobs():
    rb = _last("select cron.schedule('j', '@daily', 'select 1');", "select cron.unschedule('j');")
    assert rb.steps[0].sql == ["SELECT cron.schedule('j', '@daily', 'select 1');"]
    rb = _last("select cron.unschedule('never-seen');")
    assert rb.manual_steps and "never-seen" in rb.manual_steps[0].manual


def test_named_arguments_and_multiple_calls():
    rb = _last("select cron.schedule(job_name := 'a', schedule := '@hourly', command := 'select 1'), "
               "cron.schedule('b', '@daily', 'select 2');")
    assert [s.sql[0] for s in rb.steps] == ["SELECT cron.unschedule('b');", "SELECT cron.unschedule('a');"]


@pytest.mark.parametrize("sql", [
    "select cron.schedule('@daily', 'select 1');",  # unnamed: id known at run time only
    "select cron.unschedule(42);",
    "select cron.alter_job(1, schedule := '@hourly');",
    "select cron.schedule_in_database('j', '@daily', 'select 1', 'other');",
    "select cron.schedule('j', '@daily', format('select %s', 1));",
])
def test_cron_forms_that_stay_manual(sql):
    assert _last(sql).manual_steps


def test_jobs_survive_from_migration_to_migration_and_do_blocks():
    rbs = _rbs("do $$ begin perform cron.schedule('x', '@daily', 'select 1'); end $$;",
               "select cron.unschedule('x');")
    assert rbs[0].steps[0].sql == ["SELECT cron.unschedule('x');"]
    assert rbs[1].steps[0].sql == ["SELECT cron.schedule('x', '@daily', 'select 1');"]


def test_a_select_with_unknown_effects_distrusts_the_tables_it_names() -> None:
    # audit.enable_tracking('public.t'::regclass) adds triggers to t: a later DROP TABLE t
    # must not be undone by recreating t without them, silently
    from pathlib import Path

    from generator.engine import baseline_catalog, replay
    from generator.parse import Migration

    cat = baseline_catalog()
    replay(Migration("1", "t", Path("1_t.sql"), "create table public.t (id int primary key);\n"
                                                  "create table public.u (id int primary key);"), cat)
    rb = replay(Migration("2", "audit", Path("2_audit.sql"),
                          "select audit.enable_tracking('public.t'::regclass);"), cat)
    assert rb.manual_steps
    rb = replay(Migration("3", "drop", Path("3_drop.sql"), "drop table public.t;\ndrop table public.u;"), cat)
    [manual] = rb.manual_steps
    assert "table public.t " in manual.manual and "2_audit.sql:1" in manual.manual
    assert any("CREATE TABLE public.u" in sql for s in rb.steps for sql in s.sql if not s.manual)


def test_if_exists_drops_on_a_distrusted_table_are_manual() -> None:
    # what the unknown call added (a trigger, a constraint) is not in the catalog: dropping it
    # `if exists` may have dropped something, so the rollback cannot say "nothing to undo"
    from pathlib import Path

    from generator.engine import baseline_catalog, replay
    from generator.parse import Migration

    cat = baseline_catalog()
    replay(Migration("1", "t", Path("1_t.sql"), "create table public.t (id int primary key, body text);\n"
                                                  "select audit.enable_tracking('public.t'::regclass);"), cat)
    rb = replay(Migration("2", "m", Path("2_m.sql"),
                          "drop trigger if exists audit_i_u_d on public.t;\n"
                          "alter table public.t drop constraint if exists body_len_check;"), cat)
    assert len(rb.manual_steps) == 2
    assert all("1_t.sql:2" in s.manual and "may have" in s.manual for s in rb.manual_steps)
    rb = replay(Migration("3", "m", Path("3_m.sql"), "create table public.u (id int primary key);\n"
                                                      "drop trigger if exists x on public.u;\n"
                                                      "alter table public.u drop constraint if exists c;"), cat)
    assert not rb.manual_steps  # a table nothing unknown touched: nothing to undo
