"""Round trips (real PostgreSQL) for indexes, mirroring the media-analysis seed's GIN,
partial and composite indexes."""

from __future__ import annotations

import pytest

MEDIA = """
create extension if not exists pg_trgm with schema extensions;
create type public.job_status as enum ('pending', 'processing', 'completed', 'failed');
create table public.analysis_job (
    id bigint generated always as identity primary key,
    status public.job_status not null default 'pending',
    metadata jsonb not null default '{}',
    title text,
    created_at timestamptz not null default now()
);
create table public.analysis_result (
    id bigint generated always as identity primary key,
    job_id bigint not null references public.analysis_job (id),
    provider text not null,
    result jsonb,
    is_active boolean not null default true
);
"""


@pytest.mark.parametrize(
    "migration",
    [
        # GIN
        "create index ix_analysis_job_metadata_gin on public.analysis_job using gin (metadata);",
        "create index ix_analysis_result_result_gin on public.analysis_result using gin (result jsonb_path_ops);",
        "create index ix_job_title_trgm on public.analysis_job using gin (title extensions.gin_trgm_ops);",
        "create index ix_job_title_trgm2 on public.analysis_job using gist (title gist_trgm_ops);",
        # partial
        "create index ix_analysis_job_status_active on public.analysis_job (status)"
        " where status in ('pending', 'processing');",
        "create index ix_analysis_result_provider_active on public.analysis_result (provider) where is_active;",
        # composite, DESC/NULLS, INCLUDE, expression, unique, brin, hash
        "create index ix_analysis_job_status_created on public.analysis_job (status, created_at desc nulls last);",
        "create index ix_analysis_result_job_provider on public.analysis_result (job_id, provider) include (is_active);",
        "create index on public.analysis_job (lower(title), ((metadata ->> 'kind')));",
        "create unique index on public.analysis_result (job_id, provider) where is_active;",
        "create index on public.analysis_job using brin (created_at);",
        "create index on public.analysis_job using hash (title);",
        "create index ix_fill on public.analysis_job (created_at) with (fillfactor = 70);",
    ],
)
def test_create_index(roundtrip, migration: str) -> None:
    rb, sql = roundtrip(history=[MEDIA], migration=migration)
    assert "DROP INDEX public." in sql


def test_seed_migration_0002_indexes(roundtrip) -> None:
    """All of the seed's index kinds in one migration, dropped in reverse order."""
    rb, sql = roundtrip(
        history=[MEDIA],
        migration="""
        create index ix_analysis_job_metadata_gin on public.analysis_job using gin (metadata);
        create index ix_analysis_result_result_gin on public.analysis_result using gin (result);
        create index ix_analysis_job_status_active on public.analysis_job (status) where status <> 'completed';
        create index ix_analysis_job_status_created on public.analysis_job (status, created_at);
        """,
    )
    assert sql.index("DROP INDEX public.ix_analysis_job_status_created;") < sql.index(
        "DROP INDEX public.ix_analysis_job_metadata_gin;"
    )


def test_unnamed_name_collisions_and_truncation(roundtrip) -> None:
    long = "a_table_with_a_rather_long_name_that_nearly_fills_the_limit_xx"
    rb, sql = roundtrip(
        history=[
            MEDIA,
            f'create table public.{long} (id int, "Mixed Col" text);'
            "create index on public.analysis_job (title);",
        ],
        migration=(
            "create index on public.analysis_job (title);"
            "create table public.analysis_job_title_idx2 (x int);"
            "create index on public.analysis_job (title);"
            f'create index on public.{long} (id, "Mixed Col");'
            f'create index on public.{long} (id, "Mixed Col");'
            "create index on public.analysis_job ((title || 'a'), (title || 'b'), title);"
        ),
    )
    assert "DROP INDEX public.analysis_job_title_idx1;" in sql
    assert "DROP INDEX public.analysis_job_title_idx3;" in sql
    assert "DROP INDEX public.analysis_job_expr_expr1_title_idx;" in sql


def test_if_not_exists_existing_index(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[MEDIA, "create index ix_t on public.analysis_job (title);"],
        migration="create index if not exists ix_t on public.analysis_job (created_at);",
    )
    assert rb.steps == []


def test_drop_index_recreates(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[
            MEDIA,
            "create index ix_gin on public.analysis_job using gin (title extensions.gin_trgm_ops) where title is not null;"
            "comment on index public.ix_gin is 'trigram search';"
            "create unique index ix_u on public.analysis_result (job_id, provider) include (is_active);",
        ],
        migration="drop index public.ix_gin; drop index if exists public.ix_u, public.nope;",
    )
    assert "COMMENT ON INDEX public.ix_gin IS 'trigram search';" in sql


def test_drop_index_created_unqualified_opclass_under_search_path(roundtrip) -> None:
    """gin_trgm_ops lives in schema extensions: the recreation needs the original search_path."""
    rb, sql = roundtrip(
        history=[MEDIA, "create index ix_trgm on public.analysis_job using gin (title gin_trgm_ops);"],
        migration="drop index public.ix_trgm;",
    )
    assert "gin_trgm_ops" in sql


def test_create_and_drop_concurrently(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[MEDIA, "create index ix_old on public.analysis_job (created_at);"],
        migration=(
            "create index concurrently ix_new on public.analysis_job (title);\n"
            "drop index concurrently public.ix_old;\n"
        ),
    )
    steps = [s for step in rb.steps for s in step.sql]
    assert steps == [
        "CREATE INDEX CONCURRENTLY ix_old ON public.analysis_job (created_at);",
        "DROP INDEX CONCURRENTLY public.ix_new;",
    ]
    assert all(not s.transactional for s in rb.steps)
    assert "cannot run inside a transaction block" in sql


def test_rename_index(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[MEDIA, "create index ix_a on public.analysis_job (title);"],
        migration='alter index public.ix_a rename to "Ix B";',
    )
    assert 'ALTER INDEX public."Ix B" RENAME TO ix_a;' in sql


def test_rename_constraint_index_renames_constraint(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[MEDIA, "alter table public.analysis_result add constraint ar_uniq unique (job_id, provider);"],
        migration="alter index public.ar_uniq rename to ar_uniq2;",
    )
    assert "ALTER INDEX public.ar_uniq2 RENAME TO ar_uniq;" in sql


def test_drop_index_if_exists_missing_is_noop(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[MEDIA],
        migration="drop index if exists public.nope;",
    )
    assert rb.steps == []
