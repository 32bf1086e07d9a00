"""The note on a missing or stale oracle record (generator/oracle/status.py), printed by
generate and check, from check's cache too; it never changes the exit status. And learn
without a server: it says so, exit 1, generation works as before. No server needed."""

from __future__ import annotations

import json
from pathlib import Path

from generator.chain import chain_hashes
from generator.oracle.status import only_unrecorded
from generator.project import list_migrations

from _cli_support import project, run
from _oracle_support import RLS_LOOP_NONE

INIT = "create table public.orders (id bigint primary key, total numeric);\n"
# the generator cannot follow it; `-- rollback: none` resolves its own step, so check can pass
BLOCK = RLS_LOOP_NONE
DROP = "drop table public.orders;\n"
MISSING = "1 statement the generator cannot follow has no entry in supabase/rollback-oracle.json (missing)"


def _root(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "p"
    project(root, {"20240101000000_init.sql": INIT, "20240102000000_block.sql": BLOCK})
    monkeypatch.chdir(root)
    return root


def test_check_notes_a_missing_record_without_failing(tmp_path, monkeypatch):
    root = _root(tmp_path, monkeypatch)
    assert run("generate").exit_code == 0
    res = run("check")
    assert res.exit_code == 0, res.output  # a note, never a problem
    assert f"note: {MISSING}; run `supabase-rollback learn`" in res.output
    cached = run("check")  # everything from the cache: the same note, nothing replayed
    assert cached.exit_code == 0 and f"note: {MISSING}" in cached.output


def test_generate_lists_the_rollbacks_that_would_be_exact(tmp_path, monkeypatch):
    root = _root(tmp_path, monkeypatch)
    (root / "supabase" / "migrations" / "20240103000000_drop.sql").write_text(DROP)
    res = run("generate")
    assert res.exit_code == 0
    assert f"note: {MISSING}" in res.output
    assert ("note: 1 rollback has manual steps only because of those statements and may become automatic after "
            "`supabase-rollback learn`: 20240103000000") in res.output
    res = run("check")
    assert res.exit_code == 1 and "20240103000000" in res.output.splitlines()[-2]  # (the drop's manual step)


def test_a_stale_record_names_the_first_file(tmp_path, monkeypatch):
    root = _root(tmp_path, monkeypatch)
    mig = root / "supabase" / "migrations"
    chain = chain_hashes(list_migrations(mig))[1]
    entry = {"chain": chain, "defaults_unchanged": False, "format": 1, "line": 1,
             "migration": "20240102000000_block.sql", "unchanged": [["table", "public.orders"]]}
    (root / "supabase" / "rollback-oracle.json").write_text(json.dumps({"entries": [entry], "format": 1}))
    assert run("generate").exit_code == 0
    res = run("check")
    assert res.exit_code == 0 and "note:" not in res.output, res.output  # the entry matches
    (mig / "20240101000000_init.sql").write_text(INIT + "comment on table public.orders is 'o';\n")
    res = run("generate")
    assert "stale since 20240102000000_block.sql" in res.output, res.output
    assert "stale since 20240102000000_block.sql" in run("check").output


def test_only_unrecorded():
    at = "supabase/migrations/1_a.sql:1"
    assert only_unrecorded([f"table t may have been changed by the DO block at {at}, whose SQL ..."], [at])
    assert not only_unrecorded([f"x at {at}2"], [at])  # line 12 is not line 1
    assert not only_unrecorded([f"x at {at}", "another reason"], [at])
    assert not only_unrecorded([], [at])


def test_learn_without_a_server_says_so(tmp_path, monkeypatch):
    root = _root(tmp_path, monkeypatch)
    monkeypatch.setenv("SUPABASE_ROLLBACK_PG_BINDIR", str(tmp_path / "nowhere"))
    res = run("learn")
    assert res.exit_code == 1
    assert "learn needs a throwaway PostgreSQL and none could be started" in res.output
    assert "generate and check work without a server" in res.output
    assert not (root / "supabase" / "rollback-oracle.json").exists()
    assert run("generate").exit_code == 0


def test_check_s_cache_sees_a_record_written_after_it(tmp_path, monkeypatch):
    # the record is part of check's cache key (by size and modification time): a record
    # written after a cached check makes the rollback it changes stale, then up to date
    root = _root(tmp_path, monkeypatch)
    mig = root / "supabase" / "migrations"
    (mig / "20240103000000_drop.sql").write_text(DROP)
    assert run("generate").exit_code == 0
    assert run("check").exit_code == 1  # the drop's manual step (orders is distrusted)
    chain = chain_hashes(list_migrations(mig))[1]
    entry = {"chain": chain, "defaults_unchanged": False, "format": 1, "line": 1,
             "migration": "20240102000000_block.sql", "unchanged": [["table", "public.orders"]]}
    (root / "supabase" / "rollback-oracle.json").write_text(json.dumps({"entries": [entry], "format": 1}))
    res = run("check")
    assert res.exit_code == 1 and "stale" in res.output, res.output
    assert run("generate").exit_code == 0
    res = run("check")
    assert res.exit_code == 0, res.output


def test_only_unrecorded_matches_locations_as_the_plain_search_does():
    """The indexed lookup (status._Wheres) finds exactly what searching each location in each
    reason finds: a location is named when it is not followed by another digit."""
    import random

    from generator.oracle.status import _mentions

    rng = random.Random(7)
    parts = ["a.sql:1", "a.sql:12", "b/a.sql:1", "x", ":", "1", "2", "²", " ", "at ", "9", "a.sql:", "3a.sql:1"]
    wheres_pool = ["a.sql:1", "a.sql:12", "b/a.sql:1", "12", "a.sql", "3a.sql:1", "x:2²", "a.sql:123"]
    for _ in range(3000):
        reason = "".join(rng.choice(parts) for _ in range(rng.randint(0, 8)))
        wheres = rng.sample(wheres_pool, rng.randint(1, 4))
        plain = any(_mentions(reason, w) for w in wheres)
        assert only_unrecorded([reason], wheres) == plain, (reason, wheres)
