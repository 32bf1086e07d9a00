"""Pre-flight (drift) checks and post-rollback assertions (generator/preflight.py).

The real-server tests apply a migration, change the database the way production drifts
(a hotfix to a function, a policy edited in the dashboard, a widened column...), run the
generated rollback with ``psql -v ON_ERROR_STOP=1`` and check that it stops with a
message naming the object and that nothing at all was changed. An untouched database
must pass.
"""

from __future__ import annotations

import psycopg
import pytest
from roundtrip import apply_migration, make_migrations, run_psql

from generator.engine import generate
from generator.preflight import assertions_sql
from generator.render import render_sql
from generator.snapshot import diff, snapshot

VERSION = "20990101000000"


def _rollback(history: list[str], migration: str):
    migs = make_migrations(history, migration, VERSION)
    return migs, generate(migs, {VERSION})[0]


def _migrated(pg_db, history: list[str], migration: str, drift: list[str] = ()):
    migs, rb = _rollback(history, migration)
    with pg_db.connect() as conn:
        for m in migs:
            apply_migration(conn, m)
        for sql in drift:
            conn.execute(sql)
    return rb


def _run_expecting_stop(pg_db, rb, *needles: str) -> str:
    with pg_db.connect() as conn:
        before = snapshot(conn)
    res = run_psql(pg_db.server, pg_db.conninfo, render_sql(rb))
    assert res.returncode != 0, "the rollback ran on a drifted database"
    for needle in needles:
        assert needle in res.stderr, res.stderr
    assert "nothing was changed" in res.stderr
    with pg_db.connect() as conn:
        d = diff(before, snapshot(conn))
        assert d.ok(), str(d)
        assert conn.execute("select to_regnamespace('supabase_rollback_backup')").fetchone()[0] is None
        assert conn.execute(
            "select count(*) from supabase_migrations.schema_migrations where version = %s", (VERSION,)
        ).fetchone()[0] == 1
    return res.stderr


def _run_ok(pg_db, rb, **kw) -> None:
    res = run_psql(pg_db.server, pg_db.conninfo, render_sql(rb, **kw))
    assert res.returncode == 0, res.stderr


FUNC_V1 = "create function public.score(n integer) returns integer language sql as $$ select n * 2 $$;"
FUNC_V2 = "create or replace function public.score(n integer) returns integer language sql as $$ select n * 3 $$;"
HOTFIX = "create or replace function public.score(n integer) returns integer language sql as $$ select n * 4 $$;"


# -- functions ------------------------------------------------------------------------------------


def test_function_changed_after_the_migration_stops_the_rollback(pg_db):
    rb = _migrated(
        pg_db,
        ["create table public.t (id bigint primary key);"],
        "alter table public.t add column note text;\n" + FUNC_V1,
        drift=[HOTFIX],
    )
    err = _run_expecting_stop(pg_db, rb, "function public.score(integer) was changed after 20990101000000_migration.sql")
    assert "select n * 4" in err and "select n * 2" in err  # the line that differs, both ways
    with pg_db.connect() as conn:  # the column the rollback would drop first is still there
        assert conn.execute("select public.score(1)").fetchone()[0] == 4


def test_untouched_function_passes_and_the_rollback_runs(pg_db):
    rb = _migrated(pg_db, [], FUNC_V1)
    _run_ok(pg_db, rb)
    with pg_db.connect() as conn:
        assert conn.execute("select to_regprocedure('public.score(integer)')").fetchone()[0] is None


def test_restored_definition_never_overwrites_a_newer_one(pg_db):
    """The rollback would put v1 back; production has a hotfix v3 on top of the migration's v2."""
    rb = _migrated(pg_db, [FUNC_V1], FUNC_V2, drift=[HOTFIX])
    assert any("CREATE OR REPLACE FUNCTION public.score" in s for st in rb.steps for s in st.sql)
    _run_expecting_stop(pg_db, rb, "function public.score(integer) was changed after", "select n * 3")
    with pg_db.connect() as conn:
        assert conn.execute("select public.score(1)").fetchone()[0] == 4


def test_function_security_and_settings_count_as_a_change(pg_db):
    rb = _migrated(pg_db, [], FUNC_V1, drift=["alter function public.score(integer) security definer"])
    _run_expecting_stop(pg_db, rb, "function public.score(integer) was changed after", "SECURITY DEFINER")


