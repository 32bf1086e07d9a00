"""The cheap text test that spares parsing catalog definitions (sqltext.may_name), and
that the handlers using it still find what they found by parsing everything."""

from __future__ import annotations

from pathlib import Path

from generator.engine import baseline_catalog, replay
from generator.parse import Migration
from generator.sqltext import may_name


def test_may_name_is_false_only_when_the_name_cannot_be_in_the_text():
    assert not may_name("SELECT 1 WHERE s <> 'done'", ["mood"])
    assert not may_name(None, ["mood"])
    assert may_name("SELECT NULL::MOOD", ["mood"])  # unquoted names are lowered
    assert may_name('SELECT NULL::public."Mood"', ["Mood"])
    assert may_name("SELECT NULL::public.mood_is_a_very_long_name", ["mood_is_a"])  # truncated names
    # escaped spellings are not looked into
    assert may_name("SELECT E'\\x6dood'", ["mood"])
    assert may_name('SELECT 1 FROM U&"m\\006fod"', ["mood"])
    assert may_name('SELECT 1 FROM "a""b"', ['a"b'])


def _rollback(history: list[str], sql: str):
    cat = baseline_catalog()
    for i, text in enumerate(history):
        replay(Migration(f"{i}", f"m{i}", Path(f"{i}_m{i}.sql"), text), cat)
    return replay(Migration("99", "m", Path("99_m.sql"), sql), cat)


def test_enum_rebuild_still_finds_users_spelled_in_upper_case():
    """A view and a policy that name the enum in another case are dropped and recreated."""
    rb = _rollback(
        [
            "create type public.mood as enum ('a', 'b');\n"
            "create table public.t (id int primary key, m public.mood);\n"
            "create view public.v as select id from public.t where m = 'a'::PUBLIC.MOOD;\n"
            "create table public.u (id int);\n"
            "create policy p on public.u using (null::Public.Mood is null);\n"
        ],
        "alter type public.mood add value 'c';",
    )
    sql = "\n".join(s for st in rb.steps for s in st.sql)
    assert "DROP VIEW public.v;" in sql
    assert "DROP POLICY p ON public.u;" in sql
    assert "ALTER TABLE public.t ALTER COLUMN m TYPE" in sql


def test_dependent_views_found_through_a_chain():
    """Dropping a table recreates views over views over it (only views naming the frontier are parsed)."""
    from generator.handlers.views import dependent_views

    cat = baseline_catalog()
    replay(
        Migration("1", "a", Path("1_a.sql"),
                  "create table public.t (id int);\n"
                  "create view public.v1 as select id from public.t;\n"
                  "create view public.v2 as select id from public.V1;\n"
                  "create view public.other as select 1 as x;\n"),
        cat,
    )
    assert dependent_views(cat, [("public", "t")]) == [("public", "v1"), ("public", "v2")]


def test_do_blocks_save_the_catalog_only_when_a_statement_is_not_their_last_action(monkeypatch):
    """A guard that runs one statement as its last action is decided first and needs no copy
    of the catalog; a block that runs more (and may fail after the first) still saves it,
    and a failure after its first statement leaves the catalog as it was."""
    from generator.handlers import doblocks

    saves = []
    real = doblocks._saved
    monkeypatch.setattr(doblocks, "_saved", lambda cat: saves.append(1) or real(cat))
    guard = (
        "do $$ begin if not exists (select 1 from pg_type where typname = 'mood') then "
        "create type public.mood as enum ('a'); end if; end $$;\n"
        "do $$ begin alter table public.t add constraint t_pos check (id > 0); "
        "exception when duplicate_object then null; end $$;\n"
    )
    rb = _rollback(["create table public.t (id int);"], guard)
    assert saves == []
    sql = "\n".join(s for st in rb.steps for s in st.sql)
    assert "DROP TYPE public.mood;" in sql and "DROP CONSTRAINT t_pos" in sql

    cat = baseline_catalog()
    replay(Migration("1", "a", Path("1_a.sql"), "create table public.t (id int);"), cat)
    two = ("do $$ begin create table public.u (id int); "
           "if random() > 0.5 then create table public.w (id int); end if; end $$;")
    rb = replay(Migration("2", "b", Path("2_b.sql"), two), cat)
    assert saves == [1]
    assert rb.manual_steps and ("public", "u") not in cat.tables  # undecidable after the first: restored
