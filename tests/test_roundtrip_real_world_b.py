"""Round trips (real PostgreSQL) of what real Supabase projects write (issue 4, part B).

Drop-then-recreate idioms, redefinitions across several migrations, DROP ... CASCADE,
enum values, sequences and identity columns, owners, domains, composite types, role
settings and roles, publications, schema-wide grants, SET SCHEMA and partitions.
"""

from __future__ import annotations

import pytest

TABLE = "create table public.t (id bigint primary key, owner_id uuid, status text, n int);"
RLS = "alter table public.t enable row level security;"


# -- drop-then-recreate idioms -------------------------------------------------------------------


def test_drop_policy_if_exists_then_create(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TABLE, RLS, "create policy p on public.t for select to authenticated using (n > 0);"],
        migration="drop policy if exists p on public.t;\n"
        "create policy p on public.t for select to authenticated using (owner_id = auth.uid());",
    )
    assert "n > 0" in sql


def test_drop_trigger_if_exists_then_create(roundtrip) -> None:
    fn = (
        "create function public.touch() returns trigger language plpgsql as $$ begin new.n := 1; return new; end $$;"
    )
    roundtrip(
        history=[TABLE, fn, "create trigger trg before insert on public.t for each row execute function public.touch();"],
        migration="drop trigger if exists trg on public.t;\n"
        "create trigger trg before insert or update on public.t for each row execute function public.touch();",
    )


def test_drop_function_if_exists_then_create(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create function public.f(a int default 1) returns int language sql stable as $$ select a $$;",
            "revoke execute on function public.f(int) from anon;",
        ],
        migration="drop function if exists public.f(int);\n"
        "create function public.f(a int) returns bigint language plpgsql security definer "
        "set search_path = '' as $$ begin return a; end $$;",
    )
    assert "a integer = 1" in sql


def test_drop_view_if_exists_then_create(roundtrip) -> None:
    roundtrip(
        history=[TABLE, "create view public.v as select id, status from public.t;",
                 "grant select on public.v to anon;"],
        migration="drop view if exists public.v;\ncreate view public.v as select id, n, owner_id from public.t;",
    )


def test_drop_constraint_if_exists_then_add(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TABLE, "alter table public.t add constraint n_positive check (n > 0);"],
        migration="alter table public.t drop constraint if exists n_positive;\n"
        "alter table public.t add constraint n_positive check (n >= 0);",
    )
    assert "n > 0" in sql


def test_drop_constraint_if_exists_absent_then_add(roundtrip) -> None:
    roundtrip(
        history=[TABLE],
        migration="alter table public.t drop constraint if exists t_status_check;\n"
        "alter table public.t add constraint t_status_check check (status in ('a', 'b'));",
    )


# -- redefinitions across several migrations ------------------------------------------------------


def test_function_redefined_in_four_migrations(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create function public.g(a int, b text default 'x') returns text language sql as $$ select b $$;",
            "create or replace function public.g(a int, b text default 'y') returns text language plpgsql "
            "stable security definer set search_path = public as $$ begin return b || a; end $$;",
            "grant execute on function public.g(int, text) to authenticated;\n"
            "revoke execute on function public.g(int, text) from anon;",
        ],
        migration="create or replace function public.g(a int, b text default 'z') returns text language sql "
        "volatile as $$ select b $$;",
    )
    assert "SECURITY DEFINER" in sql and "'y'" in sql


def test_function_redefined_with_other_return_type(roundtrip) -> None:
    roundtrip(
        history=[
            "create function public.h(a int) returns int language sql as $$ select a $$;",
            "create or replace function public.h(a int) returns int language sql immutable as $$ select a + 1 $$;",
            "revoke all on function public.h(int) from public, anon;",
        ],
        migration="drop function public.h(int);\n"
        "create function public.h(a int) returns table (x int) language sql as $$ select a $$;",
    )


