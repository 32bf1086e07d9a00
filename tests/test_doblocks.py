"""DO blocks: guards and duplicate-exception blocks decided from the catalog (unit tests)."""

from pathlib import Path

import pytest
from pglast import parse_sql

from generator.catalog_query import decide
from generator.engine import baseline_catalog, generate
from generator.parse import Migration


def _rb(history: list[str], sql: str):
    ms = [Migration(str(i + 1), f"h{i}", Path(f"h{i}.sql"), h) for i, h in enumerate(history)]
    ms.append(Migration("99", "m", Path("m.sql"), sql))
    return generate(ms, targets={"99"})[0]


def _sql(rb) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


def _cat(history: list[str]):
    ms = [Migration(str(i + 1), f"h{i}", Path(f"h{i}.sql"), h) for i, h in enumerate(history)]
    ms.append(Migration("99", "m", Path("m.sql"), "select 1;"))
    from generator.engine import replay

    cat = baseline_catalog()
    for m in ms:
        replay(m, cat)
    return cat


def _decide(cond: str, history: list[str] = ()):
    expr = parse_sql(f"SELECT {cond}")[0].stmt.targetList[0].val
    return decide(expr, _cat(list(history)))


TYPE = "create type public.mood as enum ('a');"
TABLE = "create table public.t (id int primary key, e text);"


@pytest.mark.parametrize("cond, history, expected", [
    ("exists (select 1 from pg_type where typname = 'mood')", [TYPE], True),
    ("exists (select 1 from pg_type where typname = 'mood')", [], False),
    ("not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace "
     "where t.typname = 'mood' and n.nspname = 'public')", [TYPE], False),
    ("exists (select 1 from pg_type where typname = 'mood' and typnamespace = 'public'::regnamespace)", [], False),
    ("exists (select 1 from pg_type where typname = 'text')", [], None),  # built-in
    ("exists (select 1 from pg_type where typname = 'one_time_token_type')", [], None),  # auth's, not in the baseline
    ("exists (select 1 from pg_type where typname = 'aal_level')", [], True),  # auth's, in the baseline
    ("exists (select 1 from pg_type where typname = 'x' and typnamespace = 'auth'::regnamespace)", [], None),
    ("exists (select 1 from pg_class where relname = 't')", [TABLE], True),
    ("exists (select 1 from pg_class where relname = 't' and relkind = 'v')", [TABLE], False),
    ("exists (select 1 from pg_tables where schemaname = 'public' and tablename = 't')", [], False),
    ("exists (select 1 from information_schema.tables where table_schema = 'public' and table_name = 't')", [TABLE], True),
    ("exists (select 1 from information_schema.tables where table_schema = 'auth' and table_name = 'flow_state')", [], None),
    ("exists (select 1 from information_schema.tables where table_schema = 'auth' and table_name = 'sessions')", [], True),
    ("exists (select 1 from information_schema.columns where table_schema = 'public' and table_name = 't' "
     "and column_name = 'e')", [TABLE], True),
    ("exists (select 1 from information_schema.columns where table_name = 't' and column_name = 'z')", [TABLE], False),
    ("exists (select from pg_policies where policyname = 'p' and tablename = 't')",
     [TABLE + "create policy p on public.t using (true);"], True),
    ("exists (select from pg_policies where policyname = 'q' and tablename = 't' and schemaname = 'public')", [TABLE], False),
    ("exists (select from pg_policies where policyname = 'q')", [TABLE], None),
    ("exists (select 1 from pg_constraint where conname = 't_pkey')", [TABLE], True),
    ("exists (select 1 from pg_constraint where conname = 't_e_key' and conrelid = 'public.t'::regclass)", [TABLE], False),
    ("exists (select 1 from pg_constraint where conname = 'users_pkey')", [], True),  # auth.users
    ("exists (select 1 from pg_constraint where conname = 'sessions_x')", [], None),
    ("exists (select 1 from pg_proc where proname = 'f' and pronamespace = 'public'::regnamespace)",
     ["create function public.f() returns int language sql as 'select 1';"], True),
    ("exists (select 1 from pg_proc where proname = 'f')", [], None),
    ("exists (select 1 from pg_proc p join pg_namespace n on p.pronamespace = n.oid "
     "where n.nspname = 'public' and p.proname = 'f')", [], False),
    ("exists (select 1 from pg_roles where rolname = 'anon')", [], True),
    ("exists (select 1 from pg_roles where rolname = 'app_reader')", [], False),
    ("exists (select 1 from pg_roles where rolname = 'pg_read_all_data')", [], None),
    ("exists (select 1 from pg_extension where extname = 'pgcrypto')", [], True),
    ("exists (select 1 from pg_extension where extname = 'vector')", [], False),
    # in a schema, by its oid looked up by name
    ("exists (select 1 from pg_extension where extname = 'citext' and extnamespace = "
     "(select oid from pg_namespace where nspname = 'public'))", ["create extension citext schema extensions"], False),
    ("exists (select 1 from pg_extension where extname = 'citext' and extnamespace = "
     "(select oid from pg_namespace where nspname = 'extensions'))", ["create extension citext schema extensions"], True),
    ("exists (select 1 from pg_extension where extname = 'citext' and extnamespace = 'extensions'::regnamespace)",
     ["create extension citext schema extensions"], True),
    ("exists (select 1 from pg_extension where extname = 'citext' and extnamespace = "
     "(select oid from pg_namespace where nspname = 'public'))", ["create extension citext"], None),  # went where?
    ("exists (select 1 from pg_extension where extname = 'citext' and extnamespace = "
     "(select oid from pg_namespace where nspname like 'pub%'))", ["create extension citext schema public"], None),
    ("exists (select 1 from pg_namespace where nspname = 'private')", [], False),
    ("exists (select 1 from pg_namespace where nspname = 'net')", [], None),
    ("exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime' and tablename = 't')",
     [TABLE + "alter publication supabase_realtime add table public.t;"], True),
    ("exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' "
     "and tablename = 't')", [TABLE], False),
    ("exists (select 1 from pg_trigger where tgname = 'trg' and tgrelid = 'public.t'::regclass)", [TABLE], False),
    ("exists (select 1 from pg_enum where enumlabel = 'a' and enumtypid = 'public.mood'::regtype)", [TYPE], True),
    ("exists (select 1 from pg_enum where enumlabel = 'b' and enumtypid = 'mood'::regtype)", [TYPE], False),
    ("to_regclass('public.t') is null", [TABLE], False),
    ("to_regclass('public.t') is null", [], True),
    ("to_regtype('public.mood') is not null", [TYPE], True),
    ("(select count(*) from pg_type where typname = 'mood') = 0", [TYPE], False),
    ("(select count(*) from pg_type where typname = 'mood') > 0", [], False),
    ("exists (select 1 from pg_type where typname like 'mo%')", [TYPE], None),  # not an equality
    ("exists (select 1 from pg_type where typname = 'mood') and not exists (select 1 from pg_class where relname = 'zz')",
     [TYPE], True),
    ("exists (select 1 from public.t)", [TABLE], None),  # data, not catalog
])
def test_guards(cond, history, expected):
    assert _decide(cond, history) is expected


