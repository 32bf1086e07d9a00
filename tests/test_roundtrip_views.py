"""Round trips (real PostgreSQL) for views, materialized views and CREATE TABLE AS."""

from __future__ import annotations

import pytest

BASE = """
create table public.jobs (
    id bigint generated always as identity primary key,
    status text not null default 'pending',
    title text,
    owner_id uuid references auth.users (id)
);
insert into public.jobs (status, title) values ('done', 'a'), ('pending', 'b');
"""

VIEW = """
create view public.active_jobs with (security_invoker = true) as
    select id, title from public.jobs where status <> 'done';
grant select on public.active_jobs to authenticated;
revoke all on public.active_jobs from anon;
comment on view public.active_jobs is 'Jobs still running';
comment on column public.active_jobs.title is 'Job title';
"""


@pytest.mark.parametrize(
    "migration",
    [
        "create view public.v as select id, title from public.jobs;",
        "create view public.v with (security_invoker = true) as select * from public.jobs;",
        "create view public.v (a, b) with (security_barrier) as select id, upper(title) from public.jobs"
        " with local check option;",
        "create view jobs_v as select j.id, u.email from jobs j left join auth.users u on u.id = j.owner_id;",
        "create schema app; create view app.v as select count(*) as n from public.jobs;",
        "create recursive view public.nums (n) as select 1 union all select n + 1 from nums where n < 5;",
    ],
)
def test_create_view(roundtrip, migration: str) -> None:
    rb, sql = roundtrip(history=[BASE], migration=migration)
    assert "DROP VIEW" in sql


def test_replace_view_same_columns(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[BASE, VIEW],
        migration="create or replace view public.active_jobs as select id, upper(title) as title from public.jobs;",
    )
    assert "CREATE OR REPLACE VIEW public.active_jobs WITH (security_invoker = true)" in sql


def test_replace_view_added_column_with_dependent(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[BASE, VIEW, "create view public.active_titles as select title from public.active_jobs;"
                 "grant select on public.active_titles to anon;"],
        migration="create or replace view public.active_jobs with (security_invoker = true) as"
        " select id, title, status from public.jobs where status <> 'done';",
    )
    assert "DROP VIEW public.active_titles;" in sql


def test_drop_view_with_grants_and_comments(roundtrip) -> None:
    rb, sql = roundtrip(history=[BASE, VIEW], migration="drop view public.active_jobs;")
    assert "COMMENT ON COLUMN public.active_jobs.title IS 'Job title';" in sql


def test_drop_view_cascade_recreates_dependents(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            BASE,
            VIEW,
            "create schema app;"
            "create view app.titles as with x as (select * from public.active_jobs) select title from x;"
            "create view public.title_count as select count(*) as n from app.titles;"
            "comment on view public.title_count is 'count';",
        ],
        migration="drop view if exists public.active_jobs cascade;",
    )
    assert sql.index("CREATE VIEW public.active_jobs") < sql.index("CREATE VIEW app.titles") < sql.index(
        "CREATE VIEW public.title_count"
    )


def test_rename_and_set_schema_view(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[BASE, VIEW, "create schema app; create view public.w as select title from public.active_jobs;"],
        migration="alter view public.active_jobs rename to running_jobs;"
        "alter view public.running_jobs set schema app;",
    )
    assert "ALTER VIEW app.running_jobs SET SCHEMA public;" in sql


def test_rename_then_drop_dependent(roundtrip) -> None:
    """The dependent's recorded text follows the rename, so its recreation is right."""
    rb, sql = roundtrip(
        history=[BASE, VIEW, "create view public.w as select title from active_jobs;"],
        migration="alter view public.active_jobs rename to running_jobs; drop view public.w;",
    )
    assert "CREATE VIEW public.w AS SELECT title FROM public.running_jobs;" in sql


def test_alter_view_options_and_owner(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[BASE, VIEW],
        migration="alter view public.active_jobs set (security_invoker = off, security_barrier = true);"
        "alter view public.active_jobs owner to supabase_admin;",
    )
    assert "ALTER VIEW public.active_jobs OWNER TO postgres;" in sql


def test_alter_then_drop_view_restores_altered_state(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[BASE, VIEW, "alter view public.active_jobs reset (security_invoker);"
                 "alter view public.active_jobs owner to supabase_admin;"],
        migration="drop view public.active_jobs;",
    )
    assert "OWNER TO supabase_admin" in sql


MATVIEW = """
create materialized view public.job_stats as select status, count(*) as n from public.jobs group by status;
create unique index job_stats_status on public.job_stats (status);
grant select on public.job_stats to authenticated;
comment on materialized view public.job_stats is 'stats';
"""


def test_create_matview(roundtrip) -> None:
    rb, sql = roundtrip(history=[BASE], migration=MATVIEW + "refresh materialized view public.job_stats;")
    assert "DROP MATERIALIZED VIEW public.job_stats;" in sql


def test_create_matview_with_no_data(roundtrip) -> None:
    rb, sql = roundtrip(history=[BASE], migration="create materialized view mv as select 1 as x with no data;")
    assert "DROP MATERIALIZED VIEW public.mv;" in sql


def test_drop_matview_recreates_indexes_grants_comments(roundtrip) -> None:
    rb, sql = roundtrip(history=[BASE, MATVIEW], migration="drop materialized view public.job_stats;")
    assert "CREATE UNIQUE INDEX job_stats_status ON public.job_stats (status);" in sql
    assert "COMMENT ON MATERIALIZED VIEW public.job_stats IS 'stats';" in sql


def test_rename_matview(roundtrip) -> None:
    rb, sql = roundtrip(history=[BASE, MATVIEW], migration="alter materialized view public.job_stats rename to js;")
    assert "ALTER MATERIALIZED VIEW public.js RENAME TO job_stats;" in sql


def test_create_table_as(roundtrip) -> None:
    rb, sql = roundtrip(history=[BASE], migration="create table public.jobs_copy as select id, title from public.jobs;")
    assert "DROP TABLE public.jobs_copy;" in sql
    assert rb.risk == "HIGH"


def test_drop_table_created_as_is_manual(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[BASE, "create table public.jobs_copy as select id, title from public.jobs;"],
        migration="drop table public.jobs_copy;",
        expect_manual=True,
    )
    assert rb.manual_steps


def test_drop_star_view_with_unchanged_table(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create table public.jobs (id bigint primary key, title text);",
                 "create view public.all_jobs as select * from public.jobs;"],
        migration="drop view public.all_jobs;",
    )
    assert "CREATE VIEW public.all_jobs AS SELECT * FROM public.jobs;" in sql


def test_drop_star_view_after_table_gained_a_column_is_manual(roundtrip) -> None:
    """PostgreSQL expanded * at creation: recreating it now would add the new column."""
    rb, sql = roundtrip(
        history=[BASE, "create view public.all_jobs as select * from public.jobs;",
                 "alter table public.jobs add column note text;"],
        migration="drop view public.all_jobs;",
        expect_manual=True,
    )
    assert "created with *" in rb.manual_steps[0].manual