def test_view_redefined_in_three_migrations(roundtrip) -> None:
    roundtrip(
        history=[
            TABLE,
            "create view public.v as select id from public.t;",
            "create or replace view public.v as select id, status from public.t where n > 1;",
            "alter view public.v set (security_invoker = true);",
        ],
        migration="create or replace view public.v as select id, status, n from public.t;",
    )


def test_policy_redefined_in_three_migrations(roundtrip) -> None:
    roundtrip(
        history=[
            TABLE, RLS,
            "create policy p on public.t for all to authenticated using (true);",
            "drop policy p on public.t;\ncreate policy p on public.t for update to authenticated "
            "using (owner_id = auth.uid()) with check (n > 0);",
        ],
        migration="drop policy if exists p on public.t;\n"
        "create policy p on public.t as restrictive for update to anon using (false);",
    )


# -- sequences and identity columns ---------------------------------------------------------------


def test_create_sequence(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TABLE],
        migration="create sequence public.order_no as integer increment 5 start 100 cache 2 owned by public.t.n;\n"
        "alter table public.t alter column n set default nextval('public.order_no');",
    )
    assert "DROP SEQUENCE public.order_no;" in sql


@pytest.mark.parametrize(
    "change",
    [
        "alter sequence public.s increment by 10 maxvalue 5000 cycle;",
        "alter sequence public.s as smallint;",
        "alter sequence public.s as bigint minvalue -5 start with -5 cache 10;",
        "alter sequence public.s owned by public.t.n;",
        "alter sequence public.s owned by none;",
        "alter sequence public.s increment by -1 no minvalue;",
        "alter sequence public.s as smallint increment by -2 no maxvalue no minvalue start with -3;",
    ],
)
def test_alter_sequence(roundtrip, change: str) -> None:
    roundtrip(
        history=[TABLE, "create sequence public.s as integer minvalue 1 start 3;",
                 "alter sequence public.s owned by public.t.id;"],
        migration=change,
    )


def test_alter_sequence_restart_is_manual(roundtrip) -> None:
    rb, sql = roundtrip(history=["create sequence public.s;"], migration="alter sequence public.s restart with 50;",
                        expect_manual=True)
    assert "setval" in sql


def test_drop_sequence_cascade_restores_defaults(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TABLE, "create sequence public.s start 7;",
                 "alter table public.t alter column n set default nextval('s'::regclass);",
                 "grant usage on sequence public.s to authenticated;",
                 "comment on sequence public.s is 'numbers';"],
        migration="drop sequence public.s cascade;",
    )
    assert "SET DEFAULT nextval" in sql


def test_sequence_rename_schema_owner(roundtrip) -> None:
    roundtrip(
        history=[TABLE, "create schema app;", "create sequence public.s;",
                 "alter table public.t alter column n set default nextval('public.s');"],
        migration="alter sequence public.s rename to s2;\nalter sequence public.s2 set schema app;\n"
        "alter sequence app.s2 owner to authenticated;",
    )


@pytest.mark.parametrize(
    "change",
    [
        "alter table public.t alter column n set not null;\n"
        "alter table public.t alter column n add generated by default as identity (start with 10);",
        "alter table public.t alter column id set generated by default;",
        "alter table public.t alter column id set increment by 3 set maxvalue 900;",
        "alter table public.t alter column id drop identity;",
        "alter table public.t alter column id drop identity if exists;",
    ],
)
def test_identity_columns(roundtrip, change: str) -> None:
    roundtrip(
        history=["create table public.t (id bigint generated always as identity (start with 5) primary key, n int);",
                 "grant select on sequence public.t_id_seq to anon;"],
        migration=change,
    )


