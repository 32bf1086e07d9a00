"""Pre-flight checks never cry wolf over how PostgreSQL prints a definition.

The pre-flight block compares each view, function, policy and trigger the rollback
touches with a probe recreated from the generator's text of it (pglast's re-print of the
migration). PostgreSQL deparses some constructs differently depending on how they were
spelled (``now() at time zone 'UTC'`` and ``timezone('UTC', now())`` are one call), so a
re-print in other words must not read as drift. For every construct below (our own list:
SQL-syntax calls, casts, collations, row constructors, subscripts, IN lists, precedence,
literals, query shapes...) the migration creates a view, a policy, a SQL-standard function
body and a trigger WHEN clause using it, and the generated rollback must pass its
pre-flight and run on a real server. A real change after the migration is still caught,
and a respelling with the same meaning is not reported.
"""

from __future__ import annotations

import pytest
from roundtrip import apply_migration, make_migrations, run_psql

from generator.engine import generate
from generator.preflight import Expectation, _view_read, _view_tree, preflight_sql
from generator.render import render_sql

VERSION = "20990101000000"
HISTORY = [
    "create table public.ev (id bigint primary key, at timestamptz, name text, n int, tags text[], "
    "a_start date, a_end date, doc jsonb);",
    "alter table public.ev enable row level security;",
    "create function public.keep() returns trigger language plpgsql as $$ begin return new; end $$;",
]

# expressions over public.ev's columns (usable in a view, a policy and a function body)
EXPRS = [
    "now() at time zone 'UTC'",
    "at at time zone 'Europe/Paris'",
    "(now() at time zone 'UTC')::date",
    "at at time zone 'UTC' at time zone 'Europe/Paris'",
    "date_trunc('day', now() at time zone 'utc')",
    "(at + interval '1 hour') at time zone 'UTC'",
    "pg_catalog.timezone('UTC', at)",
    "n is distinct from 3",
    "n is not distinct from 3",
    "n between 1 and 10",
    "n not between symmetric 10 and 1",
    "n::bigint",
    "cast(n as numeric(10,2))",
    "name::varchar(5)",
    "'1'::interval hour to minute",
    "name collate \"C\"",
    "name collate \"C\" < 'b'",
    "(a_start, a_end) overlaps (current_date, current_date + 1)",
    "extract(year from at)",
    "extract(epoch from now() - at)",
    "date_part('year', at)",
    "substring(name from 2 for 3)",
    "substring(name from 2)",
    "substring(name, 2, 3)",
    "substring(name from 'a.c')",
    "substring(name similar '%#\"o_b#\"%' escape '#')",
    "trim(name)",
    "trim(both 'x' from name)",
    "trim(leading from name)",
    "trim(trailing 'y' from name)",
    "btrim(name, 'x')",
    "position('a' in name)",
    "overlay(name placing 'x' from 2 for 1)",
    "normalize(name)",
    "normalize(name, nfkc)",
    "name is normalized",
    "name is nfd normalized",
    "collation for (name)",
    "current_date",
    "current_timestamp",
    "current_time(1)",
    "localtimestamp(2)",
    "current_user",
    "session_user",
    "current_schema",
    "name like 'a!%' escape '!'",
    "name ilike 'a%'",
    "name not like 'b%'",
    "name similar to '(a|b)%'",
    "name ~* '^a'",
    "row(n, name) is not null",
    "(n, name) = (1, 'a')",
    "(n, name) < (2, 'b')",
    "tags[1]",
    "tags[1:2]",
    "tags[:2]",
    "n in (1, 2, 3)",
    "n not in (1, 2)",
    "n = any(array[1, 2])",
    "n = any('{1,2}'::int[])",
    "n <> all(array[3])",
    "1 - (2 - n)",
    "(1 - 2) - n",
    "-(n) ^ 2",
    "(-n) ^ 2",
    "2 ^ 3 ^ n",
    "n % 3 * 2",
    "not (n > 1 and n < 5) or n is null",
    "not n = 1",
    "(n > 1) is not true",
    "(n > 1) is unknown",
    "coalesce(name, 'x') || 'y' || n",
    "case when n > 1 then 'a' when n is null then null else 'b' end",
    "case n when 1 then 'one' else 'other' end",
    "nullif(n, 0)",
    "greatest(n, 1)",
    "least(n, 1, 2)",
    "interval '1 day'",
    "interval '1' day",
    "timestamp '2020-01-01'",
    "date '2020-01-01' + 1",
    "E'a\\nb'",
    "U&'d\\0061t\\+000061'",
    "$$dollar 'quoted'$$",
    "B'101'",
    "X'1F'",
    "1.50",
    "1e10",
    "-1",
    "n != 1",
    "n operator(pg_catalog.+) 1",
    "doc -> 'a' ->> 'b'",
    "doc #>> '{a,b}'",
    "doc @> '{\"a\": 1}'",
    "doc ? 'a'",
    "doc ?| array['a', 'b']",
    "json_build_object('a', n)",
    "(select count(*) from public.ev e2 where e2.n = ev.n)",
    "exists (select 1 from public.ev e3 where e3.id > ev.id)",
    "array(select id from public.ev e4 order by id desc nulls last)",
    "n in (select n from public.ev e5)",
    "(select max(e6.at) from public.ev e6) at time zone 'UTC'",
    "xmlelement(name foo, name)",
    "format('%s-%s', n, name)",
    "array[n, 2]::text",
    "array[[1, 2], [3, 4]]",
    "(tags)[1]",
    "n::text::int",
    "to_char(at at time zone 'UTC', 'YYYY')",
    "at > now() - interval '7 days'",
    "char_length(name)",
]