def test_if_not_exists_type_runs_when_absent_and_is_skipped_when_present():
    block = ("do $$ begin if not exists (select 1 from pg_type where typname = 'mood') then "
             "create type public.mood as enum ('x'); end if; end $$;")
    rb = _rb([], block)
    assert _sql(rb) == ["DROP TYPE public.mood;"] and not rb.manual_steps
    rb = _rb([TYPE], block)
    assert rb.steps == []


def test_guard_decides_elsif_and_else():
    block = """do $$ begin
      if exists (select 1 from pg_tables where schemaname = 'public' and tablename = 'nope') then
        create table public.a (id int);
      elsif exists (select 1 from pg_type where typname = 'mood') then
        create table public.b (id int);
      else
        create table public.c (id int);
      end if;
    end $$;"""
    assert _sql(_rb([TYPE], block)) == ["DROP TABLE public.b;"]
    assert _sql(_rb([], block)) == ["DROP TABLE public.c;"]


def test_duplicate_object_block_existing_type_does_nothing():
    block = "do $$ begin create type public.mood as enum ('b'); exception when duplicate_object then null; end $$;"
    assert _rb([TYPE], block).steps == []
    rb = _rb([], block)
    assert _sql(rb) == ["DROP TYPE public.mood;"]


def test_duplicate_block_is_all_or_nothing():
    """A caught error undoes the earlier statements of the same block."""
    block = """do $$ begin
      create table public.x (id int);
      create type public.mood as enum ('b');
    exception when duplicate_object then raise notice 'skipped'; end $$;"""
    rb = _rb([TYPE], block)
    assert rb.steps == []
    # and the catalog does not hold public.x: a later migration creating it is a plain create
    ms = [Migration("1", "h", Path("h.sql"), TYPE), Migration("2", "m", Path("m.sql"), block),
          Migration("3", "n", Path("n.sql"), "create table public.x (id int);")]
    assert [s for st in generate(ms, targets={"3"})[0].steps for s in st.sql] == ["DROP TABLE public.x;"]