# -- owners -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "alter table public.t owner to authenticated;",
        "alter view public.v owner to authenticated;",
        "alter materialized view public.mv owner to authenticated;",
        "alter sequence public.s owner to authenticated;",
        "alter type public.mood owner to authenticated;",
        "alter domain public.posint owner to authenticated;",
        "alter schema app owner to authenticated;",
        "alter function public.f(int) owner to authenticated;",
    ],
)
def test_owner_to(roundtrip, change: str) -> None:
    roundtrip(
        history=[
            TABLE, "create schema app;", "grant usage on schema app to authenticated;",
            "create view public.v as select id from public.t;",
            "create materialized view public.mv as select id from public.t;",
            "create sequence public.s;",
            "create type public.mood as enum ('a', 'b');",
            "create domain public.posint as int check (value > 0);",
            "grant usage on type public.mood to authenticated;",
            "create function public.f(a int) returns int language sql as $$ select a $$;",
        ],
        migration=change,
    )


def test_owner_to_twice_then_back(roundtrip) -> None:
    roundtrip(
        history=["create type public.mood as enum ('a');", "alter type public.mood owner to anon;"],
        migration="alter type public.mood owner to authenticated;",
    )


def test_dropped_type_comes_back_with_owner(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create type public.mood as enum ('a');", "alter type public.mood owner to anon;"],
        migration="drop type public.mood;",
    )
    assert "OWNER TO anon" in sql


# -- functions: ALTER FUNCTION, materialized views, CREATE TABLE AS ------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "alter function public.f(int) security definer;",
        "alter function public.f(int) set search_path = public, extensions;",
        "alter function public.f(int) reset all;",
        "alter function public.f(int) stable strict cost 5;",
        "alter function public.f(int) set statement_timeout = '5s' security invoker;",
    ],
)
def test_alter_function_options(roundtrip, change: str) -> None:
    roundtrip(
        history=["create function public.f(a int) returns int language plpgsql set search_path = '' "
                 "as $$ begin return a; end $$;"],
        migration=change,
    )


def test_materialized_view_create_drop_and_index(roundtrip) -> None:
    roundtrip(
        history=[TABLE, "create materialized view public.mv as select id, n from public.t with no data;",
                 "create unique index mv_id on public.mv (id);", "grant select on public.mv to authenticated;"],
        migration="drop materialized view public.mv;",
    )


def test_create_table_as(roundtrip) -> None:
    roundtrip(history=[TABLE], migration="create table public.copy as select id, n from public.t;")


# -- enums: ADD VALUE is undone by rebuilding the type --------------------------------------------------

MOOD = "create type public.mood as enum ('happy', 'sad');"


def test_add_value_rebuild_with_everything_that_uses_the_type(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            MOOD,
            "create table public.t (id bigint primary key, m public.mood not null default 'happy', "
            "ms public.mood[] default '{sad}', note text, constraint not_sad check (m <> 'sad'));",
            "create index t_m on public.t (m);\ncreate index t_happy on public.t (id) where m = 'happy';",
            "alter table public.t enable row level security;\n"
            "create policy happy_only on public.t for select using (m = 'happy'::public.mood);",
            "create view public.v as select id, m from public.t;\ncreate view public.vv as select id from public.v;",
            "grant select on public.v to anon;",
            "create function public.is_happy(x public.mood default 'happy') returns boolean language sql immutable "
            "as $$ select x = 'happy' $$;",
            "create function public.sad() returns public.mood language sql begin atomic select 'sad'::public.mood; end;",
            "revoke execute on function public.is_happy(public.mood) from anon;",
            "grant usage on type public.mood to authenticated;\ncomment on type public.mood is 'feelings';",
            "insert into public.t (id, m, ms) values (1, 'happy', '{happy,sad}');",
        ],
        migration="alter type public.mood add value 'meh' before 'sad';",
    )
    assert "still used by" in sql


def test_add_value_without_columns(roundtrip) -> None:
    roundtrip(history=[MOOD, "alter type public.mood owner to authenticated;"],
              migration="alter type public.mood add value if not exists 'meh';")