def test_function_recreated_after_the_migration_dropped_it(pg_db):
    rb = _migrated(pg_db, [FUNC_V1], "drop function public.score(integer);", drift=[HOTFIX.replace(" or replace", "")])
    _run_expecting_stop(pg_db, rb, "function public.score(integer) exists, but 20990101000000_migration.sql left none")


def test_preflight_can_be_turned_off(pg_db):
    rb = _migrated(pg_db, [], FUNC_V1, drift=[HOTFIX])
    sql = render_sql(rb, preflight=False)
    assert "Pre-flight" not in sql and "$preflight$" not in sql
    _run_ok(pg_db, rb, preflight=False)


# -- views, policies, triggers, columns, relations ------------------------------------------------


TABLE = "create table public.posts (id bigint primary key, author uuid, title varchar(80), published boolean);"


def test_view_changed_after_the_migration(pg_db):
    rb = _migrated(
        pg_db, [TABLE],
        "create view public.published as select id, title from public.posts where published;",
        drift=["create or replace view public.published as select id, title from public.posts where published and id > 0"],
    )
    _run_expecting_stop(pg_db, rb, "view public.published was changed after")


def test_view_options_count_as_a_change(pg_db):
    rb = _migrated(
        pg_db, [TABLE],
        "create view public.published as select id, title from public.posts where published;",
        drift=["alter view public.published set (security_invoker = true)"],
    )
    _run_expecting_stop(pg_db, rb, "view public.published was changed after", "security_invoker")


def test_policy_changed_in_the_dashboard(pg_db):
    rb = _migrated(
        pg_db, [TABLE, "alter table public.posts enable row level security;"],
        "create policy \"read own\" on public.posts for select to authenticated using (author = auth.uid());",
        drift=["alter policy \"read own\" on public.posts using (true)"],
    )
    _run_expecting_stop(pg_db, rb, 'policy "read own" on public.posts was changed after', "using true")


def test_policy_restored_by_the_rollback_is_checked_as_the_migration_left_it(pg_db):
    rb = _migrated(
        pg_db,
        [TABLE, "create policy p on public.posts for select to authenticated using (published);"],
        "drop policy p on public.posts;\ncreate policy p on public.posts for select to authenticated using (true);",
    )
    _run_ok(pg_db, rb)


def test_trigger_changed_after_the_migration(pg_db):
    func = ("create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;")
    rb = _migrated(
        pg_db, [TABLE, func],
        "create trigger touch before update on public.posts for each row execute function public.touch();",
        drift=["drop trigger touch on public.posts",
               "create trigger touch before insert on public.posts for each row execute function public.touch()"],
    )
    _run_expecting_stop(pg_db, rb, "trigger touch on public.posts was changed after", "BEFORE INSERT")


def test_column_type_changed_after_the_migration(pg_db):
    rb = _migrated(
        pg_db, [TABLE], "alter table public.posts add column slug varchar(40);",
        drift=["alter table public.posts alter column slug type varchar(200)"],
    )
    _run_expecting_stop(pg_db, rb, "column public.posts.slug (varchar(40)) was changed after",
                        "'character varying(200)'", "'character varying(40)'")


def test_column_type_as_the_migration_left_it_passes(pg_db):
    rb = _migrated(pg_db, [TABLE], "alter table public.posts alter column title type varchar(120);")
    _run_ok(pg_db, rb)


def test_table_dropped_by_hand_stops_the_rollback(pg_db):
    rb = _migrated(
        pg_db, [],
        "create table public.audit (id bigint primary key);\ncreate table public.audit_2 (id bigint primary key);",
        drift=["drop table public.audit"],
    )
    _run_expecting_stop(pg_db, rb, "table public.audit does not exist, but 20990101000000_migration.sql left it")


def test_relation_of_the_wrong_kind(pg_db):
    rb = _migrated(
        pg_db, [], "create table public.audit (id bigint primary key);",
        drift=["drop table public.audit", "create view public.audit as select 1 as id"],
    )
    _run_expecting_stop(pg_db, rb, "table public.audit is a view now, not a table")


def test_table_recreated_by_hand_after_the_migration_dropped_it(pg_db):
    rb = _migrated(
        pg_db, [TABLE], "drop table public.posts;", drift=["create table public.posts (id int)"],
    )
    _run_expecting_stop(pg_db, rb, "table public.posts exists, but 20990101000000_migration.sql left none")


