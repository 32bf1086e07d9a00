"""Round trips of enum, domain, composite and range type migrations on a real server."""

from __future__ import annotations


def test_create_types(roundtrip):
    rb, sql = roundtrip(
        history=[],
        migration="""
create type public.mood as enum ('sad', 'ok', 'happy');
create domain public.email as text collate "C" default 'x@y' not null check (value ~ '@') constraint short check (length(value) < 200);
create type public.pair as (a public.mood, b text);
create type public.floatrange as range (subtype = float8, subtype_diff = float8mi);
create domain public.emails as public.email[];
""",
    )
    assert "DROP TYPE public.mood;" in sql
    assert "DROP DOMAIN public.email;" in sql


def test_create_types_with_a_table_using_them(roundtrip):
    """The table's backup stores user-typed columns as text, so the types can be dropped."""
    rb, sql = roundtrip(
        history=[],
        migration="create type public.mood as enum ('a'); create domain public.pos as int check (value > 0);"
        " create type public.pair as (a public.mood, b text);"
        " create table public.people (id bigint primary key, m public.mood, p public.pos, pr public.pair);",
    )
    assert sql.index("DROP TABLE public.people;") < sql.index("DROP TYPE public.mood;")


def test_drop_enum_recreates_labels_in_order_with_grants_and_comment(roundtrip):
    rb, sql = roundtrip(
        history=[
            "create type public.status as enum ('new', 'done');",
            "alter type public.status add value 'doing' before 'done';",
            "revoke usage on type public.status from public; grant usage on type public.status to authenticated;",
            "comment on type public.status is 'job status';",
        ],
        migration="drop type public.status;",
    )
    assert "CREATE TYPE public.status AS ENUM ('new', 'doing', 'done');" in sql
    assert "COMMENT ON TYPE public.status IS 'job status';" in sql


def test_drop_domain_and_composite_if_exists(roundtrip):
    roundtrip(
        history=[
            "create domain public.pos as int check (value > 0);",
            "create domain public.pos2 as int check (value > 0);",  # names its CHECK pos2_check
            "create type public.pt as (x int, y int);",
        ],
        migration="drop domain if exists public.pos; drop type if exists public.pt, public.nothere; drop domain public.pos2;",
    )


def test_drop_type_cascade_with_columns(roundtrip):
    rb, sql = roundtrip(
        history=["create type public.mood as enum ('a');", "create table public.t (id int, m public.mood);"],
        migration="drop type public.mood cascade;",
    )
    assert "ADD COLUMN m public.mood" in sql


def test_drop_type_cascade_without_users(roundtrip):
    roundtrip(history=["create type public.mood as enum ('a');"], migration="drop type public.mood cascade;")


def test_rename_enum_value(roundtrip):
    rb, sql = roundtrip(
        history=["create type public.mood as enum ('a', 'b');"],
        migration="alter type public.mood rename value 'a' to 'A';",
    )
    assert "ALTER TYPE public.mood RENAME VALUE 'A' TO 'a';" in sql


def test_add_enum_value_rebuilds_the_type(roundtrip):
    rb, sql = roundtrip(
        history=["create type public.mood as enum ('a', 'b');", "create table public.t (m public.mood);"],
        migration="alter type public.mood add value 'c' after 'a';",
    )
    assert "ALTER TYPE public.mood_new RENAME TO mood;" in sql


def test_rename_type_and_domain(roundtrip):
    rb, sql = roundtrip(
        history=["create type public.mood as enum ('a');", "create domain public.pos as int;",
                 "create table public.t (m public.mood, p public.pos);"],
        migration="alter type public.mood rename to feeling; alter domain public.pos rename to positive;",
    )
    assert "ALTER TYPE public.feeling RENAME TO mood;" in sql


def test_drop_renamed_type_column_then_type(roundtrip):
    """After a rename, columns in the catalog use the new name."""
    roundtrip(
        history=["create type public.mood as enum ('a');", "create table public.t (id int, m public.mood);",
                 "alter type public.mood rename to feeling;"],
        migration="alter table public.t drop column m; drop type public.feeling;",
    )


# -- RENAME VALUE: stored expressions read the new label ---------------------------------------

ENUM_TABLE = ("create type public.mood as enum ('a', 'b');\n"
              "create table public.t (id int primary key, m public.mood default 'a', n public.mood default 'b'::public.mood);\n")


def test_renamed_label_in_a_default_then_drop_table(roundtrip):
    """The default reads the new label after the rename: the recreated table says so, before
    the label is renamed back."""
    rb, sql = roundtrip(history=[ENUM_TABLE],
                        migration="alter type public.mood rename value 'a' to 'x';\n"
                                  "alter type public.mood rename value 'b' to 'y';\ndrop table public.t;")
    assert "m public.mood DEFAULT 'x'," in sql and "n public.mood DEFAULT CAST('y' AS public.mood)," in sql


def test_renamed_label_alone_round_trips(roundtrip):
    rb, sql = roundtrip(history=[ENUM_TABLE + "alter table public.t add constraint not_a check (m <> 'a');\n"],
                        migration="alter type public.mood rename value 'a' to 'x';")
    assert "ALTER TYPE public.mood RENAME VALUE 'x' TO 'a';" in sql


def test_a_check_naming_a_renamed_label_is_distrusted(roundtrip):
    """`check (m <> 'a')` reads `m <> 'x'` after the rename: recreating the table from the
    recorded text would fail, so that rollback is a manual step with the reason."""
    rb, sql = roundtrip(history=[ENUM_TABLE + "alter table public.t add constraint not_a check (m <> 'a');\n"],
                        migration="alter type public.mood rename value 'a' to 'x';\ndrop table public.t;",
                        expect_manual=True)
    assert any("renamed value 'a' of public.mood" in s.manual for s in rb.manual_steps)


def test_a_policy_naming_a_renamed_label_is_distrusted(roundtrip):
    rb, sql = roundtrip(history=[ENUM_TABLE + "create policy p on public.t using (m = 'a');\n"],
                        migration="alter type public.mood rename value 'a' to 'x';\ndrop policy p on public.t;",
                        expect_manual=True)
    assert any("renamed value 'a' of public.mood" in s.manual for s in rb.manual_steps)
