"""Round trips on a real server: DO blocks, pg_cron jobs, NOTIFY and the idioms real Supabase
migrations use to be re-runnable."""

import psycopg
import pytest
from roundtrip import apply_migration, make_migrations, run_psql

from generator.engine import generate
from generator.render import render_sql

TABLE = "create table public.t (id bigint primary key, e text);"
TYPE = "create type public.mood as enum ('a', 'b');"


def test_guarded_create_type_absent(roundtrip):
    rb, sql = roundtrip(history=[TABLE], migration="""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
            CREATE TYPE public.mood AS ENUM ('a', 'b');
          END IF;
        END $$;
        alter table public.t add column m public.mood;""")
    assert "DROP TYPE public.mood;" in sql


def test_guarded_create_type_present(roundtrip):
    rb, sql = roundtrip(history=[TYPE], migration="""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                         WHERE t.typname = 'mood' AND n.nspname = 'public') THEN
            CREATE TYPE public.mood AS ENUM ('x');
          END IF;
        END $$;
        create table public.uses_mood (m public.mood);""")
    assert "DROP TYPE" not in sql


def test_duplicate_object_exception_blocks(roundtrip):
    rb, sql = roundtrip(history=[TABLE, TYPE], migration="""
        DO $$ BEGIN
          CREATE TYPE public.mood AS ENUM ('z');
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $$;
        DO $$ BEGIN
          CREATE TYPE public.size AS ENUM ('s', 'm', 'l');
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $$;
        DO $$ BEGIN
          ALTER TABLE public.t ADD COLUMN e text;
        EXCEPTION WHEN duplicate_column THEN RAISE NOTICE 'column e exists';
        END $$;
        DO $$ BEGIN
          ALTER TABLE public.t ADD COLUMN size public.size;
        EXCEPTION WHEN duplicate_column THEN NULL;
        END $$;
        DO $$ BEGIN
          ALTER TABLE public.t ADD CONSTRAINT t_self_fk FOREIGN KEY (id) REFERENCES public.t (id);
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $$;""")
    assert "DROP TYPE public.size;" in sql and "DROP TYPE public.mood" not in sql
    assert "DROP COLUMN size" in sql and "DROP COLUMN e" not in sql


def test_policies_constraints_triggers_guarded(roundtrip):
    history = [TABLE + """
        create policy "read all" on public.t for select using (true);
        create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;"""]
    rb, sql = roundtrip(history=history, migration="""
        do $$
        begin
          if not exists (select 1 from pg_policies where schemaname = 'public' and tablename = 't'
                         and policyname = 'read all') then
            create policy "read all" on public.t for select using (false);
          end if;
          if not exists (select 1 from pg_policies where schemaname = 'public' and tablename = 't'
                         and policyname = 'write own') then
            create policy "write own" on public.t for insert to authenticated with check (true);
          end if;
          if not exists (select 1 from pg_constraint where conname = 't_e_key') then
            alter table public.t add constraint t_e_key unique (e);
          end if;
          if not exists (select 1 from pg_trigger where tgname = 't_touch' and tgrelid = 'public.t'::regclass) then
            create trigger t_touch before update on public.t for each row execute function public.touch();
          end if;
          if not exists (select 1 from information_schema.columns where table_schema = 'public'
                         and table_name = 't' and column_name = 'note') then
            execute 'alter table public.t add column note text';
          end if;
          raise notice 'done';
        end $$;""")
    assert 'DROP POLICY "write own"' in sql and 'DROP POLICY "read all"' not in sql
    assert "DROP CONSTRAINT t_e_key" in sql and "DROP TRIGGER t_touch" in sql and "DROP COLUMN note" in sql


