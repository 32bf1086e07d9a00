"""The post-rollback assertions speak once about each object, whatever spelling names it.

The assertions are read from the rollback's own statements; a later statement undoing an
earlier one's effect (drop, then recreate) keeps only the last word on the object. The
word "the same object" must mean what PostgreSQL means, or the rollback asserts both that
the object is gone and that it is back, and always fails:

- a function's identity is its schema, name and input argument types, however they are
  spelled: ``int8`` is ``bigint``, ``timestamptz`` is ``timestamp with time zone``, and
  the generator writes a drop with ``public.mood`` where the recreated definition (the
  migration's own text) says ``mood``;
- tables, views, materialized views, sequences and indexes share one namespace, and a
  materialized view comes back through ``CREATE MATERIALIZED VIEW`` (a ``CreateTableAsStmt``).

Found on real projects: a migration that drops a function and recreates it under other
argument names; an ``ALTER TYPE ... ADD VALUE`` whose rollback drops the functions taking
the enum, rebuilds it and recreates them; a materialized view dropped and recreated.
"""

from __future__ import annotations

from test_preflight import _rollback
from test_render import migration

from generator.engine import Rollback
from generator.render import verification_checks
from generator.steps import Step

# -- minimal chains (our own words) ---------------------------------------------------------------

LEDGER = """
create table public.entries (id bigint primary key, book text not null, amount bigint not null);
create function public.entries_of(books text[], min_amount int8) returns setof public.entries
language sql stable as $$ select * from public.entries where book = any(books) and amount >= min_amount $$;
"""
# drops the function, then recreates it with the same identity under other argument names
LEDGER_RENAMED_ARGS = """
drop function entries_of;
create or replace function entries_of(wanted text[], floor_amount bigint) returns setof entries as $$
select * from entries where book = any(wanted) and amount >= floor_amount
$$ language sql;
"""

TIERS = """
create type tier as enum ('free', 'pro');
create table public.accounts (id uuid primary key, plan tier not null default 'free');
create function public.plan_allows(who uuid, wanted tier, since timestamptz default now(), note text default null)
returns boolean language sql stable as $$ select exists (select from public.accounts a where a.id = who and a.plan = wanted) $$;
"""
# the rollback drops plan_allows, rebuilds the enum without 'team', recreates plan_allows
TIERS_ADD_VALUE = "alter type tier add value if not exists 'team';"

STATS = """
create table public.sales (id bigint primary key, region text not null, total numeric not null);
create materialized view public.region_totals as select region, sum(total) as total from public.sales group by region;
create index region_totals_region on public.region_totals (region);
"""
STATS_REDEFINED = """
drop materialized view if exists public.region_totals;
create materialized view public.region_totals as
  select region, sum(total) as total, count(*) as n from public.sales group by region;
create index region_totals_region on public.region_totals (region);
create index region_totals_n on public.region_totals (n);
"""


def _checks(history: list[str], migration: str) -> dict[str, str]:
    _, rb = _rollback(history, migration)
    assert not rb.manual_steps, [s.manual for s in rb.manual_steps]
    return dict(verification_checks(rb, history=False))


def _gone(checks: dict[str, str], what: str) -> list[str]:
    return [d for d in checks if d.startswith(what) and d.endswith(" is gone")]


# -- unit -------------------------------------------------------------------------------------------


def test_function_recreated_under_another_spelling_of_its_argument_types():
    checks = _checks([LEDGER], LEDGER_RENAMED_ARGS)
    assert not _gone(checks, "function public.entries_of("), checks
    assert [d for d in checks if d.startswith("function public.entries_of(")] == [
        "function public.entries_of(text[], int8) is back"
    ]


def test_function_dropped_around_an_enum_rebuild_is_asserted_back_only():
    checks = _checks([TIERS], TIERS_ADD_VALUE)
    assert not _gone(checks, "function public.plan_allows("), checks
    assert any(d.startswith("function public.plan_allows(") and d.endswith(" is back") for d in checks), checks
    assert "type public.tier is back" in checks


