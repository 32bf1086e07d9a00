"""Data statements: INSERT ... VALUES inverts to DELETE by key; the rest are manual steps
that name the data and say where it must come from."""

from pathlib import Path

import psycopg
import pytest
from roundtrip import apply_migration, make_migrations, run_psql

from generator.engine import generate
from generator.parse import Migration
from generator.render import render_sql
from generator.steps import Hazard


def _steps(history: str, sql: str):
    ms = [Migration("1", "h", Path("h.sql"), history), Migration("2", "m", Path("m.sql"), sql)]
    return generate(ms, targets={"2"})[0].steps


T = "create table public.t (id int primary key, v text);"


def test_update_is_manual_and_not_restored():
    (step,) = _steps("create table public.t (id int primary key, v text);", "update t set v = 'x';")
    assert step.manual and "public.t" in step.manual and "UPDATE t SET v = 'x'" in step.manual
    assert "backup taken before the migration" in step.manual
    assert {h.code for h in step.hazards} == {Hazard.MANUAL, Hazard.DATA_NOT_RESTORED}


def test_truncate_names_every_table():
    (step,) = _steps("create table a (id int); create table b (id int);", "truncate a, b;")
    assert "public.a, public.b" in step.manual


def test_insert_with_primary_key_is_deleted_by_key():
    (step,) = _steps(T, "insert into t values (1, 'a'), (2, 'b');")
    assert step.manual is None
    assert step.sql == ["DELETE FROM public.t WHERE id IN (1, 2);"]
    assert step.backups[0].query == "SELECT * FROM public.t WHERE id IN (1, 2)" and step.backups[0].name == "2_t"
    assert Hazard.DELETES_DATA in {h.code for h in step.hazards}


def test_insert_composite_and_unique_keys():
    (step,) = _steps("create table public.m (a int, b text, c int, primary key (a, b));",
                     "insert into public.m (b, a, c) values ('x', 1, 9), ('y''s', 2, 8);")
    assert step.sql == ["DELETE FROM public.m WHERE (a, b) IN ((1, 'x'), (2, 'y''s'));"]
    (step,) = _steps("create table public.u (id uuid primary key default gen_random_uuid(), slug text unique);",
                     "insert into public.u (slug) values ('home');")
    assert step.sql == ["DELETE FROM public.u WHERE slug IN ('home');"]


def test_insert_without_a_usable_key_is_manual():
    (step,) = _steps("create table public.n (v text);", "insert into public.n values ('x');")
    assert step.manual and "cannot be told from older identical ones" in step.manual
    (step,) = _steps("create table public.s (id bigserial primary key, v text);", "insert into public.s (v) values ('x');")
    assert step.manual
    (step,) = _steps(T, "insert into public.t values (default, 'x');")
    assert step.manual


def test_insert_select_and_default_values_are_manual():
    (step,) = _steps(T + "create table public.o (id int);", "insert into public.t (id) select id from public.o;")
    assert step.manual and "INSERT ... SELECT" in step.manual
    (step,) = _steps("create table public.d (id serial primary key);", "insert into public.d default values;")
    assert step.manual and "DEFAULT VALUES" in step.manual


def test_on_conflict_do_nothing_into_older_table_is_manual_with_suggestion():
    (step,) = _steps(T, "insert into t values (1, 'a') on conflict do nothing;")
    assert step.manual and "ON CONFLICT DO NOTHING" in step.manual
    assert step.sql == ["DELETE FROM public.t WHERE id IN (1);"]


def test_upsert_is_manual_and_not_restored():
    (step,) = _steps(T, "insert into t values (1, 'a') on conflict (id) do update set v = excluded.v;")
    assert step.manual and Hazard.DATA_NOT_RESTORED in {h.code for h in step.hazards}


def test_rows_of_a_table_created_in_the_same_file_need_no_step():
    steps = _steps("", T + "insert into t values (1, 'a') on conflict do nothing; update t set v = 'b'; "
                   "delete from t where id = 2; insert into t select 5, 'x';")
    assert [s.sql for s in steps] == [["DROP TABLE public.t;"]]


def test_renamed_table_is_not_mistaken_for_a_new_one():
    (step, *_rest) = _steps(T, "alter table t rename to t2; create table t (id int primary key); "
                            "insert into t2 values (1, 'a') on conflict do nothing;")
    assert step.manual


def test_storage_bucket_insert_deletes_the_bucket_and_warns_about_objects():
    (step,) = _steps("", "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);")
    assert step.sql == ["DELETE FROM storage.buckets WHERE id IN ('avatars');"]
    (h,) = [h for h in step.hazards if h.code is Hazard.DELETES_DATA]
    assert "storage.objects" in h.reason and "Storage API" in h.reason


def test_insert_is_invertible_and_does_not_distrust_the_table():
    ms = [
        Migration("1", "h", Path("h.sql"), "create table public.t (id int primary key);"),
        Migration("2", "m", Path("m.sql"), "insert into t values (1);"),
        Migration("3", "d", Path("d.sql"), "drop table t;"),
    ]
    rbs = generate(ms)
    assert rbs[1].steps[0].sql == ["DELETE FROM public.t WHERE id IN (1);"]
    (drop,) = rbs[2].steps
    assert drop.manual is None and "CREATE TABLE public.t" in drop.sql[0]