def test_guarded_create_role(roundtrip, pg_server):
    role = "rw_guarded_role"
    with pg_server.connect() as conn:  # roles are cluster-wide: start from a clean slate
        conn.execute(f"DROP ROLE IF EXISTS {role}")
    rb, sql = roundtrip(history=[TABLE], migration=f"""
        do $$ begin
          if not exists (select 1 from pg_roles where rolname = 'anon') then
            create role anon nologin;
          end if;
        end $$;
        grant select on public.t to anon;""")
    assert "CREATE ROLE" not in sql and "DROP ROLE" not in sql


def test_guarded_create_role_absent(roundtrip, pg_server):
    role = "rw_guarded_new_role"
    with pg_server.connect() as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
    try:
        rb, sql = roundtrip(history=[TABLE], migration=f"""
            do $$ begin
              if not exists (select from pg_catalog.pg_roles where rolname = '{role}') then
                create role {role} nologin;
              end if;
            end $$;
            grant select on public.t to {role};""")
        assert f"DROP ROLE {role};" in sql
    finally:
        with pg_server.connect() as conn:
            conn.execute(f"DROP OWNED BY {role}" if conn.execute(
                "select 1 from pg_roles where rolname = %s", (role,)).fetchone() else "select 1")
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_publication_membership_guarded(roundtrip):
    rb, sql = roundtrip(history=[TABLE], migration="""
        do $$ begin
          if not exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime'
                         and schemaname = 'public' and tablename = 't') then
            alter publication supabase_realtime add table public.t;
          end if;
        end $$;""")
    assert "ALTER PUBLICATION supabase_realtime DROP TABLE public.t;" in sql


def test_publication_membership_exception_block(roundtrip):
    rb, sql = roundtrip(history=[TABLE + "create table public.u (id int primary key);"
                                 "alter publication supabase_realtime add table public.u;"], migration="""
        do $$ begin
          alter publication supabase_realtime add table public.t;
        exception when duplicate_object then null; end $$;
        do $$ begin
          alter publication supabase_realtime add table public.u;
        exception when duplicate_object then raise notice 'already published'; end $$;""")
    assert "DROP TABLE public.t;" in sql and "public.u" not in sql


def test_raise_only_block_and_assertion(roundtrip):
    rb, sql = roundtrip(history=[TABLE], migration="""
        do $$ begin
          if not exists (select 1 from pg_proc where proname = 'gen_random_uuid') then
            raise exception 'gen_random_uuid() is required';
          end if;
          raise notice 'all good';
        end $$;
        alter table public.t add column flag boolean default false;""")
    assert rb.steps and all(not s.manual for s in rb.steps)


def test_loop_block_is_manual_and_names_its_work(roundtrip):
    rb, sql = roundtrip(history=[TABLE], expect_manual=True, migration="""
        do $$ declare r record; begin
          for r in select tablename from pg_tables where schemaname = 'public' loop
            execute format('alter table public.%I enable row level security', r.tablename);
          end loop;
        end $$;""")
    (step,) = rb.manual_steps
    assert "FOR loop" in step.manual and "enable row level security" in step.manual


# -- pg_cron: a stand-in with pg_cron's interface (the test server has no pg_cron) -------------

CRON_STANDIN = """
create schema cron;
create table cron.job (jobid bigserial primary key, schedule text not null, command text not null,
                       jobname text unique);
create function cron.schedule(job_name text, schedule text, command text) returns bigint
language sql as $$
  insert into cron.job (jobname, schedule, command) values (job_name, schedule, command)
  on conflict (jobname) do update set schedule = excluded.schedule, command = excluded.command
  returning jobid $$;
create function cron.unschedule(job_name text) returns boolean
language plpgsql as $$ begin
  delete from cron.job where jobname = job_name;
  if not found then raise exception 'could not find valid entry for job ''%''', job_name; end if;
  return true;
end $$;
"""