# whole queries (view bodies)
QUERIES = [
    "select distinct on (n) n, name from public.ev order by n, at desc",
    "select n, count(*) filter (where name is not null) as c from public.ev group by n having count(*) > 1",
    "select n, row_number() over (partition by n order by at rows between unbounded preceding and current row) as r from public.ev",
    "select n from public.ev union select n + 1 from public.ev",
    "with w as (select n from public.ev) select n from w",
    "with recursive r(i) as (select 1 union all select i + 1 from r where i < 3) select i from r",
    "select e.n, x.v from public.ev e cross join lateral (values (e.n * 2)) as x(v)",
    "select e.n from public.ev e left join public.ev f on f.id = e.id and f.at at time zone 'UTC' > now()",
    "select n, sum(n) from public.ev group by rollup (n)",
    "select array_agg(name order by at) as names from public.ev",
    "select percentile_cont(0.5) within group (order by n) as p from public.ev",
    "select e.id from public.ev e join public.ev f using (id) where e.at at time zone 'UTC' < now()",
    "select n from public.ev limit 5 offset 1",
    "select n from public.ev order by n fetch first 3 rows with ties",
]

# usable in a trigger's WHEN (no subqueries, columns through NEW)
TRIGGER_WHENS = [
    "new.at at time zone 'UTC' > now() at time zone 'UTC'",
    "new.name is distinct from old.name",
    "new.n between 1 and 10",
    "trim(both from new.name) <> ''",
    "substring(new.name from 1 for 1) = 'a'",
    "new.n in (1, 2)",
    "(new.a_start, new.a_end) overlaps (old.a_start, old.a_end)",
    "row(new.n, new.name) is distinct from row(old.n, old.name)",
    "new.name collate \"C\" > 'a'",
]


def _migrated(pg_db, migration: str, drift: list[str] = ()):
    migs = make_migrations(HISTORY, migration, VERSION)
    rb = generate(migs, {VERSION})[0]
    assert not rb.manual_steps, [s.manual for s in rb.manual_steps]
    with pg_db.connect() as conn:
        for m in migs:
            apply_migration(conn, m)
        for sql in drift:
            conn.execute(sql)
    return rb


def _run(pg_db, rb):
    return run_psql(pg_db.server, pg_db.conninfo, render_sql(rb))


def _objects(expr: str) -> str:
    return (
        f"create view public.v as select {expr} as x from public.ev;\n"
        f"create policy p on public.ev for select to authenticated using (({expr}) is not null);\n"
        "create function public.f() returns boolean language sql stable\n"
        f"  return (select ({expr}) is not null from public.ev limit 1);\n"
    )


@pytest.mark.parametrize("expr", EXPRS)
def test_untouched_objects_pass_the_preflight(pg_db, expr):
    rb = _migrated(pg_db, _objects(expr))
    assert {e.label: e.mode for e in rb.preflight} == {
        "view public.v": "same", 'policy p on public.ev': "same", "function public.f()": "same",
    }
    res = _run(pg_db, rb)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("query", QUERIES)
def test_untouched_view_queries_pass_the_preflight(pg_db, query):
    rb = _migrated(pg_db, f"create view public.v as {query};")
    res = _run(pg_db, rb)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("when", TRIGGER_WHENS)
def test_untouched_trigger_when_passes_the_preflight(pg_db, when):
    rb = _migrated(pg_db, f"create trigger t before update on public.ev for each row when ({when}) "
                          "execute function public.keep();")
    assert [e.mode for e in rb.preflight if e.label.startswith("trigger")] == ["same"]
    res = _run(pg_db, rb)
    assert res.returncode == 0, res.stderr


def test_function_defaults_and_bodies_pass_the_preflight(pg_db):
    rb = _migrated(pg_db, (
        "create function public.g(since timestamptz default now() at time zone 'UTC', "
        "pad text default trim(both ' ' from 'x')) returns int language sql stable\n"
        "begin atomic\n  select count(*) from public.ev where at at time zone 'UTC' > since and name is distinct from pad;\n"
        "end;\n"
        "create function public.h(d date default current_date) returns text language plpgsql as $$\n"
        "begin return to_char(now() at time zone 'UTC', 'YYYY'); end $$;"
    ))
    res = _run(pg_db, rb)
    assert res.returncode == 0, res.stderr