def test_insert_into_a_table_changed_by_an_unanalysed_statement_is_manual():
    (step,) = _steps(T + "do $$ begin execute 'alter table public.t ' || 'add column w int'; end $$;",
                     "insert into public.t values (1, 'a', 2);")
    assert step.manual and "could not analyse" in step.manual


def test_copy_to_is_inert():
    assert _steps("create table t (id int);", "copy t to stdout;") == []


def test_quoted_names_in_delete():
    (step,) = _steps('create table public."Order Items" ("Id" int primary key, "select" text);',
                     'insert into public."Order Items" ("Id", "select") values (1, \'x\');')
    assert step.sql == ['DELETE FROM public."Order Items" WHERE "Id" IN (1);']


# -- real server: rows, not only the schema ---------------------------------------------------


def _rows_roundtrip(pg_server, name: str, history: list[str], migration: str, queries: list[str]):
    """Rows read by ``queries`` before the migration, after it, and after the rollback."""
    migs = make_migrations(history, migration, "20990101000000")
    rb = generate(migs, targets={"20990101000000"})[0]
    assert not rb.manual_steps, [s.manual for s in rb.manual_steps]
    sql = render_sql(rb)
    dsn = pg_server.baseline_database(name)

    def read(conn):
        return [conn.execute(q).fetchall() for q in queries]

    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for m in migs[:-1]:
                apply_migration(conn, m)
            before = read(conn)
            apply_migration(conn, migs[-1])
            after = read(conn)
        res = run_psql(pg_server, dsn, sql)
        assert res.returncode == 0, res.stderr + "\n" + sql
        with psycopg.connect(dsn, autocommit=True) as conn:
            rolled = read(conn)
            backups = conn.execute(
                "select count(*) from pg_tables where schemaname = 'supabase_rollback_backup'").fetchone()[0]
    finally:
        pg_server.drop_database(name)
    return before, after, rolled, backups, sql


def test_insert_rows_are_deleted_on_a_real_server(pg_server, roundtrip):
    history = [
        'create table public.plans (id int primary key, name text not null, "Price" numeric);'
        "create table public.tags (id bigserial primary key, slug text unique not null);"
        "create table public.pairs (a uuid, b date, n int, primary key (a, b));"
        "insert into public.plans values (1, 'free', 0);"
        "insert into public.tags (slug) values ('old');",
    ]
    migration = (
        "insert into public.plans (id, name, \"Price\") values (2, 'pro', 10), (3, 'team''s', 30);\n"
        "insert into public.tags (slug) values ('new'), ('newer');\n"
        "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);\n"
        "insert into public.pairs values ('7d9f3c1e-2b4a-4c6d-8e0f-1a2b3c4d5e6f', '2024-01-02', 1), "
        "('7d9f3c1e-2b4a-4c6d-8e0f-1a2b3c4d5e6f'::uuid, date '2024-01-03', 2);\n"
    )
    queries = ["select * from public.plans order by id", "select slug from public.tags order by slug",
               "select id from storage.buckets order by id", "select * from public.pairs order by b"]
    before, after, rolled, backups, sql = _rows_roundtrip(pg_server, "rt_data_insert", history, migration, queries)
    assert after != before and rolled == before
    assert backups == 4  # the deleted rows are kept
    roundtrip(history=history, migration=migration)  # and the schema is unchanged


def test_bucket_with_objects_blocks_the_rollback(pg_server):
    migs = make_migrations([], "insert into storage.buckets (id, name) values ('docs', 'docs');", "20990101000000")
    sql = render_sql(generate(migs, targets={"20990101000000"})[0])
    dsn = pg_server.baseline_database("rt_data_bucket_objects")
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            apply_migration(conn, migs[0])
            conn.execute("insert into storage.objects (bucket_id, name) values ('docs', 'a.pdf')")
        res = run_psql(pg_server, dsn, sql)
        assert res.returncode != 0 and "objects_bucketId_fkey" in res.stderr
        with psycopg.connect(dsn, autocommit=True) as conn:  # the failed rollback changed nothing
            assert conn.execute("select count(*) from storage.buckets").fetchone()[0] == 1
    finally:
        pg_server.drop_database("rt_data_bucket_objects")


def test_seed_rows_of_a_new_table_go_with_the_table(roundtrip):
    rb, sql = roundtrip(history=[], migration=(
        "create table public.countries (code text primary key, name text);\n"
        "insert into public.countries values ('FR', 'France'), ('JP', 'Japan') on conflict do nothing;\n"
        "update public.countries set name = upper(name);\n"))
    assert "DELETE FROM" not in sql.split("Remove the migration")[0]


@pytest.mark.parametrize("migration", [
    "update public.t set v = 'x';",
    "delete from public.t where id = 1;",
    "truncate public.t;",
    "insert into public.t values (1, 'a') on conflict do nothing;",
    "insert into public.t values (1, 'a') on conflict (id) do update set v = excluded.v;",
    "insert into public.t select 7, 'x';",
])
def test_destructive_data_statements_are_manual_on_a_real_server(roundtrip, migration):
    rb, sql = roundtrip(history=[T + "insert into public.t values (1, 'one');"], migration=migration, expect_manual=True)
    assert "MANUAL STEP 1" in sql
