"""snapshot/diff on a real server: each kind of difference is found and said clearly.

Each case runs ``setup`` on a fresh baseline database, snapshots, runs ``change``,
snapshots again and checks ``diff(before, after)``.
"""

from __future__ import annotations


import pytest

from generator.snapshot import BACKUP_SCHEMA, diff, snapshot

T = "create table public.t (id bigint primary key, a int, b text);"
F = "create function public.f(x bigint) returns bigint language sql as $$ select x $$;"

CASES = [
    # tables and columns
    ("table missing", T, "drop table public.t;", "table public.t is missing"),
    ("table extra", "", T, "table public.t exists but should not"),
    ("column missing", T, "alter table public.t drop column b;", "table public.t: column b is missing"),
    ("column extra", T, "alter table public.t add column c int;", "table public.t: column c exists but should not"),
    ("column type", T, "alter table public.t alter column a type bigint;",
     "table public.t: column a: type differs: integer vs bigint"),
    ("column default", T, "alter table public.t alter column a set default 1;",
     "table public.t: column a: default differs: (none) vs 1"),
    ("not null", T, "alter table public.t alter column a set not null;",
     "table public.t: column a: not null differs: no vs yes"),
    ("identity", "create table public.t (id int not null);",
     "alter table public.t alter column id add generated always as identity;",
     "table public.t: column id: identity differs: (none) vs ALWAYS"),
    ("generated", "create table public.t (a int, g int generated always as (a * 2) stored);",
     "alter table public.t drop column g; alter table public.t add column g int generated always as (a * 3) stored;",
     "table public.t: column g: generated differs: (a * 2) vs (a * 3)"),
    ("collation", T, 'alter table public.t alter column b type text collate "POSIX";',
     'table public.t: column b: collation differs: (none) vs pg_catalog."POSIX"'),
    ("constraint missing", T, "alter table public.t drop constraint t_pkey;",
     "table public.t: constraint t_pkey is missing"),
    ("constraint definition", "create table public.t (a int constraint a_pos check (a > 0));",
     "alter table public.t drop constraint a_pos, add constraint a_pos check (a >= 0);",
     "table public.t: constraint a_pos: definition differs: CHECK ((a > 0)) vs CHECK ((a >= 0))"),
    ("rls", T, "alter table public.t enable row level security;",
     "table public.t: row level security differs: no vs yes"),
    ("forced rls", T, "alter table public.t force row level security;",
     "table public.t: forced row level security differs: no vs yes"),
    ("replica identity", T, "alter table public.t replica identity full;",
     "table public.t: replica identity differs: default vs full"),
    ("persistence", T, "alter table public.t set unlogged;",
     "table public.t: persistence differs: permanent vs unlogged"),
    ("partitioning", "create table public.p (d date) partition by range (d);",
     "create table public.p1 partition of public.p for values from ('2024-01-01') to ('2025-01-01');",
     "table public.p1 exists but should not"),
    ("partition key", "create table public.p (d date, e int) partition by range (d);",
     "drop table public.p; create table public.p (d date, e int) partition by range (e);",
     "partitioned table public.p: partition key differs: RANGE (d) vs RANGE (e)"),
    ("table options", T, "alter table public.t set (fillfactor = 70);",
     "table public.t: options differs: (none) vs (fillfactor=70)"),
    # indexes, sequences, views
    ("index definition", T + "create index t_a on public.t (a);",
     "drop index public.t_a; create index t_a on public.t (a desc);",
     "index public.t_a: definition differs: CREATE INDEX t_a ON public.t USING btree (a) vs "
     "CREATE INDEX t_a ON public.t USING btree (a DESC)"),
    ("index missing", T + "create index t_a on public.t (a);", "drop index public.t_a;", "index public.t_a is missing"),
    ("sequence parameters", "create sequence public.s;", "alter sequence public.s increment by 5;",
     "sequence public.s: parameters differs:"),
    ("sequence owned by", T + "create sequence public.s;", "alter sequence public.s owned by public.t.a;",
     "sequence public.s: owned by differs: (none) vs public.t.a"),
    ("view definition", T + "create view public.v as select id from public.t;",
     "create or replace view public.v as select id from public.t where id > 0;",
     "view public.v: definition differs"),
    ("matview", T + "create materialized view public.mv as select id from public.t;",
     "drop materialized view public.mv;", "materialized view public.mv is missing"),
    # functions
    ("function definition", F,
     "create or replace function public.f(x bigint) returns bigint language sql as $$ select x + 1 $$;",
     "function public.f(bigint): definition differs"),
    ("function acl", F, "revoke execute on function public.f(bigint) from anon;",
     "function public.f(bigint): anon has no privileges, expected EXECUTE"),
    ("function owner", F, "alter function public.f(bigint) owner to supabase_admin;",
     "function public.f(bigint): owner differs: postgres vs supabase_admin"),
    ("procedure", "", "create procedure public.pr() language sql as $$ select 1 $$;",
     "procedure public.pr() exists but should not"),
    # triggers, policies
    ("trigger enabled", T + "create function public.tg() returns trigger language plpgsql as $$ begin return new; end $$;"
     "create trigger trg before insert on public.t for each row execute function public.tg();",
     "alter table public.t disable trigger trg;",
     'trigger "trg" on public.t: enabled differs: enabled vs disabled'),
    ("trigger definition", T + "create function public.tg() returns trigger language plpgsql as $$ begin return new; end $$;"
     "create trigger trg before insert on public.t for each row execute function public.tg();",
     "drop trigger trg on public.t; create trigger trg after insert on public.t for each row execute function public.tg();",
     'trigger "trg" on public.t: definition differs'),
    ("policy using", T + "create policy x on public.t using (a = id);",
     "alter policy x on public.t using (a <> id);",
     'policy "x" on public.t: USING expression differs: (a = id) vs (a <> id)'),
    ("policy check", T + "create policy x on public.t for insert with check (a > 0);",
     "alter policy x on public.t with check (a > 1);",
     'policy "x" on public.t: WITH CHECK expression differs: (a > 0) vs (a > 1)'),
    ("policy roles", T + "create policy x on public.t to anon using (true);",
     "alter policy x on public.t to anon, authenticated;",
     'policy "x" on public.t: roles differs: (anon) vs (anon, authenticated)'),
    # types
    ("enum labels", "create type public.mood as enum ('a', 'b');", "alter type public.mood add value 'c';",
     "enum public.mood: labels differs: (a, b) vs (a, b, c)"),
    ("enum order", "create type public.mood as enum ('a', 'c');", "alter type public.mood add value 'b' before 'c';",
     "enum public.mood: labels differs: (a, c) vs (a, b, c)"),
    ("domain constraint", "create domain public.pos as int constraint pos_check check (value > 0);",
     "alter domain public.pos drop constraint pos_check;",
     "domain public.pos: constraint pos_check is missing"),
    ("domain default", "create domain public.pos as int;", "alter domain public.pos set default 1;",
     "domain public.pos: default differs: (none) vs 1"),
    ("composite", "create type public.pair as (a int, b text);", "alter type public.pair add attribute c int;",
     "composite type public.pair: attributes differs"),
    # extensions, schemas, grants, default privileges, comments, publications, owners
    ("extension", "", "create extension citext with schema extensions;",
     "extension citext exists but should not"),
    ("schema", "", "create schema app;", "schema app exists but should not"),
    ("schema acl", "create schema app;", "grant usage on schema app to anon;",
     "schema app: anon has USAGE, expected no privileges"),
    ("table acl", T + "grant select, insert on public.t to dashboard_user;",
     "revoke insert on public.t from dashboard_user;",
     "table public.t: privileges of dashboard_user differ: INSERT, SELECT vs SELECT"),
    ("grant option", T, "grant select on public.t to dashboard_user with grant option;",
     "table public.t: dashboard_user has SELECT*, expected no privileges"),
    ("column acl", T, "grant update (a) on public.t to dashboard_user;",
     "table public.t: column a: dashboard_user has UPDATE, expected no privileges"),
    ("type acl", "create type public.mood as enum ('a');", "revoke usage on type public.mood from public;",
     "enum public.mood: PUBLIC has no privileges, expected USAGE"),
    ("default acl", "create schema app;", "alter default privileges in schema app grant select on tables to anon;",
     "default privileges for role postgres in schema app on tables exists but should not"),
    ("default acl change", "", "alter default privileges for role postgres in schema public revoke all on tables from anon;",
     "default privileges for role postgres in schema public on tables: anon has no privileges, expected DELETE"),
    ("table comment", T, "comment on table public.t is 'hello';", "table public.t: comment differs: (none) vs hello"),
    ("column comment", T, "comment on column public.t.a is 'hi';", "table public.t: column a: comment differs: (none) vs hi"),
    ("function comment", F, "comment on function public.f(bigint) is 'f';",
     "function public.f(bigint): comment differs: (none) vs f"),
    ("policy comment", T + "create policy x on public.t using (true);", "comment on policy x on public.t is 'p';",
     'policy "x" on public.t: comment differs: (none) vs p'),
    ("schema comment", "create schema app;", "comment on schema app is 's';", "schema app: comment differs: (none) vs s"),
    ("publication member", T, "alter publication supabase_realtime add table public.t;",
     "publication supabase_realtime: tables differs: (none) vs (public.t)"),
    ("table publications", T, "alter publication supabase_realtime add table public.t;",
     "table public.t: publications differs: (none) vs (supabase_realtime)"),
    ("table owner", T, "alter table public.t owner to supabase_admin;",
     "table public.t: owner differs: postgres vs supabase_admin"),
    ("role", "", "create role app_reader nologin;", "role app_reader exists but should not"),
]