def test_materialized_view_recreated_is_asserted_back():
    checks = _checks([STATS], STATS_REDEFINED)
    assert "materialized view public.region_totals is back" in checks, checks
    assert not _gone(checks, "materialized view public.region_totals"), checks
    assert "index public.region_totals_n is gone" in checks
    assert "index public.region_totals_region is back" in checks


def _rb_of(*sqls: str) -> Rollback:
    return Rollback(migration=migration(), steps=[Step(f"step {i}", "Steps", [s]) for i, s in enumerate(sqls)])


def test_relations_share_one_namespace():
    """A view dropped and a table of the same name created: one word, the last."""
    checks = dict(verification_checks(_rb_of("DROP VIEW public.v;", "CREATE TABLE public.v (id int);"), history=False))
    assert list(checks) == ["table public.v is back"]
    checks = dict(verification_checks(_rb_of("DROP TABLE public.v;", "CREATE MATERIALIZED VIEW public.v AS SELECT 1 AS x;"), history=False))
    assert list(checks) == ["materialized view public.v is back"]
    checks = dict(verification_checks(_rb_of("DROP SEQUENCE public.s;", "CREATE SEQUENCE public.s;"), history=False))
    assert list(checks) == ["sequence public.s is back"]


def test_functions_and_procedures_share_one_namespace_and_builtin_spellings_are_one():
    rb = _rb_of(
        "DROP PROCEDURE public.p(integer, timestamp with time zone, character varying);",
        "CREATE FUNCTION public.p(a int4, b timestamptz, c varchar(20)) RETURNS int LANGUAGE sql AS $$ select 1 $$;",
        "DROP FUNCTION public.q(public.mood[], bigint);",
        'CREATE FUNCTION public.q(m mood[], n pg_catalog.int8, OUT r text) LANGUAGE sql AS $$ select 1 $$;',
    )
    checks = dict(verification_checks(rb, history=False))
    assert list(checks) == [
        "function public.p(int4, timestamptz, varchar(20)) is back",
        "function public.q(mood[], bigint) is back",
    ]


def test_different_identities_keep_both_words():
    rb = _rb_of("DROP FUNCTION public.f(bigint);", "CREATE FUNCTION public.f(a integer) RETURNS int LANGUAGE sql AS $$ select 1 $$;",
                "DROP FUNCTION public.g(integer[]);", "CREATE FUNCTION public.g(a integer) RETURNS int LANGUAGE sql AS $$ select 1 $$;")
    checks = dict(verification_checks(rb, history=False))
    assert list(checks) == [
        "function public.f(bigint) is gone", "function public.f(integer) is back",
        "function public.g(integer[]) is gone", "function public.g(integer) is back",
    ]


def test_schema_and_extension_recreated_are_asserted_back():
    checks = dict(verification_checks(_rb_of("DROP SCHEMA billing;", "CREATE SCHEMA billing;"), history=False))
    assert list(checks) == ["schema billing is back"]
    checks = dict(verification_checks(_rb_of("DROP EXTENSION citext;", "CREATE EXTENSION citext;"), history=False))
    assert list(checks) == ["extension citext is back"]


# -- on a real server ---------------------------------------------------------------------------------


def test_roundtrip_function_recreated_under_other_argument_names(roundtrip):
    roundtrip(history=[LEDGER], migration=LEDGER_RENAMED_ARGS)


def test_roundtrip_enum_value_added_under_a_function_taking_the_enum(roundtrip):
    roundtrip(history=[TIERS], migration=TIERS_ADD_VALUE)


def test_roundtrip_materialized_view_redefined(roundtrip):
    roundtrip(history=[STATS], migration=STATS_REDEFINED)


# -- an object arriving under a name an earlier step asserted gone ----------------------------------
#
# A rollback often drops what the migration made under a name, then brings the original
# back under that same name: by a rename (the migration had moved the original aside and
# put a wrapper or a new table in its place) or as the index of a key a recreated table
# declares. The last word on that name is "back". Where the statement does not say the
# name (an unnamed key, an identity column, a function renamed by its bare name), no
# word is said at all.

