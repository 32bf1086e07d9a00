"""Round trips (real PostgreSQL) of ALTER COLUMN ... TYPE on columns with a default.

PostgreSQL keeps the stored default through the type change, coerced implicitly: a
``text`` column's ``'x'`` stays ``'x'::text`` on ``varchar(40)``. Each case is checked
three ways: the rollback of the type change itself, and the rollbacks of a later
DROP COLUMN and DROP TABLE, which recreate the default from the catalog.
"""

from __future__ import annotations

import pytest

CREATE_MOOD = "create type public.mood as enum ('a', 'b');"

# id: (history before the change, the type change)
CASES: dict[str, tuple[list[str], str]] = {
    "text_to_varchar": (
        ["create table public.t (id bigint primary key, c text default 'x');"],
        "alter table public.t alter column c type varchar(40);",
    ),
    "varchar_to_text": (
        ["create table public.t (id bigint primary key, c varchar(20) default 'y');"],
        "alter table public.t alter column c type text;",
    ),
    "int_to_bigint": (
        ["create table public.t (id bigint primary key, c int default 0);"],
        "alter table public.t alter column c type bigint;",
    ),
    "text_to_enum": (
        [CREATE_MOOD, "create table public.t (id bigint primary key, c text default 'a');"],
        "alter table public.t alter column c drop default, alter column c type public.mood using c::public.mood,"
        " alter column c set default 'b';",
    ),
    "enum_to_text": (
        [CREATE_MOOD, "create table public.t (id bigint primary key, c public.mood default 'a');"],
        "alter table public.t alter column c type text;",
    ),
    "timestamp_to_timestamptz": (
        ["create table public.t (id bigint primary key, c timestamp default now());"],
        "alter table public.t alter column c type timestamptz;",
    ),
    "function_call_default": (
        ["create table public.t (id bigint primary key, c text default md5('x'), d text default lower('X') || 'y');"],
        "alter table public.t alter column c type varchar(32), alter column d type varchar(10);",
    ),
    "char_and_collate": (
        ["create table public.t (id bigint primary key, c char(3) default 'ab', d text default 'x' collate \"C\");"],
        "alter table public.t alter column c type text, alter column d type varchar(5);",
    ),
    "domain_literal": (
        ["create domain public.short as varchar(10);",
         "create table public.t (id bigint primary key, c public.short default 'q');"],
        "alter table public.t alter column c type text;",
    ),
    "array_literal": (
        ["create table public.t (id bigint primary key, c varchar(4)[] default '{}', d text[] default '{a}');"],
        "alter table public.t alter column c type text[], alter column d type varchar(9)[];",
    ),
    "set_default_written_before_type": (
        ["create table public.t (id bigint primary key, c text default 'x');"],
        "alter table public.t alter column c set default 'z', alter column c type varchar(40);",
    ),
    "changed_twice": (
        ["create table public.t (id bigint primary key, c text default 'x');",
         "alter table public.t alter column c type varchar(40);"],
        "alter table public.t alter column c type text;",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_type_change_rollback(roundtrip, case):
    history, change = CASES[case]
    rb, sql = roundtrip(history=history, migration=change)
    assert "TYPE" in sql


@pytest.mark.parametrize("case", CASES)
def test_drop_column_after_type_change(roundtrip, case):
    history, change = CASES[case]
    roundtrip(history=[*history, change], migration="alter table public.t drop column c;",
              allow_column_order=True)


@pytest.mark.parametrize("case", CASES)
def test_drop_table_after_type_change(roundtrip, case):
    history, change = CASES[case]
    rb, sql = roundtrip(history=[*history, change], migration="drop table public.t;")
    assert "CREATE TABLE public.t" in sql


def test_text_to_varchar_default_recorded_with_old_type(roundtrip):
    rb, sql = roundtrip(history=[*CASES["text_to_varchar"][0], CASES["text_to_varchar"][1]],
                        migration="drop table public.t;")
    assert "c varchar(40) DEFAULT CAST('x' AS text)" in sql


def test_set_default_after_type_change_restores_converted_default(roundtrip):
    rb, sql = roundtrip(history=[*CASES["text_to_varchar"][0], CASES["text_to_varchar"][1]],
                        migration="alter table public.t alter column c set default 'w';")
    assert "SET DEFAULT CAST('x' AS text);" in sql


def test_interval_with_fields_default_distrusts_the_table(roundtrip):
    """An ``interval day`` literal keeps its typmod, which no DEFAULT clause can give back:
    the later DROP TABLE is a manual step naming the type change."""
    rb, sql = roundtrip(
        history=["create table public.t (id bigint primary key, c interval day default '1 day');",
                 "alter table public.t alter column c type interval;"],
        migration="drop table public.t;",
        expect_manual=True,
    )
    assert "could not analyse" in rb.manual_steps[0].manual


# -- CHECK constraints and expression indexes are rebuilt from their printed text -----------------


def test_type_change_back_recreates_checks_and_expression_indexes(roundtrip):
    rb, sql = roundtrip(
        history=["create table public.t (id bigint primary key, n bigint, s text);\n"
                 "alter table public.t add constraint n_pos check (n > 0);\n"
                 "alter table public.t add constraint n_small check (n < 1000) not valid;\n"
                 "comment on constraint n_pos on public.t is 'positive';\n"
                 "create index t_n_plus on public.t ((n + 1));\n"
                 "create index t_s_where on public.t (s) where n > 10;\n"
                 "create index t_s on public.t (s);\n"],
        migration="alter table public.t alter column n type numeric;",
    )
    assert "DROP INDEX public.t_n_plus;" in sql and "DROP INDEX public.t_s_where;" in sql
    assert "DROP INDEX public.t_s;" not in sql  # not on the column
    assert "ADD CONSTRAINT n_pos CHECK (n > 0)" in sql and "ADD CONSTRAINT n_small CHECK (n < 1000) NOT VALID" in sql
    assert "COMMENT ON CONSTRAINT n_pos ON public.t IS 'positive';" in sql


def test_after_a_type_change_a_dependent_check_is_distrusted(roundtrip):
    """Twice retyped, PostgreSQL's text of the check is no longer the recorded one: a later
    rollback that recreates the table is a manual step, not a wrong CREATE TABLE."""
    roundtrip(
        history=["create table public.t (id bigint primary key, n numeric check (n > 0));\n"
                 "alter table public.t alter column n type bigint;\n"],
        migration="drop table public.t;",
        expect_manual=True,
    )


def test_integer_and_text_changes_keep_dependent_checks_trusted(roundtrip):
    """Between integer types, and between text and varchar, a check reads back the same:
    a later DROP TABLE still rolls back automatically."""
    roundtrip(
        history=["create table public.t (id bigint primary key, n bigint check (n > 0), s text check (s <> ''));\n"
                 "alter table public.t alter column n type integer, alter column s type varchar(40);\n"],
        migration="drop table public.t;",
    )