@pytest.mark.parametrize(("setup", "change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_diff_finds_and_says(pg_db, setup: str, change: str, expected: str) -> None:
    with pg_db.connect() as conn:
        if setup:
            conn.execute(setup.encode())
        before = snapshot(conn)
        try:
            conn.execute(change.encode())
            after = snapshot(conn)
        finally:
            conn.execute(b"DROP ROLE IF EXISTS app_reader")
    d = diff(before, after)
    assert not d.exact
    assert any(expected in line for line in d.differences), str(d)


def test_same_database_is_exact(pg_db) -> None:
    with pg_db.connect() as conn:
        conn.execute((T + F + "create policy x on public.t using (true); create view public.v as select * from public.t;").encode())
        d = diff(snapshot(conn), snapshot(conn))
    assert d.exact and not d.column_order_only and d.ok()
    assert str(d) == "no differences"


def test_two_databases_built_by_different_sql_are_exact(pg_server) -> None:
    a = pg_server.baseline_database("snap_a")
    b = pg_server.baseline_database("snap_b")
    try:
        import psycopg

        with psycopg.connect(a, autocommit=True) as ca, psycopg.connect(b, autocommit=True) as cb:
            ca.execute(b"create table public.t (id bigint primary key, a int not null default 0)")
            cb.execute(b"CREATE TABLE t (id int8, a integer DEFAULT (0) NOT NULL); ALTER TABLE t ADD PRIMARY KEY (id);")
            d = diff(snapshot(ca), snapshot(cb))
    finally:
        pg_server.drop_database("snap_a")
        pg_server.drop_database("snap_b")
    assert d.exact, str(d)


def test_column_order_only(pg_db) -> None:
    with pg_db.connect() as conn:
        conn.execute(T.encode())
        before = snapshot(conn)
        conn.execute(b"alter table public.t drop column a; alter table public.t add column a int;")
        after = snapshot(conn)
    d = diff(before, after)
    assert not d.exact and d.column_order_only
    assert d.differences == []
    assert d.order_differences == ["table public.t: column order differs: (id, a, b) vs (id, b, a)"]
    assert not d.ok() and d.ok(allow_column_order=True)


def test_null_acl_equals_explicit_owner_default(pg_db) -> None:
    with pg_db.connect() as conn:
        conn.execute(b"create schema app; create function app.g() returns int language sql as $$ select 1 $$;")
        nulls = conn.execute(
            b"select (select nspacl from pg_namespace where nspname = 'app') is null,"
            b" (select proacl from pg_proc where proname = 'g') is null"
        ).fetchone()
        assert nulls == (True, True)
        before = snapshot(conn)
        # Both grants restate the defaults; the ACLs stop being NULL.
        conn.execute(b"grant all on schema app to postgres; grant execute on function app.g() to public;")
        assert conn.execute(b"select nspacl is null from pg_namespace where nspname = 'app'").fetchone() == (False,)
        after = snapshot(conn)
    assert diff(before, after).exact


def test_backup_schema_and_extension_objects_are_left_out(pg_db) -> None:
    with pg_db.connect() as conn:
        before = snapshot(conn)
        conn.execute(f"create schema {BACKUP_SCHEMA}; create table {BACKUP_SCHEMA}.x as select 1 as a;".encode())
        conn.execute(b"create extension pg_trgm with schema extensions;")
        after = snapshot(conn)
    assert BACKUP_SCHEMA not in after["schema"]
    assert not any(k.startswith("extensions.") for k in after["function"])  # pg_trgm's functions
    assert not any(k.startswith("extensions.") for k in after["type"])
    assert str(diff(before, after)) == "- extension pg_trgm exists but should not"


def test_snapshot_describes_the_baseline(pg_db) -> None:
    with pg_db.connect() as conn:
        snap = snapshot(conn)
    users = snap["relation"]["auth.users"]
    assert users["owner"] == "supabase_auth_admin" and users["row level security"]
    assert users["columns"]["is_anonymous"] == {
        "type": "boolean", "not null": True, "default": "false", "identity": None, "generated": None,
        "collation": None, "acl": {}, "comment": None, "statistics target": None, "storage": None, "options": [],
    }
    assert snap["relation"]["storage.objects"]["columns"]["path_tokens"]["generated"] == "string_to_array(name, '/'::text)"
    assert "auth.uid()" in snap["function"] and "storage.foldername(text)" in snap["function"]
    assert snap["publication"]["supabase_realtime"]["tables"] == []
    assert snap["default_acl"]["for role postgres in schema public on tables"]["acl"]["anon"].startswith("DELETE,INSERT")


def test_long_definitions_show_the_first_differing_line(pg_db) -> None:
    with pg_db.connect() as conn:
        conn.execute(b"create function public.h() returns int language plpgsql as $$\nbegin\n  return 1;\nend $$;")
        before = snapshot(conn)
        conn.execute(b"create or replace function public.h() returns int language plpgsql as $$\nbegin\n  return 2;\nend $$;")
        after = snapshot(conn)
    lines = diff(before, after).differences
    assert len(lines) == 1
    assert lines[0].startswith("function public.h(): definition differs (line ")
    assert "return 1; vs return 2;" in lines[0]


def test_a_table_recreated_is_exact_and_keeps_only_options_a_migration_set(pg_db) -> None:
    """Some server builds stamp every column they create with an option of their own
    (Debian's PostgreSQL 15.20: ``pg_attver=<n>``, a new value when a rollback recreates
    the table). Only the options a migration set are schema."""
    with pg_db.connect() as conn:
        conn.execute(b"create table public.r (id int, a int); alter table public.r alter column a set (n_distinct = 10);")
        before = snapshot(conn)
        conn.execute(b"drop table public.r; create table public.r (id int, a int);"
                     b"alter table public.r alter column a set (n_distinct = 10);")
        after = snapshot(conn)
    assert diff(before, after).exact, str(diff(before, after))
    assert after["relation"]["public.r"]["columns"]["a"]["options"] == ["n_distinct=10"]
    assert after["relation"]["public.r"]["columns"]["id"]["options"] == []