def test_every_problem_is_listed_at_once(pg_db):
    rb = _migrated(
        pg_db, [TABLE],
        "create view public.published as select id, title from public.posts where published;\n" + FUNC_V1,
        drift=[HOTFIX, "drop view public.published"],
    )
    _run_expecting_stop(pg_db, rb, "function public.score(integer) was changed after",
                        "view public.published does not exist")


# -- post-rollback assertions --------------------------------------------------------------------------


def test_failed_assertion_rolls_the_transaction_back(pg_db):
    sql = (
        "BEGIN;\nCREATE TABLE public.kept (id int);\n"
        + assertions_sql([("table public.kept is gone", "to_regclass('public.kept') is null"),
                          ("schema public is there", "to_regnamespace('public') is not null")])
        + "\nCOMMIT;\n"
    )
    res = run_psql(pg_db.server, pg_db.conninfo, sql)
    assert res.returncode != 0
    assert "post-rollback assertion failed" in res.stderr and "table public.kept is gone" in res.stderr
    assert "schema public is there" not in res.stderr
    with psycopg.connect(pg_db.conninfo) as conn:
        assert conn.execute("select to_regclass('public.kept')").fetchone()[0] is None


def test_assertions_are_in_the_file_and_can_be_turned_off():
    _, rb = _rollback([TABLE], "create view public.published as select id from public.posts;")
    sql = render_sql(rb)
    assert "post-rollback assertion failed" in sql
    assert "to_regclass('public.published') is null" in sql.split("Post-rollback assertions")[1]
    assert "post-rollback assertion failed" not in render_sql(rb, assertions=False)


# -- what is checked (no server) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "migration", "expected"),
    [
        ([], FUNC_V1, [("function public.score(integer)", "same")]),
        ([FUNC_V1], "drop function public.score(integer);", [("function public.score(integer)", "absent")]),
        ([FUNC_V1], FUNC_V2, [("function public.score(integer)", "same")]),
        ([TABLE], "alter table public.posts drop column title;",
         [("table public.posts", "exists"), ("column public.posts.title", "absent")]),
        ([TABLE], "alter table public.posts add column n int;",
         [("table public.posts", "exists"), ("column public.posts.n (integer)", "same")]),
        ([TABLE], "create index posts_title on public.posts (title);", [("index public.posts_title", "exists")]),
        ([TABLE], "drop table public.posts;", [("table public.posts", "absent")]),
        ([], "create type public.mood as enum ('a');", [("type public.mood", "exists")]),
    ],
)
def test_expectations(history, migration, expected):
    _, rb = _rollback(history, migration)
    assert [(e.label, e.mode) for e in rb.preflight] == expected


# -- the restore SQL of the risk document --------------------------------------------------------------


def test_restore_sql_of_the_document_puts_the_backed_up_data_back(pg_db):
    from generator.render import render_markdown

    history = [
        "create type public.mood as enum ('calm', 'angry');",
        "create table public.t (id bigint generated always as identity primary key, name text);",
    ]
    migration = (
        "create table public.items (id bigint generated always as identity primary key, m public.mood, note text);\n"
        "alter table public.t add column extra text;\n"
    )
    migs, rb = _rollback(history, migration)
    with pg_db.connect() as conn:
        for m in migs:
            apply_migration(conn, m)
        conn.execute("insert into public.items (m, note) values ('angry', 'a'), ('calm', null)")
        conn.execute("insert into public.t (name, extra) values ('x', 'kept'), ('y', null)")
    _run_ok(pg_db, rb)
    md = render_markdown(rb, sql_name="r.sql")
    restore = md.split("To put the data back after the migration is applied again:\n\n```sql\n", 1)[1].split("```", 1)[0]
    assert "EXECUTE format('INSERT INTO public.items (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM" in restore
    assert "EXECUTE format('UPDATE public.t AS t SET %s FROM" in restore
    with pg_db.connect() as conn:
        apply_migration(conn, migs[-1])
        conn.execute(restore)
        assert conn.execute("select id, m::text, note from public.items order by id").fetchall() == [
            (1, "angry", "a"), (2, "calm", None)]
        assert conn.execute("select name, extra from public.t order by id").fetchall() == [("x", "kept"), ("y", None)]


def test_view_using_star_is_checked_for_existence_only(pg_db):
    """A probe would expand "*" to the table's columns of today, not of the migration."""
    rb = _migrated(pg_db, [TABLE], "create view public.everything as select * from public.posts;",
                   drift=["alter table public.posts add column extra int"])
    assert [(e.label, e.mode) for e in rb.preflight] == [("view public.everything", "exists")]
    _run_ok(pg_db, rb)
