"""Snapshot members of publications and roles as sets: the order they were added in is not schema."""

from __future__ import annotations

from generator.snapshot import diff, snapshot


def test_publication_tables_compare_regardless_of_the_order_they_were_added(pg_db):
    with pg_db.connect() as conn:
        conn.execute("create table public.b (id int primary key); create table public.a (id int primary key)")
        conn.execute("alter publication supabase_realtime add table public.a")
        conn.execute("alter publication supabase_realtime add table public.b")
        first = snapshot(conn)
        conn.execute("alter publication supabase_realtime drop table public.a")
        conn.execute("alter publication supabase_realtime add table public.a")
        second = snapshot(conn)
    assert first["publication"]["supabase_realtime"]["tables"] == ["public.a", "public.b"]
    d = diff(first, second)
    assert d.ok(), str(d)
