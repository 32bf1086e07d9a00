"""Columns retyped from one enum type to another (generator/handlers/alter_table.py).

``supabase db diff`` changes an enum by renaming it to ``<name>__old_version_to_be_dropped``,
creating the new one, retyping each column with ``USING c::text::<name>`` (the default
dropped first and set again after) and dropping the old type. PostgreSQL has no cast
between two enum types, so the inverse goes through text too, and recreates the old type
with its labels in order before the column goes back to it.
"""

from __future__ import annotations

from test_preflight import _migrated, _rollback, _run_ok

from generator.render import render_sql
from generator.steps import Hazard

# a label order that only the history gives ('review' added before 'closed')
HISTORY = [
    "create type public.ticket_status as enum ('open', 'closed');",
    "alter type public.ticket_status add value 'review' before 'closed';",
    "create table public.tickets (id bigint primary key, status public.ticket_status not null default 'open',"
    " history public.ticket_status[] not null default '{}', previous public.ticket_status);",
]

# the shape supabase db diff writes, in our own words
RENAME_IDIOM = """
alter table public.tickets alter column status drop default;
alter table public.tickets alter column history drop default;
alter type public.ticket_status rename to ticket_status__old_version_to_be_dropped;
create type public.ticket_status as enum ('open', 'review', 'blocked', 'closed');
alter table public.tickets alter column status type public.ticket_status using status::text::public.ticket_status;
alter table public.tickets alter column history type public.ticket_status[] using history::text::public.ticket_status[];
alter table public.tickets alter column previous type public.ticket_status using previous::text::public.ticket_status;
alter table public.tickets alter column status set default 'open'::public.ticket_status;
alter table public.tickets alter column history set default '{}'::public.ticket_status[];
drop type public.ticket_status__old_version_to_be_dropped;
"""


def _steps(rb, needle: str):
    return [s for s in rb.steps if any(needle in sql for sql in s.sql)]


def _hazards(step) -> set[Hazard]:
    return {h.code for h in step.hazards}


# -- generated SQL --------------------------------------------------------------------------------


def test_rename_idiom_casts_back_through_text_and_recreates_the_labels_in_order():
    _, rb = _rollback(HISTORY, RENAME_IDIOM)
    sql = render_sql(rb)
    old = "public.ticket_status__old_version_to_be_dropped"
    assert f"CREATE TYPE {old} AS ENUM ('open', 'review', 'closed');" in sql
    assert f"ALTER COLUMN status TYPE {old} USING status::text::{old};" in sql
    assert f"ALTER COLUMN history TYPE {old}[] USING history::text::{old}[];" in sql
    assert f"ALTER COLUMN previous TYPE {old} USING previous::text::{old};" in sql
    assert sql.index(f"CREATE TYPE {old}") < sql.index(f"USING status::text::{old}") < sql.index(
        "DROP TYPE public.ticket_status;") < sql.index(f"ALTER TYPE {old} RENAME TO ticket_status;")


def test_hazards_of_a_retype_through_text():
    """The values kept their labels through text: nothing to report as not restored. Going
    back fails only for labels the old enum lacks."""
    _, rb = _rollback(HISTORY, RENAME_IDIOM)
    (step,) = _steps(rb, "USING status::text::")
    assert Hazard.LOSSY_CAST in _hazards(step)  # 'blocked' has no place in the old enum
    assert Hazard.DATA_NOT_RESTORED not in _hazards(step)
    _, rb = _rollback(
        ["create type public.a as enum ('x', 'y', 'z');", "create type public.b as enum ('y', 'x');",
         "create table public.t (id int, c public.b);"],
        "alter table public.t alter column c type public.a using c::text::public.a;",
    )
    (step,) = _steps(rb, "USING c::text::public.b")
    assert Hazard.LOSSY_CAST in _hazards(step)  # 'z' has no place in public.b
    _, rb = _rollback(
        ["create type public.a as enum ('x', 'y');", "create type public.b as enum ('y', 'x', 'z');",
         "create table public.t (id int, c public.b);"],
        "alter table public.t alter column c type public.a using c::text::public.a;",
    )
    (step,) = _steps(rb, "USING c::text::public.b")
    assert Hazard.LOSSY_CAST not in _hazards(step)
    assert Hazard.DATA_NOT_RESTORED not in _hazards(step)


def test_a_using_that_changes_values_still_says_so():
    _, rb = _rollback(
        ["create type public.a as enum ('lo', 'mid', 'hi');", "create type public.b as enum ('lo', 'hi');",
         "create table public.t (id int, c public.a);"],
        "alter table public.t alter column c type public.b"
        " using case when c = 'mid' then 'hi'::public.b else c::text::public.b end;",
    )
    (step,) = _steps(rb, "USING c::text::public.a")
    assert Hazard.DATA_NOT_RESTORED in _hazards(step)


