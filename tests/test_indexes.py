"""Unit tests of generator/handlers/indexes.py: generated SQL and catalog effects."""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog, Column, Constraint, Index, Schema, Table, View
from generator.engine import Rollback, replay
from generator.parse import Migration
from generator.steps import Hazard


def fresh() -> Catalog:
    cat = Catalog()
    for s in ("pg_catalog", "public", "extensions", "app"):
        cat.schemas[s] = Schema(s)
    cols = {c: Column(c, "text") for c in ("a", "b", "c", "d", "metadata", "status", "created_at")}
    cat.tables[("public", "t")] = Table("public", "t", dict(cols))
    cat.tables[("app", "jobs")] = Table("app", "jobs", dict(cols))
    return cat


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def sql_of(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


# -- automatic names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "name"),
    [
        ("(a)", "t_a_idx"),
        ("(a, b)", "t_a_b_idx"),
        ("(lower(b), (c), upper(b))", "t_lower_c_upper_idx"),
        ("(a) include (d)", "t_a_d_idx"),
        ("((a || 'x'), (b || 'y'))", "t_expr_expr1_idx"),
        ("((metadata::jsonb ->> 'k'))", "t_expr_idx"),
        ("(((metadata::jsonb ->> 'k')::int))", "t_int4_idx"),
        ("((a::text))", "t_a_idx"),
        ("(coalesce(a, b), nullif(a, b), (case when a = 'x' then b end))", "t_coalesce_nullif_case_idx"),
        ("(a, a)", "t_a_a1_idx"),
        ("(current_date)", "t_current_date_idx"),
    ],
)
def test_unnamed_index_names(index: str, name: str) -> None:
    cat = fresh()
    rb = run(cat, f"create index on public.t {index};")
    assert sql_of(rb) == [f"DROP INDEX public.{name};"]
    assert ("public", name) in cat.indexes


def test_unnamed_unique_index_is_still_idx() -> None:
    cat = fresh()
    rb = run(cat, "create unique index on public.t (b);")
    assert sql_of(rb) == ["DROP INDEX public.t_b_idx;"]
    assert cat.indexes[("public", "t_b_idx")].unique


def test_collisions_add_numeric_suffix() -> None:
    cat = fresh()
    cat.views[("public", "t_a_idx1")] = View("public", "t_a_idx1", "CREATE VIEW public.t_a_idx1 AS SELECT 1")
    rb = run(cat, "create index on t (a); create index on t (a); create index on t (a);")
    assert sql_of(rb) == ["DROP INDEX public.t_a_idx3;", "DROP INDEX public.t_a_idx2;", "DROP INDEX public.t_a_idx;"]


def test_long_names_truncate_to_63_bytes() -> None:
    cat = fresh()
    long = "tAbLe with a very long name that goes on and on and on forever"
    cat.tables[("public", long)] = Table("public", long, {"a": Column("a", "int"), "Col": Column("Col", "text")})
    rb = run(cat, f'create index on "{long}" (a, "Col"); create index on "{long}" (a, "Col");')
    assert sql_of(rb) == [
        'DROP INDEX public."tAbLe with a very long name that goes on and on and _a_Col_idx1";',
        'DROP INDEX public."tAbLe with a very long name that goes on and on and o_a_Col_idx";',
    ]


# -- CREATE INDEX --------------------------------------------------------------------------------


def test_create_records_full_definition() -> None:
    cat = fresh()
    cat.search_path = ("app", "extensions")
    rb = run(
        cat,
        "set search_path = app, extensions;\n"
        "create unique index ix on jobs using gin (b gin_trgm_ops, (metadata::jsonb) jsonb_path_ops)"
        " include (d) with (fastupdate = off) where status <> 'done';",
    )
    assert sql_of(rb) == ["DROP INDEX app.ix;"]
    idx = cat.indexes[("app", "ix")]
    assert idx.table == ("app", "jobs")
    assert idx.definition == (
        "CREATE UNIQUE INDEX ix ON app.jobs USING gin (b gin_trgm_ops, (CAST(metadata AS jsonb)) jsonb_path_ops)"
        " INCLUDE (d) WITH (fastupdate = off) WHERE status <> 'done'"
    )
    assert idx.search_path == ("app", "extensions")
    assert rb.steps[0].group == "Drop Indexes"
    assert not rb.steps[0].hazards


