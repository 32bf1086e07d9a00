"""``learn`` on a real server (generator/oracle/learn.py): what it proves, what it refuses,
and the rollbacks it makes automatic round-tripping exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.engine import generate
from generator.oracle import learn as oracle_learn
from generator.project import list_migrations

from _cli_support import project, run
from _oracle_support import AUDIT_RLS, learn_into, lend_server, round_trip_last

pytestmark = pytest.mark.pg

INIT = ("create table public.orders (id bigint primary key, total numeric not null default 0);\n"
        "create table public.audit_log (id bigint primary key, msg text);\n"
        "create table public.settings (k text primary key, v text);\n"
        "insert into public.settings values ('audited', 'audit_log');\n")
ALL_RLS = AUDIT_RLS.replace("r.tablename like 'audit_%'", "r.tablename <> 'settings'")
FROM_USER_TABLE = """do $$
declare r record;
begin
  for r in select v from public.settings where k = 'audited' loop
    execute format('alter table public.%I enable row level security', r.v);
  end loop;
end $$;
"""
DROP = "drop table public.orders;\n"


def _migrations(tmp_path: Path, do_block: str) -> Path:
    project(tmp_path, {"20240101000000_init.sql": INIT, "20240102000000_loop.sql": do_block,
                       "20240103000000_drop.sql": DROP})
    return tmp_path / "supabase" / "migrations"


def _learn(pg_server, mig: Path) -> oracle_learn.Outcome:
    return learn_into(pg_server, mig)


def _drop_rollback(mig: Path):
    return generate(list_migrations(mig))[-1]


def _round_trip(pg_server, mig: Path, name: str, skip: tuple[str, ...] = ()) -> None:
    """Apply the history (but the ``skip`` files), the drop, its rollback: the schema is back exactly."""
    round_trip_last(pg_server, mig, name, skip)


def test_learn_proves_the_untouched_table(pg_server, tmp_path, request):
    mig = _migrations(tmp_path, AUDIT_RLS)
    rb = _drop_rollback(mig)
    assert rb.manual_steps and "DO block at" in rb.manual_steps[0].manual
    out = _learn(pg_server, mig)
    assert out.stopped is None and out.opaque == 1
    (entry,) = out.entries
    assert ("table", "public.orders") in entry.unchanged
    assert ("table", "public.audit_log") not in entry.unchanged  # it did change: RLS is on
    assert _drop_rollback(mig).manual_steps == []
    _round_trip(pg_server, mig, request.node.name)


def test_a_block_that_changed_the_table_is_imported(pg_server, tmp_path, request):
    """It did change public.orders (RLS on): not unchanged, but imported with RLS on
    (generator/oracle/imports.py), and the drop's rollback recreates it so."""
    mig = _migrations(tmp_path, ALL_RLS)
    assert _drop_rollback(mig).manual_steps
    (entry,) = _learn(pg_server, mig).entries
    assert ("table", "public.orders") not in entry.unchanged
    assert ("table", "public.orders") in entry.imported
    assert ("table", "public.settings") in entry.unchanged
    assert {"ref": ["table", "public.orders"], "set": {"row level security": True}} in entry.changes
    assert _drop_rollback(mig).manual_steps == []
    _round_trip(pg_server, mig, request.node.name)


def test_a_loop_over_a_user_table_records_nothing(pg_server, tmp_path):
    mig = _migrations(tmp_path, FROM_USER_TABLE)
    assert _drop_rollback(mig).manual_steps
    (entry,) = _learn(pg_server, mig).entries
    assert entry.unchanged == () and "public.settings" in entry.not_learned
    assert _drop_rollback(mig).manual_steps


def test_cli_learn(pg_server, tmp_path, monkeypatch):
    lend_server(monkeypatch, pg_server)
    root = tmp_path / "p"
    project(root, {"20240101000000_init.sql": INIT, "20240102000000_loop.sql": AUDIT_RLS,
                   "20240103000000_drop.sql": DROP})
    res = run("learn", "--project-dir", str(root))
    assert res.exit_code == 0, res.output
    path = root / "supabase" / "rollback-oracle.json"
    assert '"public.orders"' in path.read_text()
    first = path.read_bytes()
    assert run("learn", "--project-dir", str(root)).exit_code == 0
    assert path.read_bytes() == first  # deterministic
    assert run("generate", "--project-dir", str(root)).exit_code == 0
    res = run("check", "--project-dir", str(root))  # the DO block's own rollback too: what it was seen to do
    assert res.exit_code == 0 and "ok: 3 rollbacks up to date" in res.output, res.output
    loop = (root / "supabase" / "rollbacks" / "rollback_20240102000000_loop.sql").read_text()
    assert "ALTER TABLE public.audit_log DISABLE ROW LEVEL SECURITY;" in loop and "MANUAL STEP 1" not in loop
    text = (root / "supabase" / "rollbacks" / "rollback_20240103000000_drop.sql").read_text()
    assert "MANUAL STEP 1" not in text
    saved = path.read_bytes()
    path.unlink()  # the record is part of check's cache key: the drop rollback is now stale
    assert "rollback_20240103000000_drop.sql: stale" in run("check", "--project-dir", str(root)).output
    path.write_bytes(saved)

    # a history the server does not replay: path:line and SQLSTATE, what came before is kept
    (root / "supabase" / "migrations" / "20240104000000_bad.sql").write_text("select 1;\nalter table public.nope add column x int;\n")
    res = run("learn", "--project-dir", str(root))
    assert res.exit_code == 1
    assert "20240104000000_bad.sql:2: ERROR 42P01" in res.output
    assert '"public.orders"' in path.read_text()