def test_add_value_guard_stops_while_rows_use_it(pg_db) -> None:
    from roundtrip import apply_migration, make_migrations, run_psql

    from generator.engine import generate
    from generator.render import render_sql

    migs = make_migrations(
        [MOOD, "create table public.t (id int, m public.mood);"],
        "alter type public.mood add value 'meh';",
        "20990101000000",
    )
    rb = generate(migs, targets={"20990101000000"})[0]
    with pg_db.connect() as conn:
        for m in migs:
            apply_migration(conn, m)
        conn.execute("insert into public.t values (1, 'meh'), (2, 'meh'), (3, 'sad')")
    res = run_psql(pg_db.server, pg_db.conninfo, render_sql(rb))
    assert res.returncode != 0
    assert "enum value 'meh' of public.mood is still used by 2 rows of public.t.m" in res.stderr
    with pg_db.connect() as conn:  # nothing changed
        labels = conn.execute("select enum_range(null::public.mood)::text").fetchone()[0]
    assert labels == "{happy,sad,meh}"


# -- DROP ... CASCADE ------------------------------------------------------------------------------------


def test_drop_table_cascade_with_views_fks_and_policies(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            TABLE,
            "create table public.child (id int primary key, t_id bigint references public.t (id));",
            "create view public.v as select id, status from public.t;",
            "create view public.vv as select id from public.v where id > 1;",
            "create materialized view public.mv as select id from public.vv;\ncreate index mv_id on public.mv (id);",
            "grant select on public.v to authenticated;\ncomment on view public.vv is 'second level';",
            "alter table public.child enable row level security;\n"
            "create policy via_t on public.child for select using (exists (select 1 from public.v where v.id = t_id));",
        ],
        migration="drop table public.t cascade;",
    )
    assert "CREATE VIEW public.vv" in sql and "CREATE POLICY via_t" in sql


def test_drop_column_cascade_with_views(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            TABLE,
            "create view public.uses_status as select id, status from public.t;",
            "create view public.on_top as select count(*) as n from public.uses_status;",
            "create view public.other as select id, n from public.t;",
            "grant select on public.uses_status to anon;",
        ],
        migration="alter table public.t drop column status cascade;",
        allow_column_order=True,
    )
    assert "CREATE VIEW public.on_top" in sql and "public.other" not in sql


def test_drop_column_cascade_with_star_view_is_manual(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TABLE, "create view public.everything as select * from public.t;"],
        migration="alter table public.t drop column status cascade;",
        expect_manual=True,
    )


def test_drop_function_cascade_with_every_kind_of_user(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create function public.is_admin() returns boolean language sql stable as $$ select true $$;",
            "create function public.twice(x int) returns int language sql immutable as $$ select x * 2 $$;",
            TABLE, RLS,
            "create policy admins on public.t for all to authenticated using (public.is_admin());",
            "alter table public.t alter column n set default twice(21);",
            "alter table public.t add constraint n_even check (twice(n) > 0);",
            "create index t_twice on public.t (twice(n::int));",
            "create view public.doubled as select id, twice(n) as d from public.t;",
            "create view public.on_doubled as select d from public.doubled;",
            "create function public.quad(x int) returns int language sql immutable begin atomic select twice(twice(x)); end;",
        ],
        migration="drop function public.twice(int) cascade;\ndrop function public.is_admin cascade;",
    )
    assert "CREATE POLICY admins" in sql and "SET DEFAULT twice(21)" in sql and "public.on_doubled" in sql


def test_drop_type_cascade_with_columns_functions_views_policies(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            MOOD,
            "create table public.t (id bigint primary key, m public.mood default 'happy', ms public.mood[], n int);",
            "create index t_m on public.t (m);",
            "create view public.moods as select id, m from public.t;",
            "create view public.happy as select 'happy'::public.mood as h;",
            "create function public.cheer(x public.mood) returns text language sql as $$ select x::text $$;",
            "create view public.cheers as select public.cheer(m) from public.t;",
            "alter table public.t enable row level security;\n"
            "create policy only_happy on public.t using (m = 'happy');",
            "grant select (m) on public.t to authenticated;",
        ],
        migration="drop type public.mood cascade;",
        allow_column_order=True,
    )
    assert "CREATE FUNCTION" in sql or "CREATE OR REPLACE FUNCTION public.cheer" in sql