PRICES = """
create table public.prices (id bigint primary key, amount numeric not null);
create function public.price_of(item bigint, fallback numeric default 0) returns numeric
language sql stable as $$ select coalesce((select amount from public.prices where id = item), fallback) $$;
create function public.round_price(p numeric, places int) returns numeric language sql immutable as $$ select round(p, places) $$;
"""
# the original moved aside; a wrapper with the same identity, one with another identity
PRICES_WRAPPED = """
alter function public.price_of(bigint, numeric) rename to price_of_base;
create function public.price_of(item bigint, fallback numeric default 0) returns numeric
language sql stable as $$ select public.price_of_base(item, fallback) * 1.2 $$;
alter function public.round_price(numeric, int) rename to round_price_base;
create function public.round_price(p numeric, places int, up boolean) returns numeric
language sql immutable as $$ select public.round_price_base(p, places) $$;
"""

NOTES = "create table public.notes (id bigint primary key, body text);"
# the table moved aside, a new one in its place (its key's index becomes notes_pkey1)
NOTES_REPLACED = """
alter table public.notes rename to notes_archive;
create table public.notes (id uuid primary key default gen_random_uuid(), body text not null);
"""

BOARDS = "create table public.boards (id uuid primary key, title text);"
# the table dropped, its key's index name taken over by another table
BOARDS_MOVED = """
drop table public.boards;
create table public.project_boards (id uuid not null, title text);
create unique index boards_pkey on public.project_boards (id);
alter table public.project_boards add constraint boards_pkey primary key using index boards_pkey;
"""


def test_function_renamed_back_over_a_dropped_wrapper_is_asserted_back():
    checks = _checks([PRICES], PRICES_WRAPPED)
    assert "function public.price_of(bigint, numeric) is back" in checks, checks
    assert not _gone(checks, "function public.price_of("), checks
    # the wrapper of the other identity is gone, the original is back
    assert "function public.round_price(numeric, integer, boolean) is gone" in checks, checks
    assert "function public.round_price(numeric, integer) is back" in checks, checks


def test_table_renamed_back_over_a_dropped_replacement_is_asserted_back():
    checks = _checks([NOTES], NOTES_REPLACED)
    assert "table public.notes is back" in checks, checks
    assert not _gone(checks, "table public.notes"), checks


def test_key_index_of_a_recreated_table_is_asserted_back():
    checks = _checks([BOARDS], BOARDS_MOVED)
    assert "index public.boards_pkey is back" in checks, checks
    assert "table public.boards is back" in checks, checks
    assert not _gone(checks, "index public.boards_pkey"), checks


def test_every_way_a_statement_names_an_arrival():
    rb = _rb_of(
        "DROP INDEX public.a_pkey, public.a_code_key;",
        "CREATE TABLE public.a (id int, code text CONSTRAINT a_code_key UNIQUE, CONSTRAINT a_pkey PRIMARY KEY (id));",
        "DROP INDEX public.b_pkey;",
        "ALTER TABLE public.b ADD COLUMN id int CONSTRAINT b_pkey PRIMARY KEY;",
        "DROP TRIGGER t ON public.a;", "ALTER TRIGGER t_old ON public.a RENAME TO t;",
        "DROP POLICY p ON public.a;", "ALTER POLICY p_old ON public.a RENAME TO p;",
        "ALTER TABLE public.c DROP COLUMN note;", "ALTER TABLE public.c RENAME COLUMN memo TO note;",
        "DROP VIEW app.v;", "ALTER VIEW public.v SET SCHEMA app;",
        "DROP FUNCTION app.f(integer);", "ALTER FUNCTION public.f(int4) SET SCHEMA app;",
        "DROP TYPE app.mood;", "ALTER TYPE public.mood SET SCHEMA app;",
    )
    checks = dict(verification_checks(rb, history=False))
    assert list(checks) == [
        "table public.a is back", "index public.a_pkey is back", "index public.a_code_key is back",
        "column public.b.id is back", "index public.b_pkey is back",
        "trigger t on public.a is back", "policy p on public.a is back",
        "column public.c.note is back", "view app.v is back", "function app.f(int4) is back",
        "type app.mood is back",
    ], checks