def test_restored_definitions_read_back_as_the_migration_left_them(roundtrip):
    """The rollback restores a view and a policy with SQL-syntax calls: the schema after it
    (pg_get_viewdef, pg_policies) equals the one before the migration."""
    roundtrip(
        history=HISTORY + [
            "create view public.v as select id, now() at time zone 'UTC' as t, trim(both 'x' from name) as s from public.ev;",
            "create policy p on public.ev for select using (at at time zone 'UTC' > now() - interval '1 day');",
        ],
        migration=(
            "create or replace view public.v as select id, localtimestamp as t, name as s from public.ev;\n"
            "drop policy p on public.ev;\n"
        ),
    )


# -- drift is still caught ---------------------------------------------------------------------------


def _stops(pg_db, rb, *needles: str) -> str:
    res = _run(pg_db, rb)
    assert res.returncode != 0, "the rollback ran on a drifted database"
    assert "pre-flight check failed, nothing was changed" in res.stderr, res.stderr
    for needle in needles:
        assert needle in res.stderr, res.stderr
    return res.stderr


AT_UTC = "now() at time zone 'UTC'"
AT_PARIS = "now() at time zone 'Europe/Paris'"


def test_changed_view_is_caught(pg_db):
    rb = _migrated(pg_db, _objects(AT_UTC), drift=[
        f"create or replace view public.v as select {AT_PARIS} as x from public.ev"])
    _stops(pg_db, rb, "view public.v was changed after", "Europe/Paris")


def test_changed_policy_is_caught(pg_db):
    rb = _migrated(pg_db, _objects(AT_UTC), drift=[f"alter policy p on public.ev using (({AT_PARIS}) is not null)"])
    _stops(pg_db, rb, "policy p on public.ev was changed after", "Europe/Paris")


def test_changed_function_is_caught(pg_db):
    rb = _migrated(pg_db, _objects(AT_UTC), drift=[
        "create or replace function public.f() returns boolean language sql stable\n"
        f"  return (select ({AT_PARIS}) is not null from public.ev limit 1)"])
    _stops(pg_db, rb, "function public.f() was changed after", "Europe/Paris")


def test_changed_function_default_is_caught(pg_db):
    rb = _migrated(pg_db, f"create function public.g(t timestamp default {AT_UTC}) returns int language sql return 1;",
                   drift=[f"create or replace function public.g(t timestamp default {AT_PARIS}) returns int "
                          "language sql return 1"])
    _stops(pg_db, rb, "function public.g(timestamp without time zone) was changed after", "Europe/Paris")


def test_changed_trigger_when_is_caught(pg_db):
    rb = _migrated(pg_db, "create trigger t before update on public.ev for each row "
                          "when (new.n between 1 and 10) execute function public.keep();",
                   drift=["drop trigger t on public.ev",
                          "create trigger t before update on public.ev for each row "
                          "when (new.n between 1 and 11) execute function public.keep()"])
    _stops(pg_db, rb, "trigger t on public.ev was changed after", "11")


def test_view_changed_to_a_different_type_is_caught(pg_db):
    """Recreating the view as the migration left it fails: that stops the rollback too."""
    rb = _migrated(pg_db, "create view public.v as select n + 1 as x from public.ev;",
                   drift=["drop view public.v", "create view public.v as select (n + 1)::bigint as x from public.ev"])
    _stops(pg_db, rb, "view public.v cannot be checked", "from bigint to integer")


# -- the comparison of stored trees, on its own -------------------------------------------------------------


def _check(pg_db, created: str, probe: str) -> str | None:
    """Run a pre-flight check of view public.v (created from ``created``) against a probe
    recreating it from ``probe``: None when it passes, else the error."""
    e = Expectation("view public.v", "same", _view_read("public.v"), probe=(probe,), tree=_view_tree("public.v"))
    with pg_db.connect() as conn:
        for sql in HISTORY:
            conn.execute(sql)
        conn.execute(created)
    res = run_psql(pg_db.server, pg_db.conninfo, preflight_sql([e], "m.sql"))
    return None if res.returncode == 0 else res.stderr


@pytest.mark.parametrize(("created", "probe"), [
    ("select now() at time zone 'UTC' as x", "select pg_catalog.timezone('UTC', now()) as x"),
    ("select trim(both 'x' from name) as x from public.ev", "select btrim(name, 'x') as x from public.ev"),
    ("select substring(name from 2 for 1) as x from public.ev", "select \"substring\"(name, 2, 1) as x from public.ev"),
    ("select row(n, name) is null as x from public.ev", "select (n, name) is null as x from public.ev"),
    ("select cast(n as bigint) as x from public.ev", "select int8(n) as x from public.ev"),
])
def test_a_respelling_with_the_same_meaning_is_no_drift(pg_db, created, probe):
    """PostgreSQL prints these pairs differently; their stored trees differ only in spelling."""
    assert _check(pg_db, f"create view public.v as {created}",
                  f"create or replace view public.v as {probe}") is None


def test_a_different_meaning_is_drift_even_when_spelled_alike(pg_db):
    err = _check(pg_db, "create view public.v as select now() at time zone 'UTC' as x",
                 "create or replace view public.v as select pg_catalog.timezone('UTC', clock_timestamp()) as x")
    assert err is not None and "view public.v was changed after m.sql" in err
