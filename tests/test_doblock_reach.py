"""DO blocks running SQL built at run time: what they may have changed is distrusted by
kind and scope, so later rollbacks of those objects are manual steps naming the block."""

from pathlib import Path

import pytest

from generator.engine import generate
from generator.parse import Migration

HISTORY = """
create schema app;
create table public.a (id int primary key);
create table public.b (id int primary key);
create table app.c (id int primary key);
create function public.f() returns int language sql as 'select 1';
create function public.g() returns int language sql security definer as 'select 2';
create function app.h() returns int language sql as 'select 3';
"""

SEARCH_PATH_LOOP = """do $$
declare
  fn record;
  wanted text[] := array['f', 'g'];
begin
  for fn in select p.oid::regprocedure as sig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'public' and p.proname = any(wanted) loop
    execute format('alter function %s set search_path = public, pg_temp', fn.sig);
  end loop;
end $$;"""

RLS_LOOP = """do $$
declare r record;
begin
  for r in select tablename from pg_tables where schemaname = 'public' loop
    execute format('alter table public.%I enable row level security', r.tablename);
    execute format('create policy %I on public.%I for select to authenticated using (true)',
                   r.tablename || '_read', r.tablename);
  end loop;
end $$;"""

REVOKE_LOOP = """do $$
declare r record;
begin
  for r in select p.oid::regprocedure as sig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname = 'public' and p.prosecdef loop
    execute format('revoke execute on function %s from public, anon', r.sig);
  end loop;
end $$;"""

UNBOUNDED_LOOP = """do $$
declare r record;
begin
  for r in select stmt from app.pending_ddl loop
    execute r.stmt;
  end loop;
end $$;"""

FOREACH_LOOP = """do $$
declare t text; q text;
begin
  foreach t in array array['a'] loop
    q := 'alter table public.' || quote_ident(t) || ' force row level security';
    execute q;
  end loop;
end $$;"""


def _rollbacks(*later: str, block: str) -> list:
    texts = [HISTORY, block, *later]
    ms = [Migration(str(i + 1), f"m{i}", Path(f"supabase/migrations/{i + 1}_m{i}.sql"), t) for i, t in enumerate(texts)]
    return generate(ms)


def _manual_naming_block(rb) -> str:
    (step,) = rb.steps
    assert step.manual, step.sql
    assert "DO block at supabase/migrations/2_m1.sql:1" in step.manual
    return step.manual


def _automatic(rb) -> None:
    assert rb.steps and not rb.manual_steps, [s.manual for s in rb.manual_steps]


def test_the_block_itself_is_manual_and_says_what_it_distrusts():
    rb = _rollbacks(block=SEARCH_PATH_LOOP)[1]
    (step,) = rb.steps
    assert step.manual and "functions named f, g in schema" in step.manual and "public" in step.manual


@pytest.mark.parametrize("later", [
    "create or replace function public.f() returns int language sql as 'select 10';",
    "drop function public.f();",
    "alter function public.g() reset search_path;",
    "grant execute on function public.g() to anon;",
])
def test_search_path_loop_distrusts_the_functions_it_names(later):
    assert "may have been changed" in _manual_naming_block(_rollbacks(later, block=SEARCH_PATH_LOOP)[2])


@pytest.mark.parametrize("later", [
    "create or replace function app.h() returns int language sql as 'select 30';",  # another schema
    "create function public.k() returns int language sql as 'select 4';\n"
    "create or replace function public.k() returns int language sql as 'select 5';",  # created after the loop
])
def test_search_path_loop_leaves_other_functions_automatic(later):
    _automatic(_rollbacks(later, block=SEARCH_PATH_LOOP)[2])


@pytest.mark.parametrize("later", [
    "drop table public.a;",
    "alter table public.b disable row level security;",
    "drop policy if exists a_read on public.a;",
    "revoke select on table public.b from anon;",
    # the loop enabled it already: undoing this no-op with DISABLE would widen access
    "alter table public.a enable row level security;",
])
def test_rls_and_policy_loop_distrusts_every_table_of_the_schema(later):
    _manual_naming_block(_rollbacks(later, block=RLS_LOOP)[2])


@pytest.mark.parametrize("later", [
    "drop table app.c;",
    "create table public.d (id int primary key);\ndrop table public.d;",  # created after the loop
])
def test_rls_loop_leaves_other_tables_automatic(later):
    rb = _rollbacks(later, block=RLS_LOOP)[2]
    assert not rb.manual_steps


def test_new_columns_of_a_distrusted_table_are_still_dropped_exactly():
    _automatic(_rollbacks("alter table public.a add column note text;", block=RLS_LOOP)[2])


@pytest.mark.parametrize("later", [
    "create or replace function public.g() returns int language sql security definer as 'select 20';",
    "drop function public.g();",
    "grant execute on function public.g() to authenticated;",
])
def test_revoke_execute_loop_distrusts_the_functions_of_the_schema(later):
    # recreated from the catalog, public.g() would be executable by anon again
    _manual_naming_block(_rollbacks(later, block=REVOKE_LOOP)[2])


