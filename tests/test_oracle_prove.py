"""learn proves itself (generator/oracle/prove.py), on a real server: a record entry that
would make a rollback wrong is dropped (not_learned, with the difference) and the rollback
is a manual step again; a right one is kept and its rollback round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.chain import chain_hashes
from generator.engine import generate
from generator.oracle import record
from generator.oracle.prove import proof_lines, prove
from generator.project import list_migrations

from _cli_support import project, run
from _oracle_support import lend_server

pytestmark = pytest.mark.pg

INIT = "create table public.orders (id bigint primary key, total numeric);\n"
# adds a column to every table of public: the generator cannot follow it
ADD_NOTE = """do $$
declare r record;
begin
  for r in select tablename from pg_tables where schemaname = 'public' loop
    execute format('alter table public.%I add column note text', r.tablename);
  end loop;
end $$;
"""
DROP = "drop table public.orders;\n"


def _project(tmp_path: Path) -> Path:
    project(tmp_path, {"20240101000000_init.sql": INIT, "20240102000000_note.sql": ADD_NOTE,
                       "20240103000000_drop.sql": DROP})
    return tmp_path / "supabase" / "migrations"


def _wrong_record(mig: Path) -> None:
    """Written by hand: it claims the block left public.orders alone, which it did not."""
    ms = list_migrations(mig)
    chain = chain_hashes(ms)[1]
    entry = {"chain": chain, "defaults_unchanged": False, "format": 1, "line": 1,
             "migration": "20240102000000_note.sql",
             "unchanged": [["index", "public.orders_pkey"], ["table", "public.orders"]]}
    record.record_path(mig).write_text(json.dumps({"entries": [entry], "format": 1}))


def _drop_manual(mig: Path) -> list:
    return generate(list_migrations(mig))[-1].manual_steps


def test_a_wrong_entry_is_dropped_by_the_proof(pg_server, tmp_path):
    mig = _project(tmp_path)
    assert _drop_manual(mig)  # the block may have changed orders: a manual step
    _wrong_record(mig)
    assert _drop_manual(mig) == []  # the wrong entry makes it automatic (and wrong: no `note` column)
    ms = list_migrations(mig)
    entries = list(record.Oracle.load(record.record_path(mig), ms).entries.values())
    kept, proof = prove(pg_server, ms, entries)
    assert proof.failed and "20240103000000" in proof.failed
    (entry,) = kept
    assert entry.unchanged == () and not entry.defaults_unchanged
    assert "20240103000000_drop.sql" in entry.not_learned and "did not round-trip" in entry.not_learned
    assert proof.dropped == [entry] and proof.verified == []
    record.write(record.record_path(mig), kept)
    assert _drop_manual(mig)  # a manual step again, never a wrong automatic rollback
    assert any("dropped" in line for line in proof_lines(proof))


def test_learn_keeps_right_entries_after_proving_them(pg_server, tmp_path, monkeypatch):
    lend_server(monkeypatch, pg_server)
    root = tmp_path / "p"
    # the block touches audit_ tables only: orders is proven unchanged, its drop is automatic
    block = ADD_NOTE.replace("    execute format", "    continue when r.tablename not like 'audit_%';\n    execute format")
    project(root, {"20240101000000_init.sql": INIT + "create table public.audit_x (id int);\n",
                   "20240102000000_note.sql": block, "20240103000000_drop.sql": DROP})
    res = run("learn", "--project-dir", str(root))
    assert res.exit_code == 0, res.output
    # the drop's rollback, and the block's own: it added a column to audit_x, dropped again
    assert "proof: 2 rollbacks the record makes automatic round-tripped" in res.output, res.output
    assert "dropped" not in res.output
    mig = root / "supabase" / "migrations"
    assert _drop_manual(mig) == []



def test_culprits_are_the_entries_a_rollback_depends_on(tmp_path):
    # four learned blocks; dropping orders depends on the entries of the two that reached it
    from generator.oracle.prove import culprits

    files = {"20240101000000_init.sql": INIT + "create table public.items (id int primary key);\n"}
    for i in range(2, 6):  # 4 and 5 reach only the items table, statically
        block = ADD_NOTE if i in (2, 3) else ADD_NOTE.replace("schemaname = 'public'", "tablename = 'items'")
        files[f"2024010{i}000000_note.sql"] = block.replace("note text", f"note{i} text")
    files["20240106000000_drop.sql"] = DROP
    project(tmp_path, files)
    mig = tmp_path / "supabase" / "migrations"
    ms = list_migrations(mig)
    chains = chain_hashes(ms)
    entries = []
    for i in range(2, 6):
        left = ["table", "public.orders" if i in (2, 3) else "public.items"]
        entries.append({"chain": chains[i - 1], "defaults_unchanged": False, "format": 1, "line": 1,
                        "migration": f"2024010{i}000000_note.sql", "unchanged": [left]})
    record.record_path(mig).write_text(json.dumps({"entries": entries, "format": 1}))
    loaded = list(record.Oracle.load(record.record_path(mig), ms).entries.values())
    found = culprits(ms, loaded, ms[-1])
    assert sorted(e.migration for e in found) == ["20240102000000_note.sql", "20240103000000_note.sql"]
