"""Unit tests of the ALTER TABLE pass order (generator/handlers/alter_passes.py) and of the
inverses that depend on it and on ADD CONSTRAINT ... USING INDEX (alter_table.py)."""

from __future__ import annotations

from pglast.parser import parse_sql

from generator.handlers.alter_passes import in_execution_order
from generator.render import verification_checks
from generator.sqltext import render

from test_alter_table import run, sql_of, table_cat


def ordered(sql: str) -> list[str]:
    """The subcommands of ``sql`` in execution order, each as SQL."""
    node = parse_sql(sql)[0].stmt
    node.cmds = tuple(in_execution_order(node.cmds))
    return [c.strip() for c in render(node).split(" ", 3)[3].split(", ")]


def test_passes_put_columns_before_constraints_and_drops_first() -> None:
    sql = ("alter table t add constraint c check (x > 0), alter column y set default 1, add column x int,"
           " alter column y drop default, drop column z, alter column y type bigint, add unique (x),"
           " alter column x set not null, enable row level security")
    assert ordered(sql) == [
        "ALTER COLUMN y DROP DEFAULT",
        "DROP COLUMN z",
        "ALTER COLUMN y TYPE bigint",
        "ADD COLUMN x integer",
        "ALTER COLUMN x SET NOT NULL",
        "ADD UNIQUE (x)",
        "ADD CONSTRAINT c CHECK (x > 0)",
        "ALTER COLUMN y SET DEFAULT 1",
        "ENABLE ROW LEVEL SECURITY",
    ]


def test_same_pass_keeps_text_order() -> None:
    sql = "alter table t add constraint b check (true), add constraint a check (true), drop column q, drop constraint z"
    assert ordered(sql) == [
        "DROP COLUMN q", "DROP CONSTRAINT z", "ADD CONSTRAINT b CHECK (TRUE)", "ADD CONSTRAINT a CHECK (TRUE)",
    ]


def test_check_on_a_column_added_later_in_the_statement() -> None:
    cat = table_cat("create table public.shifts (id int primary key, starts timestamptz);")
    rb = run(cat, "alter table public.shifts add constraint ends_after_start check (ends > starts),"
                  " add column ends timestamptz;", "2")
    assert sql_of(rb)[:1] == ["ALTER TABLE public.shifts DROP CONSTRAINT ends_after_start;"]
    assert "ALTER TABLE public.shifts DROP COLUMN ends;" in sql_of(rb)
    assert "ends" in cat.tables[("public", "shifts")].constraints["ends_after_start"].columns


def test_using_index_drops_and_readds_the_foreign_keys_on_the_index() -> None:
    cat = table_cat(
        "create table public.shelf (id int not null, code text);"
        "create unique index shelf_code_idx on public.shelf (code);"
        "create table public.book (id int primary key, shelf_code text, other int references public.book (id));"
        "alter table public.book add foreign key (shelf_code) references public.shelf (code) not valid;"
        "comment on constraint book_shelf_code_fkey on public.book is 'where it lives';"
    )
    rb = run(cat, "alter table public.shelf add constraint shelf_code_key unique using index shelf_code_idx;", "2")
    assert sql_of(rb) == [
        "ALTER TABLE public.book DROP CONSTRAINT book_shelf_code_fkey;",
        "ALTER TABLE public.shelf DROP CONSTRAINT shelf_code_key;",
        "CREATE UNIQUE INDEX shelf_code_idx ON public.shelf (code);",
        "ALTER TABLE public.book ADD CONSTRAINT book_shelf_code_fkey FOREIGN KEY (shelf_code)"
        " REFERENCES public.shelf (code) NOT VALID;",
        "COMMENT ON CONSTRAINT book_shelf_code_fkey ON public.book IS 'where it lives';",
    ]


def test_key_added_back_asserts_its_index_and_a_dropped_one_says_nothing() -> None:
    cat = table_cat("create table public.t (id int not null, k int not null, constraint t_pkey primary key (id));")
    rb = run(cat, "alter table public.t drop constraint t_pkey;"
                  "drop index if exists public.t_pkey;"
                  "create unique index t_pkey on public.t (k);"
                  "alter table public.t add constraint t_pkey primary key using index t_pkey;", "2")
    checks = dict(verification_checks(rb, history=False))
    assert "index public.t_pkey is back" in checks
    assert not any(d.endswith(" is gone") for d in checks)


def test_key_added_back_on_a_table_the_rollback_drops_is_not_asserted() -> None:
    cat = table_cat("create table public.x (id int);")
    rb = run(cat, "create table public.t (id int constraint t_pkey primary key); alter table public.t drop constraint t_pkey;", "2")
    descs = [d for d, _ in verification_checks(rb, history=False)]
    assert "table public.t is gone" in descs
    assert not any("t_pkey" in d for d in descs)


def test_key_index_renamed_or_dropped_with_its_column_by_the_rollback_is_not_asserted() -> None:
    # the rollback adds k back, then renames it (and its index) to its old name
    cat = table_cat("create table public.t (id int primary key); alter table public.t add constraint k unique (id);"
                    "alter table public.t add constraint f foreign key (id) references public.t (id);")
    rb = run(cat, "alter table public.t rename constraint k to k2; drop table public.t;", "2")
    assert "ALTER TABLE public.t ADD CONSTRAINT k2 UNIQUE (id);" in sql_of(rb)
    assert sql_of(rb)[-1] == "ALTER TABLE public.t RENAME CONSTRAINT k2 TO k;"
    assert not any("public.k" in d for d, _ in verification_checks(rb, history=False))
    # the rollback adds k back on column c, then drops c (and k with it)
    cat = table_cat("create table public.t (id int primary key);")
    rb = run(cat, "alter table public.t add column c int constraint k unique; alter table public.t drop constraint k;", "2")
    assert [s for s in sql_of(rb) if "ADD CONSTRAINT k" in s or "DROP COLUMN c" in s] == [
        "ALTER TABLE public.t ADD CONSTRAINT k UNIQUE (c);", "ALTER TABLE public.t DROP COLUMN c;"]
    assert not any("public.k" in d for d, _ in verification_checks(rb, history=False))


def test_index_check_survives_a_rename_of_its_table_but_not_a_move() -> None:
    cat = table_cat("create table public.t (id int); create index i on public.t (id); create schema s;")
    rb = run(cat, "alter table public.t rename to t2; drop index public.i;", "2")
    assert "index public.i is back" in dict(verification_checks(rb, history=False))
    cat = table_cat("create table public.t (id int); create index i on public.t (id); create schema s;")
    rb = run(cat, "alter table public.t set schema s; drop index s.i;", "2")
    assert sql_of(rb)[-1] == "ALTER TABLE s.t SET SCHEMA public;"
    assert not any(d.startswith("index s.i") for d in dict(verification_checks(rb, history=False)))