@pytest.mark.parametrize("later", [
    "drop table app.c;",
    "create or replace function app.h() returns int language sql as 'select 30';",
    "drop function public.f();",
])
def test_unbounded_loop_distrusts_everything(later):
    rbs = _rollbacks(later, block=UNBOUNDED_LOOP)
    assert "objects of every kind in every schema" in rbs[1].steps[0].manual
    _manual_naming_block(rbs[2])


def test_unbounded_loop_does_not_distrust_objects_created_after_it():
    rb = _rollbacks("create table app.later (id int);\ndrop table app.later;", block=UNBOUNDED_LOOP)[2]
    assert not rb.manual_steps


def test_foreach_over_a_constant_array_distrusts_only_its_elements():
    rbs = _rollbacks("alter table public.a no force row level security;",
                     "alter table public.b force row level security;", block=FOREACH_LOOP)
    _manual_naming_block(rbs[2])
    _automatic(rbs[3])


def test_static_statements_of_an_undecidable_block_distrust_the_functions_they_name():
    block = """do $$ declare i int; begin
      for i in 1..1 loop null; end loop;
      revoke execute on function public.g() from anon;
    end $$;"""
    _manual_naming_block(_rollbacks("drop function public.g();", block=block)[2])
    _automatic(_rollbacks("drop function public.f();", block=block)[2])


def test_unreadable_body_distrusts_everything():
    block = "do language plv8 $$ plv8.execute('alter function public.f() set search_path = x') $$;"
    _manual_naming_block(_rollbacks("drop function public.f();", block=block)[2])


def test_data_only_loops_distrust_nothing_more():
    block = """do $$ declare r record; begin
      for r in select id from public.a loop execute format('update public.b set id = %s where id = %s', r.id, r.id); end loop;
    end $$;"""
    rbs = _rollbacks("drop function public.f();", block=block)
    _automatic(rbs[2])


def _reach(block: str) -> str:
    from pglast import parse_sql

    from generator.engine import baseline_catalog
    from generator.handlers import doscope
    from generator.handlers.doblocks import parse_do

    fn = parse_do(parse_sql(block)[0].stmt)
    return doscope.describe(doscope.block_reach(fn, baseline_catalog()))


def _loop(query: str, execute: str) -> str:
    return f"do $$ declare r record; begin for r in {query} loop execute {execute}; end loop; end $$;"


@pytest.mark.parametrize("block, expected", [
    # bounded by the loop query
    (_loop("select c.oid::regclass as rel from pg_class c where c.relnamespace = 'app'::regnamespace",
           "format('alter table %s owner to postgres', r.rel)"),
     "tables/views/sequences in schema app, extensions, public"),
    (_loop("select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
           "where n.nspname in ('app') and c.relname = any(array['x', 'y'])",
           "format('alter table %1$I.%2$I enable row level security', r.nspname, r.relname)"),
     "tables/views/sequences named x, y in schema app"),
    (_loop("select p.oid::regprocedure from pg_proc p where p.pronamespace = 'app'::regnamespace",
           "format('alter function %s owner to postgres', r.oid)"),
     "functions in schema app, extensions, public"),
    (_loop("select proname from pg_proc where proname = 'f'", "format('alter function public.%I() stable', r.proname)"),
     "functions named f in schema public"),
    (_loop("select tablename from pg_tables where schemaname = 'public' and tablename like 'ols\\_%' escape '\\'",
           "format('alter table public.%I enable row level security', r.tablename)"),
     "tables/views/sequences named like 'ols\\_%' in schema public"),
    ("do $$ begin execute (select 'alter table public.a drop constraint ' || quote_ident(conname) "
     "from pg_constraint where conname like 'a_%' limit 1); end $$;",
     "tables/views/sequences named a in schema public"),
    # not bounded: a constant output column, two pg_class, an OR, a value built by hand
    (_loop("select 'other' as s, tablename from pg_tables where schemaname = 'public'",
           "format('alter table %I.%I enable row level security', r.s, r.tablename)"),
     "tables/views/sequences in any schema"),
    (_loop("select a.relname from pg_class a join pg_class b on a.oid = b.reltoastrelid where b.relname = 'x'",
           "format('alter table public.%I owner to postgres', r.relname)"),
     "tables/views/sequences in schema public"),
    (_loop("select tablename from pg_tables where schemaname = 'public' or schemaname = 'app'",
           "format('alter table %I enable row level security', r.tablename)"),
     "tables/views/sequences in schema extensions, public"),
    (_loop("select tablename from pg_tables where schemaname = 'public'",
           "format('alter table %s enable row level security', 'x_' || r.tablename)"),
     "tables/views/sequences in any schema"),
    ("do $$ declare r record; begin perform set_config('search_path', 'app', true); "
     "for r in select tablename from pg_tables where schemaname = 'app' loop "
     "execute format('alter table %I enable row level security', r.tablename); end loop; end $$;",
     "tables/views/sequences in any schema"),
    # statements the analysis cannot read, and SQL accumulated in a variable
    (_loop("select tablename from pg_tables", "format('%s', r.tablename)"), "objects of every kind in every schema"),
    ("do $$ declare q text := ''; r record; begin for r in select tablename from pg_tables loop "
     "q := q || format('drop table %I;', r.tablename); end loop; execute q; end $$;",
     "objects of every kind in every schema"),
    ("do $$ declare t text := 'a'; begin select relname into t from pg_class limit 1; "
     "execute 'alter table public.' || t || ' enable row level security'; end $$;",
     "tables/views/sequences in schema public"),  # not only "a": SELECT INTO changed t
    ("do $$ declare t text := 'a'; begin execute 'alter table public.' || quote_ident(t) || ' owner to postgres'; end $$;",
     "tables/views/sequences named a in schema public"),
    # rows only
    (_loop("select tablename from pg_tables", "format('analyze public.%I', r.tablename)"), ""),
    # moving an extension when the catalogs say it is in public: the extension only
    ("do $$ begin create schema if not exists extensions; if exists (select 1 from pg_extension "
     "where extname = 'pg_net' and extnamespace = (select oid from pg_namespace where nspname = 'public')) "
     "then alter extension pg_net set schema extensions; end if; end $$;",
     "schemas named extensions; extensions named pg_net"),
])
def test_reach_of_loop_shapes(block, expected):
    assert _reach(block) == expected