def test_enum_and_string_types_cast_directly():
    _, rb = _rollback(
        ["create type public.a as enum ('x');", "create table public.t (id int, c public.a, d text, e varchar(9)[]);"],
        "alter table public.t alter column c type text, alter column d type public.a using d::public.a,"
        " alter column e type public.a[] using e::text[]::public.a[];",
    )
    sql = render_sql(rb)
    assert "ALTER COLUMN c TYPE public.a USING c::public.a" in sql
    assert "ALTER COLUMN d TYPE text USING d::text" in sql
    assert "ALTER COLUMN e TYPE varchar(9)[] USING e::varchar(9)[]" in sql


def test_enum_and_other_types_go_through_text():
    _, rb = _rollback(
        ["create type public.a as enum ('1', '2');", "create table public.t (id int, c public.a, d integer);"],
        "alter table public.t alter column c type integer using c::text::integer,"
        " alter column d type public.a using d::text::public.a;",
    )
    sql = render_sql(rb)
    assert "ALTER COLUMN c TYPE public.a USING c::text::public.a" in sql
    assert "ALTER COLUMN d TYPE integer USING d::text::integer" in sql


# -- on a real server -----------------------------------------------------------------------------


def test_roundtrip_rename_idiom(roundtrip):
    roundtrip(history=HISTORY, migration=RENAME_IDIOM)


def test_roundtrip_rename_idiom_in_one_alter_table_per_column(roundtrip):
    """No default, in another schema, the new type named unqualified through the search_path."""
    roundtrip(
        history=["create schema crm;", "create type crm.tier as enum ('free', 'pro');",
                 "create table crm.accounts (id bigint primary key, tier crm.tier);"],
        migration="set search_path = crm, public;"
        " alter type tier rename to tier__old_version_to_be_dropped;"
        " create type tier as enum ('free', 'team', 'pro');"
        " alter table accounts alter column tier type tier using tier::text::tier;"
        " drop type tier__old_version_to_be_dropped;",
    )


def test_roundtrip_retype_to_another_enum(roundtrip):
    roundtrip(
        history=["create type public.shape as enum ('circle', 'square');",
                 "create table public.drawings (id bigint primary key, shape public.shape default 'circle');"],
        migration="create type public.figure as enum ('circle', 'square', 'triangle');"
        " alter table public.drawings alter column shape drop default,"
        " alter column shape type public.figure using shape::text::public.figure,"
        " alter column shape set default 'square';",
    )


def test_roundtrip_enum_to_integer_and_back(roundtrip):
    roundtrip(
        history=["create type public.level as enum ('1', '2', '3');",
                 "create table public.t (id bigint primary key, lvl public.level, n integer);"],
        migration="alter table public.t alter column lvl type integer using lvl::text::integer,"
        " alter column n type public.level using n::text::public.level;",
    )


def test_rows_and_defaults_come_back_after_the_rename_idiom(pg_db):
    rb = _migrated(pg_db, [*HISTORY, "insert into public.tickets values (1, 'review', '{open,review}', 'closed'),"
                           " (2, 'closed', '{}', null);"], RENAME_IDIOM)
    _run_ok(pg_db, rb)
    with pg_db.connect() as conn:
        rows = conn.execute("select id, status::text, history::text, previous::text from public.tickets order by id").fetchall()
        assert rows == [(1, "review", "{open,review}", "closed"), (2, "closed", "{}", None)]
        labels = conn.execute("select enum_range(null::public.ticket_status)::text").fetchone()[0]
        assert labels == "{open,review,closed}"
        conn.execute("insert into public.tickets (id) values (3)")
        assert conn.execute("select status::text, history::text from public.tickets where id = 3").fetchone() == ("open", "{}")


def test_roundtrip_column_added_then_its_enum_changed_in_the_same_migration(roundtrip):
    roundtrip(
        history=["create type public.channel as enum ('mail', 'sms');",
                 "create table public.notices (id bigint primary key);"],
        migration="""
alter table public.notices add column channel channel not null default 'mail'::channel;
alter table public.notices alter column channel drop default;
alter type public.channel rename to channel__old_version_to_be_dropped;
create type public.channel as enum ('mail', 'push', 'sms');
alter table public.notices alter column channel type public.channel using channel::text::public.channel;
alter table public.notices alter column channel set default 'mail'::channel;
drop type public.channel__old_version_to_be_dropped;
""",
    )