def test_arrival_under_an_unsaid_name_leaves_no_word():
    """PostgreSQL names an unnamed key's index and an identity column's sequence after the
    table; a bare function name and a renamed index or constraint leave the identity unsaid."""
    rb = _rb_of(
        "DROP INDEX public.accounts_pkey, public.accounts_email_key, public.ledger_idx;",
        "DROP SEQUENCE public.accounts_id_seq;",
        "CREATE TABLE public.accounts (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text UNIQUE);",
        "DROP FUNCTION public.g(integer);", "ALTER FUNCTION public.g_old RENAME TO g;",
        "DROP INDEX public.items_sku;", "ALTER INDEX public.items_sku_old RENAME TO items_sku;",
        "DROP INDEX public.items_code;", "ALTER TABLE public.items RENAME CONSTRAINT items_code_old TO items_code;",
        "DROP INDEX public.orders_pkey;", "CREATE TABLE public.orders_2024 PARTITION OF public.orders FOR VALUES FROM (1) TO (2);",
    )
    checks = dict(verification_checks(rb, history=False))
    assert list(checks) == [
        "index public.ledger_idx is gone", "table public.accounts is back",
        "index public.orders_pkey is gone", "table public.orders_2024 is back",
    ], checks


def test_index_taken_over_by_a_constraint_is_no_longer_asserted_under_its_old_name():
    rb = _rb_of(
        "CREATE UNIQUE INDEX ix ON public.t (id);",
        "ALTER TABLE public.t ADD CONSTRAINT t_key PRIMARY KEY USING INDEX ix;",
    )
    checks = dict(verification_checks(rb, history=False))
    assert list(checks) == ["index public.t_key is back"], checks


def test_key_index_of_a_recreated_table_goes_with_the_table():
    rb = _rb_of("CREATE TABLE public.a (id int CONSTRAINT a_pkey PRIMARY KEY);", "DROP TABLE public.a;")
    checks = dict(verification_checks(rb, history=False))
    assert list(checks) == ["table public.a is gone"], checks


def test_roundtrip_function_moved_aside_for_a_wrapper(roundtrip):
    roundtrip(history=[PRICES], migration=PRICES_WRAPPED)


def test_roundtrip_table_moved_aside_for_a_replacement(roundtrip):
    roundtrip(history=[NOTES], migration=NOTES_REPLACED)


def test_roundtrip_key_index_name_taken_over_by_another_table(roundtrip):
    roundtrip(history=[BOARDS], migration=BOARDS_MOVED)


TICKETS = "create table public.tickets (id bigint generated by default as identity primary key, title text);"
# the table dropped; its identity sequence's name taken over by a plain sequence
TICKETS_TO_SEQUENCE = """
drop table public.tickets;
create sequence public.tickets_id_seq;
create table public.queue_items (id bigint primary key default nextval('public.tickets_id_seq'), title text);
"""


def test_identity_sequence_of_a_recreated_table_is_asserted_back():
    checks = _checks([TICKETS], TICKETS_TO_SEQUENCE)
    assert "sequence public.tickets_id_seq is back" in checks, checks
    assert not _gone(checks, "sequence public.tickets_id_seq"), checks
    rb = _rb_of("DROP SEQUENCE public.s;", "ALTER TABLE public.t ADD COLUMN id int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME s);",
                "DROP TABLE public.t;")
    assert list(dict(verification_checks(rb, history=False))) == ["table public.t is gone"]  # the sequence with it


def test_roundtrip_identity_sequence_name_taken_over_by_a_plain_sequence(roundtrip):
    roundtrip(history=[TICKETS], migration=TICKETS_TO_SEQUENCE)


def test_indexes_follow_their_renamed_table_when_it_is_dropped():
    rb = _rb_of("CREATE TABLE public.a (id int CONSTRAINT a_pkey PRIMARY KEY);", "CREATE INDEX a_x ON public.a (id);",
                "ALTER TABLE public.a RENAME TO b;", "DROP TABLE public.b;")
    checks = dict(verification_checks(rb, history=False))
    assert list(checks) == ["table public.b is gone"], checks