# -- roles and role settings -------------------------------------------------------------------------


@pytest.fixture
def reset_platform_role_settings(pg_db):
    """Role settings are cluster-wide: leave Supabase's roles as the baseline has them."""
    yield
    with pg_db.connect() as conn:
        for role in ("anon", "authenticated", "authenticator"):
            conn.execute(f"alter role {role} reset all")


def test_role_created_altered_and_set(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[],
        migration="create role rt_b_reporting nologin noinherit;\n"
        "alter role rt_b_reporting with login connection limit 3 password 'secret';\n"
        "alter role rt_b_reporting set statement_timeout = '20s';\n"
        "grant authenticated to rt_b_reporting;",
    )
    assert "DROP ROLE rt_b_reporting;" in sql


def test_role_setting_known_from_history(roundtrip, reset_platform_role_settings) -> None:
    rb, sql = roundtrip(
        history=["alter role authenticated set statement_timeout = '5s';",
                 "alter role authenticator set pgrst.db_schemas = 'public, storage';"],
        migration="alter role authenticated set statement_timeout = '8s';\n"
        "alter role authenticator set pgrst.db_schemas = 'public, storage, api';\n"
        "alter role authenticator reset pgrst.db_schemas;",
    )
    assert "SET statement_timeout TO '5s'" in sql


def test_role_setting_unknown_is_manual(roundtrip, reset_platform_role_settings) -> None:
    rb, sql = roundtrip(migration="alter role anon set statement_timeout = '3s';", expect_manual=True)
    assert "RESET statement_timeout" in sql


def test_drop_role_created_by_the_migrations(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create role rt_b_gone login connection limit 2;",
                 "alter role rt_b_gone set search_path to public, extensions;",
                 "grant anon to rt_b_gone;"],
        migration="drop role rt_b_gone;",
    )
    assert "CREATE ROLE rt_b_gone" in sql


def test_rename_role(roundtrip) -> None:
    roundtrip(
        history=["create role rt_b_old nologin;", "create table public.t (id int);",
                 "grant select on public.t to rt_b_old;"],
        migration="alter role rt_b_old rename to rt_b_new;",
    )


# -- domains and composite types -----------------------------------------------------------------------

DOMAIN = "create domain public.email as text constraint email_at check (value like '%@%');"


@pytest.mark.parametrize(
    "change",
    [
        "alter domain public.email add constraint short check (length(value) < 200);",
        "alter domain public.email add check (value <> '') not valid;",
        "alter domain public.email drop constraint email_at;",
        "alter domain public.email drop constraint if exists nope;",
        "alter domain public.email set default 'a@b';",
        "alter domain public.email set not null;",
        "alter domain public.email rename constraint email_at to has_at;",
    ],
)
def test_alter_domain(roundtrip, change: str) -> None:
    roundtrip(history=[DOMAIN, "create table public.users (id int, e public.email);"], migration=change)


def test_alter_domain_history_then_drop(roundtrip) -> None:
    roundtrip(
        history=[DOMAIN, "alter domain public.email set default 'x@y';",
                 "alter domain public.email add constraint nv check (length(value) > 3) not valid;",
                 "alter domain public.email drop not null;",
                 "alter domain public.email validate constraint nv;"],
        migration="drop domain public.email;",
    )


@pytest.mark.parametrize(
    "change",
    [
        "alter type public.pair add attribute c text;",
        "alter type public.pair drop attribute b;",
        "alter type public.pair drop attribute a;",
        "alter type public.pair alter attribute a type bigint;",
        "alter type public.pair rename attribute a to first;",
    ],
)
def test_alter_composite(roundtrip, change: str) -> None:
    roundtrip(
        history=["create type public.pair as (a int, b text collate \"C\");",
                 "grant usage on type public.pair to authenticated;"],
        migration=change,
    )


