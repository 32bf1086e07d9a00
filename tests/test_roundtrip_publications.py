"""Round trips of publication migrations (Supabase Realtime) on a real server."""

from __future__ import annotations

TABLES = "create table public.messages (id bigint primary key, room text, body text); create table public.rooms (id int primary key);"


def test_add_table_to_realtime(roundtrip):
    rb, sql = roundtrip(history=[TABLES], migration="alter publication supabase_realtime add table public.messages;")
    assert "ALTER PUBLICATION supabase_realtime DROP TABLE public.messages;" in sql


def test_add_table_with_columns_and_filter(roundtrip):
    roundtrip(
        history=[TABLES],
        migration="alter publication supabase_realtime add table public.messages (id, room) where (room <> 'x'), public.rooms;",
    )


def test_drop_table_from_realtime_restores_filter(roundtrip):
    rb, sql = roundtrip(
        history=[TABLES, "alter publication supabase_realtime add table public.messages (id, body) where (id > 0);"],
        migration="alter publication supabase_realtime drop table public.messages;",
    )
    assert "ADD TABLE public.messages (id, body) WHERE (id > 0);" in sql


def test_set_table(roundtrip):
    roundtrip(
        history=[TABLES, "alter publication supabase_realtime add table public.messages;"],
        migration="alter publication supabase_realtime set table public.rooms;",
    )


def test_set_options(roundtrip):
    roundtrip(history=[], migration="alter publication supabase_realtime set (publish = 'insert, update');")


def test_create_and_drop_publications(roundtrip):
    roundtrip(
        history=[TABLES, "create publication extra for table public.rooms with (publish = 'insert');",
                 "comment on publication extra is 'x';"],
        migration="drop publication extra; drop publication if exists nothere;"
        " create publication fresh for table public.messages; create publication everything for all tables;"
        " drop publication supabase_realtime;",
    )


def test_rename_publication(roundtrip):
    roundtrip(history=[], migration="alter publication supabase_realtime rename to rt;")