def test_duplicate_column_and_constraint():
    add_col = "do $$ begin alter table public.t add column e text; exception when duplicate_column then null; end $$;"
    assert _rb([TABLE], add_col).steps == []
    add_col2 = add_col.replace(" e text", " f text")
    assert _sql(_rb([TABLE], add_col2)) == ["ALTER TABLE public.t DROP COLUMN f;"]
    fk = ("do $$ begin alter table public.t add constraint t_self_fk foreign key (id) references public.t (id); "
          "exception when duplicate_object then null; end $$;")
    assert _sql(_rb([TABLE], fk)) == ["ALTER TABLE public.t DROP CONSTRAINT t_self_fk;"]
    assert _rb([TABLE, fk], fk).steps == []


def test_unique_constraint_clash_is_duplicate_table_not_duplicate_object():
    uq = "alter table public.t add constraint t_e_key unique (e);"
    block = f"do $$ begin {uq} exception when duplicate_object then null; end $$;"
    rb = _rb([TABLE, uq], block)
    assert rb.manual_steps and "duplicate_table" in rb.manual_steps[0].manual


def test_when_others_is_manual_unless_the_object_exists():
    block = "do $$ begin create type public.mood as enum ('b'); exception when others then null; end $$;"
    assert _rb([TYPE], block).steps == []
    (step,) = _rb([], block).steps
    assert step.manual and "WHEN OTHERS" in step.manual


def test_sqlstate_condition_codes():
    block = "do $$ begin create type public.mood as enum ('b'); exception when sqlstate '42710' then null; end $$;"
    assert _rb([TYPE], block).steps == []


def test_execute_constant_string_goes_through_the_handlers():
    block = """do $$ begin
      if not exists (select 1 from information_schema.columns where table_schema = 'public'
                     and table_name = 't' and column_name = 'z') then
        execute 'alter table public.t add column z int';
      end if;
    end $$;"""
    assert _sql(_rb([TABLE], block)) == ["ALTER TABLE public.t DROP COLUMN z;"]


def test_perform_then_found():
    block = """do $$ begin
      perform 1 from pg_policies where schemaname = 'public' and tablename = 't' and policyname = 'p';
      if not found then create policy p on public.t for select using (true); end if;
    end $$;"""
    assert _sql(_rb([TABLE], block)) == ["DROP POLICY p ON public.t;"]
    assert _rb([TABLE + "create policy p on public.t using (true);"], block).steps == []


def test_create_role_guarded():
    block = ("do $$ begin if not exists (select from pg_roles where rolname = 'anon') then "
             "create role anon nologin; end if; end $$;")
    assert _rb([], block).steps == []


def test_raise_only_blocks_are_inert():
    assert _rb([], "do $$ begin raise notice 'hello %', now(); end $$;").steps == []
    assert _rb([], "do $$ begin assert 1 = 1; end $$;").steps == []


def test_undecided_guard_before_raise_exception_is_an_assertion():
    block = """do $$ begin
      if not exists (select 1 from pg_proc where proname = 'whatever') then
        raise exception 'needs whatever()';
      end if;
      create table public.n (id int);
    end $$;"""
    rb = _rb([], block)
    assert _sql(rb) == ["DROP TABLE public.n;"] and not rb.manual_steps


def test_catalog_says_raise_happens_is_manual():
    block = "do $$ begin if not exists (select 1 from pg_type where typname = 'mood') then raise exception 'x'; end if; end $$;"
    (step,) = _rb([], block).steps
    assert step.manual and "raises an exception" in step.manual


@pytest.mark.parametrize("block, words", [
    ("do $$ declare r record; begin for r in select tablename from pg_tables where schemaname = 'public' loop "
     "execute format('alter table public.%I enable row level security', r.tablename); end loop; end $$;",
     "FOR loop over a query"),
    ("do $$ begin execute format('create table public.%I (id int)', 'x'); end $$;", "built at run time"),
    ("do $$ declare n int; begin select count(*) into n from public.t; if n > 0 then drop table public.t; end if; end $$;",
     "SELECT ... INTO"),
    ("do $$ begin if (select count(*) from public.t) > 3 then drop table public.t; end if; end $$;", "cannot be decided"),
    ("do language plperl $$ 1; $$;", "plperl"),
    ("do $$ begin create table public.x (id int); exception when duplicate_table then drop table public.t; end $$;",
     "EXCEPTION handler"),
])
def test_undecidable_blocks_are_manual_naming_what_they_do(block, words):
    rb = _rb([TABLE], block)
    (step,) = rb.steps
    assert step.manual and words in step.manual