def test_desc_nulls_and_only() -> None:
    cat = fresh()
    run(cat, "create index ix on only public.t (created_at desc nulls last, a asc nulls first);")
    assert cat.indexes[("public", "ix")].definition == (
        "CREATE INDEX ix ON ONLY public.t (created_at DESC NULLS LAST, a ASC NULLS FIRST)"
    )


def test_concurrently_is_non_transactional() -> None:
    cat = fresh()
    rb = run(cat, "create index concurrently ix on t (a);")
    assert sql_of(rb) == ["DROP INDEX CONCURRENTLY public.ix;"]
    assert rb.steps[0].transactional is False
    assert "CONCURRENTLY" not in cat.indexes[("public", "ix")].definition


def test_if_not_exists_on_existing_name_has_no_inverse() -> None:
    cat = fresh()
    run(cat, "create index ix on t (a);")
    before = cat.indexes[("public", "ix")].definition
    rb = run(cat, "create index if not exists ix on t (b);")
    assert rb.steps == []
    assert cat.indexes[("public", "ix")].definition == before


def test_existing_name_without_if_not_exists_is_manual() -> None:
    cat = fresh()
    rb = run(cat, "create index t on t (a);")
    assert rb.manual_steps and "already exists" in rb.manual_steps[0].manual


def test_unnamed_index_on_unknown_table_is_manual() -> None:
    cat = fresh()
    rb = run(cat, "create index on public.unknown (a);")
    assert rb.manual_steps
    rb = run(cat, "create index ix on public.unknown (a);")
    assert sql_of(rb) == ["DROP INDEX public.ix;"]


# -- DROP INDEX -------------------------------------------------------------------------------------


def test_drop_recreates_definition_and_comment() -> None:
    cat = fresh()
    run(cat, "create index ix on t using gin (b gin_trgm_ops) where a is not null;"
             " comment on index ix is 'trigram';")
    cat.comments[("index", "public.ix")] = "trigram"
    rb = run(cat, "drop index ix;")
    assert sql_of(rb) == [
        "CREATE INDEX ix ON public.t USING gin (b gin_trgm_ops) WHERE a IS NOT NULL;",
        "COMMENT ON INDEX public.ix IS 'trigram';",
    ]
    step = rb.steps[0]
    assert step.group == "Recreate Indexes"
    assert [h.code for h in step.hazards] == [Hazard.BLOCKS_WRITES]
    assert ("public", "ix") not in cat.indexes
    assert ("index", "public.ix") not in cat.comments


def test_drop_concurrently_recreates_concurrently() -> None:
    cat = fresh()
    run(cat, "create index ix on t (a);")
    rb = run(cat, "drop index concurrently if exists public.ix;")
    assert sql_of(rb) == ["CREATE INDEX CONCURRENTLY ix ON public.t (a);"]
    assert rb.steps[0].transactional is False
    assert not rb.steps[0].hazards


def test_drop_if_exists_missing_is_noop_and_missing_is_manual() -> None:
    cat = fresh()
    assert run(cat, "drop index if exists nope;").steps == []
    rb = run(cat, "drop index nope;")
    assert rb.manual_steps and "not known" in rb.manual_steps[0].manual