# -- publications, schema-wide grants, default privileges, extensions --------------------------------------

@pytest.mark.parametrize(
    "change",
    [
        "alter publication supabase_realtime add table public.t;",
        "alter publication supabase_realtime add table public.t;\n"
        "alter publication supabase_realtime drop table public.u;",
        "alter publication supabase_realtime set table public.u;",
        "alter publication supabase_realtime drop table public.u;",
        "alter publication supabase_realtime set table public.t, public.u;",
    ],
)
def test_realtime_publication(roundtrip, change: str) -> None:
    roundtrip(
        history=[TABLE, "create table public.u (id int primary key);",  # the baseline has supabase_realtime
                 "alter publication supabase_realtime add table public.u;"],
        migration=change,
    )


def test_drop_and_recreate_realtime_publication(roundtrip) -> None:
    roundtrip(
        history=[TABLE, "alter publication supabase_realtime add table public.t;"],
        migration="drop publication if exists supabase_realtime;\n"
        "create publication supabase_realtime for table public.t with (publish = 'insert, update');",
    )


@pytest.mark.parametrize(
    "change",
    [
        "grant all on all tables in schema public to anon;",
        "revoke all on all tables in schema public from anon, authenticated;",
        "grant usage, select on all sequences in schema public to authenticated;",
        "revoke execute on all functions in schema public from public, anon;",
        "grant all on all functions in schema app to service_role;",
    ],
)
def test_schema_wide_grants(roundtrip, change: str) -> None:
    roundtrip(
        history=[TABLE, "create schema app;", "create sequence public.s;",
                 "create function public.f() returns int language sql as $$ select 1 $$;",
                 "create function app.g() returns int language sql as $$ select 1 $$;",
                 "revoke select on public.t from anon;"],
        migration=change,
    )


@pytest.mark.parametrize(
    "change",
    [
        "alter default privileges in schema public revoke all on tables from anon;",
        "alter default privileges revoke execute on functions from public;",
        "alter default privileges in schema app grant select on tables to authenticated;",
        "alter default privileges for role postgres in schema public grant usage on sequences to anon;",
    ],
)
def test_default_privileges(roundtrip, change: str) -> None:
    roundtrip(history=["create schema app;"], migration=change)


def test_alter_extension(roundtrip) -> None:
    roundtrip(
        history=["create extension if not exists pg_trgm with schema extensions;"],
        migration="alter extension pg_trgm set schema public;",
    )


# -- ALTER TABLE ... SET SCHEMA -----------------------------------------------------------------------------


def test_table_set_schema_moves_everything_back(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create schema app;",
            "create table public.parent (id bigserial primary key, code text unique, n int check (n > 0));",
            "create table public.child (id int generated always as identity, parent_id bigint references public.parent);",
            "create index parent_n on public.parent (n);\ncomment on index public.parent_n is 'n';",
            "create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;",
            "create trigger parent_touch before update on public.parent for each row execute function public.touch();",
            "alter table public.parent enable row level security;\n"
            "create policy p on public.parent for select using (n > 1);",
            "create view public.parents as select id, code from public.parent;",
            "grant select (code) on public.parent to anon;\ncomment on column public.parent.code is 'c';",
            "alter publication supabase_realtime add table public.parent;",
        ],
        migration="alter table public.parent set schema app;\nalter table public.child set schema app;",
    )
    assert "ALTER TABLE app.parent SET SCHEMA public;" in sql


def test_table_set_schema_then_drop(roundtrip) -> None:
    roundtrip(
        history=["create schema app;", "create table public.t (id serial primary key, n int);",
                 "create view public.v as select n from public.t;",
                 "alter table public.t set schema app;"],
        migration="drop view public.v;\ndrop table app.t;",
    )


# -- partitions ------------------------------------------------------------------------------------------------

