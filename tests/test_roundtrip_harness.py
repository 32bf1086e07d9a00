"""The round-trip check itself: it passes a correct rollback and fails every wrong one.

The wrong rollbacks are substituted for the renderer's output inside these tests only
(monkeypatch); the package's renderer is untouched.
"""

from __future__ import annotations

import pytest

import generator.render
from generator.engine import Rollback

HISTORY = ["create table public.t (id bigint primary key, a int, b text);"]
DELETE_ROW = "DELETE FROM supabase_migrations.schema_migrations WHERE version = '20990101000000';\n"


def _fake(monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    monkeypatch.setattr(generator.render, "render_sql", lambda rb, **kw: sql)


def _fails(roundtrip, match: str, **kw) -> str:
    with pytest.raises(pytest.fail.Exception) as info:
        roundtrip(**kw)
    assert match in str(info.value), str(info.value)
    return str(info.value)


def test_correct_rollback_passes(roundtrip) -> None:
    rb, sql = roundtrip(history=HISTORY, migration="create index t_a_idx on public.t (a);")
    assert isinstance(rb, Rollback) and not rb.manual_steps
    assert "t_a_idx" in sql


def test_concurrently_migration_and_rollback_run(roundtrip) -> None:
    rb, sql = roundtrip(history=HISTORY, migration="create index concurrently t_b_idx on public.t (b);")
    assert "CONCURRENTLY" in sql.upper()


def test_rollback_that_leaves_the_object_fails(roundtrip, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(monkeypatch, DELETE_ROW)
    msg = _fails(roundtrip, "schema differs from the one before the migration", history=HISTORY,
                 migration="create index t_a_idx on public.t (a);")
    assert "index public.t_a_idx exists but should not" in msg
    assert "rollback SQL:" in msg and "DELETE FROM supabase_migrations" in msg


def test_rollback_that_keeps_the_history_row_fails(roundtrip, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(monkeypatch, "DROP INDEX public.t_a_idx;\n")
    _fails(roundtrip, "left version 20990101000000 in supabase_migrations.schema_migrations",
           history=HISTORY, migration="create index t_a_idx on public.t (a);")


def test_rollback_with_an_error_fails(roundtrip, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(monkeypatch, "DROP INDEX public.no_such_index;\n" + DELETE_ROW)
    _fails(roundtrip, "the rollback failed on the server", history=HISTORY,
           migration="create index t_a_idx on public.t (a);")


def test_rollback_that_blocks_going_forward_fails(roundtrip, monkeypatch: pytest.MonkeyPatch) -> None:
    # Same schema as before, but rows the unique index cannot accept.
    _fake(monkeypatch, "DROP INDEX public.t_a_key;\nINSERT INTO public.t VALUES (1, 1, 'x'), (2, 1, 'y');\n" + DELETE_ROW)
    _fails(roundtrip, "the migration cannot be applied again", history=HISTORY,
           migration="create unique index t_a_key on public.t (a);")


def test_column_order_is_reported_unless_allowed(roundtrip, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(monkeypatch, "ALTER TABLE public.t ADD COLUMN a integer;\n" + DELETE_ROW)
    msg = _fails(roundtrip, "column order differs: (id, a, b) vs (id, b, a)", history=HISTORY,
                 migration="alter table public.t drop column a;")
    assert "exists but should not" not in msg
    roundtrip(history=HISTORY, migration="alter table public.t drop column a;", allow_column_order=True)


def test_manual_steps_fail_unless_expected(roundtrip) -> None:
    migration = "select public.some_function_with_effects();"
    history = ["create function public.some_function_with_effects() returns void language sql as $$ select $$;"]
    _fails(roundtrip, "the rollback has manual steps", history=history, migration=migration)
    rb, sql = roundtrip(history=history, migration=migration, expect_manual=True)
    assert rb.manual_steps and "MANUAL STEP" in sql


def test_expect_manual_without_manual_step_fails(roundtrip) -> None:
    _fails(roundtrip, "expected a manual step", history=HISTORY,
           migration="create index t_a_idx on public.t (a);", expect_manual=True)


def test_broken_history_or_migration_fails_clearly(roundtrip) -> None:
    _fails(roundtrip, "history migration 20240101000000 failed on the server",
           history=["create table public.t (id bigint references public.nowhere (id));"],
           migration="create index i on public.t (id);")


def test_versions_must_increase(roundtrip) -> None:
    with pytest.raises(ValueError, match="must come after the history"):
        roundtrip(history=HISTORY, migration="select 1;", version="20000101000000")