# -- a history the server does not fully replay ---------------------------------------------------

NO_SUCH_EXTENSION = "supabase_rollback_no_such_extension"  # no server ships it (as in test_verify)
EXTENSION = ("create table public.vectors (id bigint primary key);\n"
             f"create extension if not exists {NO_SUCH_EXTENSION};\n")
NEEDS_IT = "alter table public.vectors add column note text;\n"  # fails here: vectors was never created
NAMES_IT = """do $$
declare r record;
begin
  for r in select tablename from pg_tables where schemaname = 'public' and tablename = 'vectors' loop
    execute format('alter table public.%I enable row level security', 'orders');
  end loop;
end $$;
"""


def _skipping(tmp_path: Path, *extra: tuple[str, str]) -> Path:
    project(tmp_path, {"20240101000000_init.sql": INIT, "20240101100000_ext.sql": EXTENSION,
                       "20240101200000_needs.sql": NEEDS_IT, "20240102000000_loop.sql": AUDIT_RLS,
                       **dict(extra), "20240103000000_drop.sql": DROP})
    return tmp_path / "supabase" / "migrations"


def test_learn_goes_on_past_a_migration_the_server_cannot_apply(pg_server, tmp_path, request):
    mig = _skipping(tmp_path)
    assert _drop_rollback(mig).manual_steps
    out = _learn(pg_server, mig)
    assert out.stopped is None and not out.failed
    assert [s.name for s in out.skipped] == ["20240101100000_ext.sql", "20240101200000_needs.sql"]
    (error, why), (error2, why2) = out.report
    assert "20240101100000_ext.sql:2: ERROR 0A000" in error or "20240101100000_ext.sql:2: ERROR 58P01" in error
    assert why == f"environment: extension {NO_SUCH_EXTENSION} is not available on this server"
    assert "20240101200000_needs.sql:1: ERROR 42P01" in error2 and why2 == "depends on 20240101100000_ext.sql, which could not be applied"
    (entry,) = out.entries
    assert ("table", "public.orders") in entry.unchanged  # the loop did not touch it: proven all the same
    assert ("table", "public.vectors") not in entry.unchanged + entry.imported  # absent here: never recorded
    assert _drop_rollback(mig).manual_steps == []
    _round_trip(pg_server, mig, request.node.name, skip=("20240101100000_ext.sql", "20240101200000_needs.sql"))


def test_a_statement_naming_an_object_of_a_skipped_migration_is_not_learned(pg_server, tmp_path):
    mig = _skipping(tmp_path, ("20240102100000_names.sql", NAMES_IT))
    out = _learn(pg_server, mig)
    by_file = {e.migration: e for e in out.entries}
    names = by_file["20240102100000_names.sql"]
    assert names.unchanged == () and names.imported == ()
    assert names.not_learned == "depends on 20240101100000_ext.sql, which could not be applied here"
    assert ("table", "public.orders") in by_file["20240102000000_loop.sql"].unchanged
    # here vectors is absent, so the block left orders as it was; on the project's database
    # vectors exists and the block enabled RLS on orders: proving orders unchanged would be wrong
    rb = _drop_rollback(mig)
    assert rb.manual_steps and "20240102100000_names.sql" in rb.manual_steps[0].manual


def test_an_opaque_statement_inside_a_skipped_migration_is_not_learned(pg_server, tmp_path):
    block = AUDIT_RLS + f"create extension {NO_SUCH_EXTENSION};\n"
    project(tmp_path, {"20240101000000_init.sql": INIT, "20240102000000_loop.sql": block,
                       "20240103000000_drop.sql": DROP})
    mig = tmp_path / "supabase" / "migrations"
    out = _learn(pg_server, mig)
    (entry,) = out.entries
    assert entry.unchanged == () and entry.not_learned == "in 20240102000000_loop.sql, which could not be applied here"
    assert _drop_rollback(mig).manual_steps


def test_stop_at_first_error_keeps_the_old_behaviour(pg_server, tmp_path):
    mig = _skipping(tmp_path)
    out = oracle_learn.learn(pg_server, list_migrations(mig), stop_at_first_error=True)
    assert out.stopped is not None and "20240101100000_ext.sql:2: ERROR" in out.stopped
    assert out.entries == [] and out.migrations == 1


def test_cli_learn_reports_what_it_skipped(pg_server, tmp_path, monkeypatch):
    lend_server(monkeypatch, pg_server)
    root = tmp_path / "p"
    _skipping(root, ("20240102100000_names.sql", NAMES_IT))
    res = run("learn", "--project-dir", str(root))
    assert res.exit_code == 0, res.output
    assert "20240101100000_ext.sql:2: ERROR" in res.output
    assert (f"not applied here (environment: extension {NO_SUCH_EXTENSION} is not available on this server); "
            "learning goes on without it") in res.output
    assert "20240101200000_needs.sql:1: ERROR 42P01" in res.output
    assert "not applied here (depends on 20240101100000_ext.sql, which could not be applied)" in res.output
    assert "4 of 6 migrations replayed, 2 skipped" in res.output
    text = (root / "supabase" / "rollback-oracle.json").read_text()
    assert '"public.orders"' in text and "depends on 20240101100000_ext.sql, which could not be applied here" in text
    assert run("generate", "--project-dir", str(root)).exit_code == 0
    res = run("learn", "--project-dir", str(root), "--stop-at-first-error")
    assert res.exit_code == 1 and "does not replay past" in res.output