def test_drop_constraint_index_is_refused() -> None:
    cat = fresh()
    cat.tables[("public", "t")].constraints["t_pkey"] = Constraint("t_pkey", "p", "PRIMARY KEY (a)", ["a"], index="t_pkey")
    cat.indexes[("public", "t_pkey")] = Index(
        "public", "t_pkey", ("public", "t"), "CREATE UNIQUE INDEX t_pkey ON public.t (a)", True, "t_pkey"
    )
    rb = run(cat, "drop index public.t_pkey;")
    assert rb.manual_steps and "backs constraint" in rb.manual_steps[0].manual
    assert ("public", "t_pkey") in cat.indexes


def test_drop_index_follows_table_rename_in_catalog() -> None:
    cat = fresh()
    run(cat, "create index ix on t (a);")
    cat.indexes[("public", "ix")].table = ("public", "t2")  # as the tables helper re-keys on rename
    assert sql_of(run(cat, "drop index ix;")) == ["CREATE INDEX ix ON public.t2 (a);"]


def test_drop_several_and_replica_identity() -> None:
    cat = fresh()
    run(cat, "create unique index i1 on t (a); create index i2 on app.jobs (b);")
    cat.tables[("public", "t")].replica_identity = "index:i1"
    rb = run(cat, "drop index i1, app.i2;")
    assert sql_of(rb) == [
        "CREATE UNIQUE INDEX i1 ON public.t (a);",
        "ALTER TABLE public.t REPLICA IDENTITY USING INDEX i1;",
        "CREATE INDEX i2 ON app.jobs (b);",
    ]


def test_drop_tainted_index_is_manual() -> None:
    cat = fresh()
    run(cat, "create index ix on t (a);")
    cat.tainted[("table", "public.t")] = "x.sql:1"
    rb = run(cat, "drop index ix;")
    assert rb.manual_steps and "could not analyse" in rb.manual_steps[0].manual


def test_drop_unique_cascade_with_foreign_keys_is_manual() -> None:
    cat = fresh()
    run(cat, "create unique index ix on t (a);")
    cat.tables[("app", "jobs")].constraints["fk"] = Constraint(
        "fk", "f", "FOREIGN KEY (a) REFERENCES public.t(a)", ["a"], references=("public", "t")
    )
    rb = run(cat, "drop index ix cascade;")
    assert rb.manual_steps and "foreign keys" in rb.manual_steps[0].manual


# -- ALTER INDEX ... RENAME ----------------------------------------------------------------------------


def test_rename_back_and_catalog_follows() -> None:
    cat = fresh()
    run(cat, "create index ix on t (a); comment on index ix is 'c';")
    cat.comments[("index", "public.ix")] = "c"
    rb = run(cat, "alter index ix rename to \"New Ix\";")
    assert sql_of(rb) == ['ALTER INDEX public."New Ix" RENAME TO ix;']
    assert ("public", "New Ix") in cat.indexes and ("public", "ix") not in cat.indexes
    assert cat.comments[("index", 'public."New Ix"')] == "c"
    assert sql_of(run(cat, 'drop index "New Ix";'))[0] == 'CREATE INDEX "New Ix" ON public.t (a);'


def test_rename_constraint_index_renames_constraint() -> None:
    cat = fresh()
    cat.tables[("public", "t")].constraints["t_b_key"] = Constraint("t_b_key", "u", "UNIQUE (b)", ["b"], index="t_b_key")
    cat.indexes[("public", "t_b_key")] = Index(
        "public", "t_b_key", ("public", "t"), "CREATE UNIQUE INDEX t_b_key ON public.t (b)", True, "t_b_key"
    )
    rb = run(cat, "alter index t_b_key rename to t_b_uniq;")
    assert sql_of(rb) == ["ALTER INDEX public.t_b_uniq RENAME TO t_b_key;"]
    table = cat.tables[("public", "t")]
    assert list(table.constraints) == ["t_b_uniq"]
    assert table.constraints["t_b_uniq"].index == "t_b_uniq"
    assert cat.indexes[("public", "t_b_uniq")].constraint == "t_b_uniq"


def test_rename_if_exists_missing_is_noop() -> None:
    cat = fresh()
    assert run(cat, "alter index if exists nope rename to x;").steps == []
