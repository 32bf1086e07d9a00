"""Round trips (real PostgreSQL): after a DO loop whose dynamic SQL the generator cannot
follow, rollbacks of objects the loop could not have touched are still generated, and exact."""

from __future__ import annotations

HISTORY = [
    """create schema app;
    create table public.items (id bigint primary key, updated_at timestamptz);
    create table app.logs (id bigint primary key, note text);
    create function public.touch() returns trigger language plpgsql as $$
    begin new.updated_at = now(); return new; end $$;
    create function app.stamp() returns timestamptz language sql security definer as 'select now()';""",
    """do $$
    declare
      f record;
      t record;
    begin
      for f in select p.oid::regprocedure as sig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
               where n.nspname = 'public' loop
        execute format('alter function %s set search_path = public', f.sig);
        execute format('revoke execute on function %s from public, anon', f.sig);
      end loop;
      for t in select tablename from pg_tables where schemaname = 'public' loop
        execute format('alter table public.%I enable row level security', t.tablename);
        execute format('create policy %I on public.%I for select to authenticated using (true)',
                       t.tablename || '_read', t.tablename);
      end loop;
    end $$;""",
]


def test_function_in_another_schema_is_restored_exactly(roundtrip) -> None:
    rb, sql = roundtrip(history=HISTORY, migration=(
        "create or replace function app.stamp() returns timestamptz language sql security definer "
        "as 'select clock_timestamp()';\n"
        "revoke execute on function app.stamp() from anon;"
    ))
    assert not rb.manual_steps
    assert "select now()" in sql


def test_function_created_after_the_loop_is_restored_exactly(roundtrip) -> None:
    rb, sql = roundtrip(history=[*HISTORY, (
        "create function public.later() returns int language sql as 'select 1';\n"
        "revoke execute on function public.later() from anon;")],
        migration=("create or replace function public.later() returns int language sql as 'select 2';\n"
                   "grant execute on function public.later() to anon;"))
    assert not rb.manual_steps
    assert "select 1" in sql


def test_table_in_another_schema_is_recreated_exactly(roundtrip) -> None:
    rb, sql = roundtrip(history=HISTORY, migration=(
        "alter table app.logs enable row level security;\n"
        "drop table app.logs;"
    ))
    assert not rb.manual_steps
    assert "CREATE TABLE app.logs" in sql


def test_touched_objects_are_left_to_a_person(roundtrip) -> None:
    rb, _ = roundtrip(history=HISTORY, migration=(
        "create or replace function public.touch() returns trigger language plpgsql as $$\n"
        "begin new.updated_at = clock_timestamp(); return new; end $$;\n"
        "drop table public.items;"
    ), expect_manual=True)
    reasons = [s.manual for s in rb.manual_steps]
    assert len(reasons) == 2 and all("DO block at" in r for r in reasons)


def test_a_block_moving_an_extension_leaves_tables_trusted(roundtrip) -> None:
    # whether the extension is in public is a question to the catalogs the history cannot
    # answer; either way the block moves the extension and nothing else
    rb, sql = roundtrip(history=[
        """create extension fuzzystrmatch with schema public;
        create table public.people (id bigint primary key, name text not null);
        alter table public.people enable row level security;
        create policy people_read on public.people for select to authenticated using (true);""",
        """do $$ begin
          create schema if not exists extensions;
          if exists (select 1 from pg_extension where extname = 'fuzzystrmatch'
                     and extnamespace = (select oid from pg_namespace where nspname = 'public')) then
            alter extension fuzzystrmatch set schema extensions;
          end if;
        end $$;""",
    ], migration="drop table public.people;")
    assert not rb.manual_steps
    assert "CREATE POLICY people_read" in sql