def _cron_roundtrip(pg_server, name: str, history: list[str], migration: str):
    """Apply history, migration and rollback; return cron.job rows before, after, after rollback."""
    migs = make_migrations(history, migration, "20990101000000")
    rb = generate(migs, targets={"20990101000000"})[0]
    assert not rb.manual_steps, [s.manual for s in rb.manual_steps]
    sql = render_sql(rb)
    dsn = pg_server.baseline_database(name)
    q = "select jobname, schedule, command from cron.job order by jobname"
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(CRON_STANDIN)
            for m in migs[:-1]:
                apply_migration(conn, m)
            before = conn.execute(q).fetchall()
            apply_migration(conn, migs[-1])
            after = conn.execute(q).fetchall()
        res = run_psql(pg_server, dsn, sql)
        assert res.returncode == 0, res.stderr + "\n" + sql
        with psycopg.connect(dsn, autocommit=True) as conn:
            rolled = conn.execute(q).fetchall()
    finally:
        pg_server.drop_database(name)
    return before, after, rolled, sql


def test_cron_schedule_new_job_is_unscheduled(pg_server):
    before, after, rolled, sql = _cron_roundtrip(
        pg_server, "rt_cron_new", [],
        "select cron.schedule('nightly-cleanup', '0 3 * * *', $$delete from public.logs where at < now() - interval '7 days'$$);",
    )
    assert before == [] and len(after) == 1 and rolled == []
    assert "SELECT cron.unschedule('nightly-cleanup');" in sql


def test_cron_reschedule_restores_the_previous_job(pg_server):
    before, after, rolled, sql = _cron_roundtrip(
        pg_server, "rt_cron_re",
        ["select cron.schedule('vacuum-it', '0 1 * * *', 'vacuum analyze');"],
        "select cron.schedule('vacuum-it', '0 4 * * 0', 'vacuum');",
    )
    assert before == [("vacuum-it", "0 1 * * *", "vacuum analyze")] and after != before and rolled == before


def test_cron_unschedule_of_known_job_schedules_it_again(pg_server):
    before, after, rolled, sql = _cron_roundtrip(
        pg_server, "rt_cron_un",
        ["select cron.schedule('ping', '*/5 * * * *', $$select 'it''s alive'$$);"],
        "select cron.unschedule('ping');",
    )
    assert after == [] and rolled == before == [("ping", "*/5 * * * *", "select 'it''s alive'")]


def test_cron_inside_do_block(pg_server):
    before, after, rolled, sql = _cron_roundtrip(
        pg_server, "rt_cron_do", [],
        "do $$ begin perform cron.schedule('from-do', '@daily', 'select 1'); end $$;",
    )
    assert len(after) == 1 and rolled == []


def test_cron_unschedule_of_unknown_job_is_manual(roundtrip):
    rb, sql = roundtrip(history=[CRON_STANDIN + "insert into cron.job (jobname, schedule, command) values ('x', '@daily', 'select 1');"],
                        migration="select cron.unschedule('x');", expect_manual=True)
    assert "schedule it again by hand" in rb.manual_steps[0].manual


def test_notify_pgrst_is_repeated(roundtrip):
    rb, sql = roundtrip(history=[TABLE], migration="alter table public.t add column z int;\nnotify pgrst, 'reload schema';")
    assert rb.notify_pgrst and "NOTIFY pgrst" in sql
    rb, sql = roundtrip(history=[TABLE], migration="alter table public.t add column z int;\nselect pg_notify('pgrst', 'reload schema');")
    assert rb.notify_pgrst and "NOTIFY pgrst" in sql


@pytest.mark.parametrize("migration", [
    "begin;\ncreate table public.a (id int);\ncommit;",
    "BEGIN;\nSET LOCAL search_path = '';\nCREATE TABLE public.b (id int);\nSAVEPOINT s1;\nRELEASE SAVEPOINT s1;\nCOMMIT;",
    "start transaction;\nselect set_config('search_path', 'public', true);\ncreate table c (id int);\ncommit;",
])
def test_files_with_their_own_transaction(roundtrip, migration):
    rb, sql = roundtrip(history=[], migration=migration)
    assert sql.count("\nBEGIN;") == 1 and sql.count("\nCOMMIT;") == 1