def test_like_bound_distrusts_only_matching_tables():
    block = _loop("select tablename from pg_tables where schemaname = 'public' and tablename like 'a%'",
                  "format('alter table public.%I enable row level security', r.tablename)")
    rbs = _rollbacks("drop table public.a;", "drop table public.b;", block=block)
    _manual_naming_block(rbs[2])
    _automatic(rbs[3])


SEQUENCE_LOOP = """do $$
declare r record;
begin
  for r in select sequence_schema as s, sequence_name as n from information_schema.sequences
           where sequence_schema = 'public' loop
    execute format('revoke all on sequence %I.%I from anon, authenticated', r.s, r.n);
  end loop;
end $$;"""


@pytest.mark.parametrize("later", [
    "revoke usage on sequence public.s from anon;",
    "drop sequence public.s;",
])
def test_sequence_grant_loop_distrusts_the_sequences(later):
    texts = [HISTORY + "create sequence public.s; grant usage on sequence public.s to anon;", SEQUENCE_LOOP, later]
    ms = [Migration(str(i + 1), f"m{i}", Path(f"supabase/migrations/{i + 1}_m{i}.sql"), t) for i, t in enumerate(texts)]
    _manual_naming_block(generate(ms)[2])


def test_a_block_creating_a_domain_is_read_by_its_own_name():
    """CREATE DOMAIN's ``typeName`` is its base type, not its name: reading it as the name
    crashed generate (a DO block the generator cannot decide, creating a domain)."""
    block = """do $$
begin
  if (select count(*) = 0 from pg_type t join pg_namespace n on n.oid = t.typnamespace where t.typname = 'positive') then
    create domain public.positive as int check (value > 0);
  end if;
end $$;"""
    rb = _rollbacks("drop domain public.positive;", block=block)[1]
    (step,) = rb.steps
    assert step.manual and "cannot be decided statically" in step.manual


ENUM_LABELS = """do $$
begin
  if (select count(distinct t.typname) = 0 from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where (n.nspname, t.typname) in (('public', 'kind'))) then
    create type public.kind as enum ('a', 'b');
  end if;
end $$;"""


def test_a_name_in_a_static_block_does_not_reach_a_table():
    """The block's one statement names no table; the labels 'a' and 'b' are the names of
    tables a and b, but only dynamic SQL or a function it calls could turn them into a
    statement: a later rollback of table a is automatic."""
    _automatic(_rollbacks("drop table public.a;", block=ENUM_LABELS)[2])


@pytest.mark.parametrize("block", [
    ENUM_LABELS.replace("create type public.kind as enum ('a', 'b');",
                        "execute 'alter table public.' || 'a' || ' add column x int';"),
    ENUM_LABELS.replace("create type public.kind as enum ('a', 'b');", "perform public.f(), 'a';"),
], ids=["dynamic SQL", "a function call"])
def test_a_name_that_may_become_sql_still_reaches_its_table(block):
    rb = _rollbacks("drop table public.a;", block=block)[2]
    assert rb.manual_steps and "supabase/migrations/2_m1.sql:1" in rb.manual_steps[0].manual


BACKFILL = """do $$
declare r record; n int := 1;
begin
  update public.a set id = id where id is null;
  for r in select id from public.a order by id loop
    update public.b set id = n where id = r.id;
    n := n + 1;
  end loop;
end $$;"""


def test_a_block_that_only_changes_rows_leaves_the_tables_it_names_trusted():
    """A backfill loop the generator cannot decide (a FOR over a query) changes rows: its
    own rollback is a manual step, but later rollbacks still know tables a and b."""
    rbs = _rollbacks("drop table public.a;", "drop table public.b;", block=BACKFILL)
    assert rbs[1].manual_steps
    _automatic(rbs[2])
    _automatic(rbs[3])
