"""``ALTER PUBLICATION ... ADD TABLE ONLY t`` (what pg_dump writes) on a plain table.

Found by the corpus (dump-style): ONLY was always a manual step, and the table it named
was then distrusted, so later statements on it became manual too.
"""

from __future__ import annotations

from pathlib import Path

from generator.engine import generate
from generator.parse import Migration

TABLE = "create table public.workouts (id bigint primary key, notes text);"


def _last(*texts: str):
    migs = [Migration(version=str(20240101000000 + i), name=f"m{i}", path=Path(f"m{i}.sql"), text=t)
            for i, t in enumerate(texts)]
    return generate(migs)[-1]


def test_only_on_a_plain_table_is_the_table():
    rb = _last(TABLE, 'alter publication supabase_realtime add table only "public"."workouts";')
    assert not rb.manual_steps
    assert [s for step in rb.steps for s in step.sql] == ["ALTER PUBLICATION supabase_realtime DROP TABLE public.workouts;"]


def test_only_leaves_the_table_trusted():
    rb = _last(TABLE, "alter publication supabase_realtime add table only public.workouts;\n"
                      "revoke truncate on table public.workouts from anon;")
    assert not rb.manual_steps


def test_only_on_a_table_not_in_the_history_is_manual():
    rb = _last(TABLE, "alter publication supabase_realtime add table only public.elsewhere;")
    assert rb.manual_steps


def test_round_trip_add_and_drop_table_only(roundtrip):
    roundtrip(history=[TABLE], migration="alter publication supabase_realtime add table only public.workouts;")
    roundtrip(
        history=[TABLE, "alter publication supabase_realtime add table public.workouts;"],
        migration="alter publication supabase_realtime drop table only public.workouts;",
    )
