"""Renaming a column only makes the views that may name that column unknown.

Found by the corpus (blog-cms): renaming posts.content made every view on posts
"changed by an unanalysed statement", so a later CREATE OR REPLACE VIEW of a view that
never read content became a manual step (and, through it, later statements on posts).
"""

from __future__ import annotations

from pathlib import Path

from generator.engine import generate
from generator.parse import Migration

TABLE = "create table public.t (id bigint primary key, a text, b text);"


def _rollbacks(*texts: str):
    migs = [Migration(version=str(20240101000000 + i), name=f"m{i}", path=Path(f"m{i}.sql"), text=t)
            for i, t in enumerate(texts)]
    return generate(migs)


def test_view_not_naming_the_column_keeps_its_definition():
    rbs = _rollbacks(
        TABLE + "create view public.v as select id, b from public.t;",
        "alter table public.t rename column a to c;",
        "create or replace view public.v as select id, b, c from public.t;",
    )
    last = rbs[-1]
    assert not last.manual_steps
    sql = " ".join(s for step in last.steps for s in step.sql)
    assert sql == "DROP VIEW public.v; CREATE VIEW public.v AS SELECT id, b FROM public.t;"


def test_view_naming_the_column_is_unknown_after_the_rename():
    rbs = _rollbacks(
        TABLE + "create view public.v as select id, a from public.t;",
        "alter table public.t rename column a to c;",
        "create or replace view public.v as select id, c, b from public.t;",
    )
    assert [s.manual for s in rbs[-1].manual_steps] and "could not analyse" in rbs[-1].manual_steps[0].manual


def test_star_and_natural_join_views_are_unknown_after_the_rename():
    for view in ("select * from public.t", "select id from public.t natural join public.t t2"):
        rbs = _rollbacks(
            TABLE + f"create view public.v as {view};",
            "alter table public.t rename column a to c;",
            "create or replace view public.v as select id, b, c from public.t;",
        )
        assert rbs[-1].manual_steps, view


def test_round_trip_view_redefined_after_an_unrelated_rename(roundtrip):
    roundtrip(
        history=[
            TABLE + "create view public.v with (security_invoker = true) as select id, b from public.t;",
            "alter table public.t rename column a to c;",
        ],
        migration="create or replace view public.v with (security_invoker = true) as select id, b, c from public.t;",
    )