def test_manual_block_leaves_catalog_untouched_and_distrusts_named_tables():
    block = ("do $$ declare i int; begin for i in 1..2 loop null; end loop; "
             "alter table public.t add column q int; end $$;")
    ms = [Migration("1", "h", Path("h.sql"), TABLE), Migration("2", "m", Path("m.sql"), block),
          Migration("3", "d", Path("d.sql"), "drop table public.t;")]
    rbs = generate(ms)
    assert rbs[1].steps[0].manual and "alter table public.t add column q int" in rbs[1].steps[0].manual
    assert rbs[2].steps[0].manual  # public.t's definition is no longer trusted


def test_variables_in_dml_are_manual():
    block = "do $$ declare v int := 3; begin insert into public.t (id) values (v); end $$;"
    (step,) = _rb([TABLE], block).steps
    assert step.manual and "variables" in step.manual


def test_nested_guarded_blocks():
    block = """do $$ begin
      begin create type public.mood as enum ('z'); exception when duplicate_object then null; end;
      begin alter table public.t add column e text; exception when duplicate_column then null; end;
      begin alter table public.t add column k text; exception when duplicate_column then null; end;
    end $$;"""
    assert _sql(_rb([TABLE, TYPE], block)) == ["ALTER TABLE public.t DROP COLUMN k;"]


def test_statements_inside_a_block_are_inverted_in_reverse_order():
    block = """do $$ begin
      create table public.a (id int primary key);
      create table public.b (id int references public.a);
    end $$;"""
    assert _sql(_rb([], block)) == ["DROP TABLE public.b;", "DROP TABLE public.a;"]


def test_publication_membership_in_exception_blocks():
    add = ("do $$ begin alter publication supabase_realtime add table public.t; "
           "exception when duplicate_object then null; end $$;")
    assert _sql(_rb([TABLE], add)) == ["ALTER PUBLICATION supabase_realtime DROP TABLE public.t;"]
    assert _rb([TABLE + "alter publication supabase_realtime add table public.t;"], add).steps == []
    drop = ("do $$ begin alter publication supabase_realtime drop table public.t; "
            "exception when undefined_object then null; end $$;")
    assert _rb([TABLE], drop).steps == []


@pytest.mark.parametrize("block", [
    "do $$ declare n int; begin select count(*) into n from public.t; raise notice 'rows: %', n; end $$;",
    "do $$ declare r record; begin for r in select id from public.t loop raise notice '%', r.id; end loop; end $$;",
    "do $$ begin if (select count(*) from pg_class where relname = 't') = 1 then raise notice 'there'; end if; end $$;",
])
def test_an_undecidable_block_that_only_reads_changes_nothing(block):
    """A block that reports what the migration did (a count into a variable, a notice)
    changes nothing whichever way it goes: no step, and nothing distrusted after it."""
    rb = _rb([TABLE], block + "\nalter table public.t drop column e;")
    assert [s.title for s in rb.steps] == ["Restore column public.t.e"] and not rb.manual_steps


@pytest.mark.parametrize("block", [
    "do $$ declare n int; begin select count(*) into n from public.t for update; end $$;",
    "do $$ declare n int; begin select count(*) into n from public.unknown; end $$;",
    "do $$ declare n int; begin n := public.f(); end $$;",
    "do $$ begin perform pg_advisory_lock(1); if (select count(*) from public.t) > 1 then null; end if; end $$;",
])
def test_a_block_that_may_write_or_reads_the_unknown_stays_manual(block):
    rb = _rb([TABLE, "create function public.f() returns int language sql as 'select 1';"], block)
    assert rb.manual_steps


def test_roundtrip_a_report_block_then_a_change(roundtrip):
    block = ("do $$ declare n int; begin select count(*) into n from public.t; "
             "raise notice 'rows: %', n; end $$;\nalter table public.t drop column e;")
    rb, _ = roundtrip(history=[TABLE], migration=block)
    assert not rb.manual_steps