MEASURES = "create table public.measures (id bigint not null, at date not null, v numeric) partition by range (at);"


def test_create_partitioned_table_and_partitions(roundtrip) -> None:
    rb, sql = roundtrip(
        migration=MEASURES + "\ncreate table public.measures_2024 partition of public.measures "
        "for values from ('2024-01-01') to ('2025-01-01');\n"
        "create table public.measures_rest partition of public.measures default;",
    )
    assert "DROP TABLE public.measures_2024;" in sql


def test_partition_of_is_dropped(roundtrip) -> None:
    roundtrip(
        history=[MEASURES, "alter table public.measures add primary key (id, at);"],
        migration="create table public.measures_2025 partition of public.measures "
        "for values from ('2025-01-01') to ('2026-01-01');",
    )


def test_detach_then_attach(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[MEASURES, "create index measures_at on public.measures (at);",
                 "create table public.measures_2024 partition of public.measures "
                 "for values from ('2024-01-01') to ('2025-01-01');"],
        migration="alter table public.measures detach partition public.measures_2024;",
    )
    assert "ATTACH PARTITION public.measures_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')" in sql


def test_attach_is_detached(roundtrip) -> None:
    roundtrip(
        history=[MEASURES, "create table public.old_measures (id bigint not null, at date not null, v numeric);"],
        migration="alter table public.measures attach partition public.old_measures "
        "for values from ('2000-01-01') to ('2024-01-01');",
    )


def test_attach_with_parent_indexes_is_manual(roundtrip) -> None:
    roundtrip(
        history=[MEASURES, "create index measures_at on public.measures (at);",
                 "create table public.old_measures (id bigint not null, at date not null, v numeric);"],
        migration="alter table public.measures attach partition public.old_measures "
        "for values from ('2000-01-01') to ('2024-01-01');",
        expect_manual=True,
    )


def test_drop_schema_cascade_with_contents_and_dependents_elsewhere(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            "create schema app;\ngrant usage on schema app to authenticated;",
            "create type app.status as enum ('new', 'done');",
            "create domain app.positive as int check (value > 0);",
            "create sequence app.numbers start 100;",
            "create table app.items (id bigserial primary key, status app.status default 'new', "
            "qty app.positive, code int default nextval('app.numbers'));",
            "create function app.item_count() returns bigint language sql stable as $$ select count(*) from app.items $$;",
            "create view app.open_items as select id from app.items where status = 'new';",
            "create table public.orders (id int primary key, item_id bigint references app.items, s app.status);",
            "create view public.order_items as select o.id, i.qty from public.orders o join app.items i on i.id = o.item_id;",
            "grant select on app.items to authenticated;\ncomment on table app.items is 'things';",
        ],
        migration="drop schema app cascade;",
        allow_column_order=True,
    )
    assert "CREATE SCHEMA app;" in sql and "public.order_items" in sql


def test_pg_dump_style_owner_statements(roundtrip) -> None:
    roundtrip(
        history=[TABLE, "create view public.v as select id from public.t;", "create sequence public.s;",
                 "create table public.c (id serial);"],
        migration='ALTER TABLE "public"."v" OWNER TO "authenticated";\n'
        'ALTER TABLE "public"."s" OWNER TO "authenticated";\n'
        'ALTER TABLE "public"."c_id_seq" OWNER TO "postgres";\n'
        'ALTER PUBLICATION "supabase_realtime" OWNER TO "authenticated";\n'
        'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT ALL ON TABLES TO "postgres";',
    )


def test_drop_view_cascade_with_a_policy_reading_it(roundtrip) -> None:
    roundtrip(
        history=[TABLE, RLS, "create view public.admins as select owner_id from public.t where n = 0;",
                 "create view public.admin_ids as select owner_id from public.admins;",
                 "create policy admins_only on public.t for select using "
                 "(exists (select 1 from public.admin_ids a where a.owner_id = auth.uid()));"],
        migration="drop view public.admins cascade;",
    )
