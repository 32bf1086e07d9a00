"""``supabase-rollback down`` and its executor (generator/apply.py).

Unit tests for the pieces that need no database, then the command end to end on a real
PostgreSQL server: the example project's migrations are applied the way the Supabase CLI
applies them (recording ``supabase_migrations.schema_migrations`` rows) and rolled back
with the command itself; the schema is compared with snapshots taken before.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from roundtrip import apply_migration

from generator import apply
from generator.cli import cli
from generator.commands.down import Target, local_port, select, target
from generator.parse import InputError
from generator.project import list_migrations
from generator.snapshot import diff, snapshot

REPO = Path(__file__).resolve().parent.parent
V1, V2, V3, V4 = "20250901000000", "20250914000000", "20250920000000", "20250921000000"
BACKUP = "supabase_rollback_backup"


# -- unit tests ---------------------------------------------------------------------------------


def _file(tmp_path: Path, text: str, name: str = "rollback_20990101000000_x.sql") -> apply.RollbackFile:
    path = tmp_path / name
    path.write_text(text)
    return apply.read_rollback_file(path)


def test_file_parts_follow_its_own_transactions(tmp_path):
    rf = _file(tmp_path, (
        "-- header\nBEGIN;\nCREATE TABLE b.\"1_t\" AS TABLE public.t;\nCOMMIT;\n"
        "DROP INDEX CONCURRENTLY IF EXISTS public.i;\n"
        "BEGIN;\nDROP TABLE public.t;\nCOMMIT;\n"
    ))
    assert [(p.transactional, [s.line for s in p.statements]) for p in rf.parts] == [
        (True, [3]), (False, [5]), (True, [7]),
    ]
    assert rf.parts[0].begin.line == 2 and rf.parts[2].commit.line == 8
    assert rf.backups() == [(1, "b", "1_t")]


def test_file_ending_outside_a_transaction_gets_one_for_the_history(tmp_path):
    rf = _file(tmp_path, "DROP INDEX CONCURRENTLY IF EXISTS public.i;\n")
    assert [p.transactional for p in rf.parts] == [False, True]
    steps = apply.program(rf, "20990101000000", apply.Settings())
    last = [a.sql for a in steps[-1].actions]
    assert last[0] == "BEGIN" and last[-1] == "COMMIT"
    assert "DELETE FROM supabase_migrations.schema_migrations WHERE version = '20990101000000'" in last


@pytest.mark.parametrize("text, message", [
    ("BEGIN;\nSELECT 1;\n", "BEGIN without COMMIT"),
    ("SELECT 1;\nCOMMIT;\n", ":2: COMMIT without BEGIN"),
    ("BEGIN;\nBEGIN;\nCOMMIT;\n", "BEGIN inside the transaction opened at line 1"),
    ("BEGIN;\nROLLBACK;\n", "`ROLLBACK` is not supported"),
    ("BEGIN;\nDROP TABLE;\nCOMMIT;\n", ":2:"),
])
def test_file_the_executor_cannot_follow_is_an_input_error(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        _file(tmp_path, text)


def test_program_adds_timeouts_history_lock_and_delete(tmp_path):
    rf = _file(tmp_path, "BEGIN;\nDROP TABLE public.t;\nCOMMIT;\n")
    (step,) = apply.program(rf, "20990101000000", apply.Settings("3s", "60s"))
    assert [a.sql for a in step.actions] == [
        "BEGIN",
        "SET LOCAL lock_timeout = '3s'",
        "SET LOCAL statement_timeout = '60s'",
        "SELECT version FROM supabase_migrations.schema_migrations WHERE version = '20990101000000' FOR UPDATE",
        "DROP TABLE public.t",
        "DELETE FROM supabase_migrations.schema_migrations WHERE version = '20990101000000'",
        "COMMIT",
    ]
    assert [a.guard for a in step.actions].count(True) == 1


def test_program_of_several_parts_records_progress_and_skips_finished_parts(tmp_path):
    rf = _file(tmp_path, (
        "BEGIN;\nCREATE TABLE b.\"1_t\" AS TABLE public.t;\nCOMMIT;\n"
        "DROP INDEX CONCURRENTLY IF EXISTS public.i;\n"
        "BEGIN;\nDROP TABLE public.t;\nCOMMIT;\n"
    ))
    settings = apply.Settings(backup_schema="bk")
    steps = apply.program(rf, "1", settings)
    first = [a.sql for a in steps[0].actions]
    assert f"INSERT INTO bk.down_progress (version, part, file_sha256) VALUES ('1', 1, '{rf.sha256}')" in first
    assert first.index("CREATE TABLE b.\"1_t\" AS TABLE public.t") < first.index("COMMIT")
    assert any(a.startswith("INSERT INTO bk.down_progress") for a in (x.sql for x in steps[1].actions))
    last = [a.sql for a in steps[2].actions]
    assert "DELETE FROM bk.down_progress WHERE version = '1'" in last
    assert not any(a.guard for a in steps[2].actions)  # the first transaction holds the history row

    resumed = apply.program(rf, "1", settings, frozenset({1, 2}))
    assert [s.number for s in resumed] == [3]
    assert any(a.guard for a in resumed[0].actions)  # the first transaction that runs takes it


def test_unresolved_manual_steps_hazards_and_risk_come_from_the_file(tmp_path):
    rf = _file(tmp_path, (
        "-- Data-loss risk: MEDIUM\nBEGIN;\n\n-- Step 1: Drop x\n-- hazard AUTHZ: widens access\n"
        "SELECT 1;\n\n-- Step 2: Manual\n-- MANUAL STEP 2: it's 100% unknown\n"
        "DO $$ BEGIN RAISE EXCEPTION 'MANUAL STEP 2 not resolved: it''s 100%% unknown'; END $$;\nCOMMIT;\n"
    ))
    assert rf.risk == "MEDIUM"
    assert rf.hazards() == ["step 1: AUTHZ: widens access"]
    assert rf.unresolved_manual_steps() == ["line 10: MANUAL STEP 2 not resolved: it's 100% unknown"]


def test_relations_named_by_statements():
    from pglast import parse_sql

    def rels(sql):
        return apply.relations(parse_sql(sql)[0].stmt)

    assert rels("DROP TABLE public.a, b") == ["public.a", "b"]
    assert rels("ALTER TABLE public.t DROP COLUMN c") == ["public.t"]
    assert rels('DROP POLICY "p" ON public.t') == ["public.t"]
    assert rels("DROP INDEX public.i") == ["public.i"]
    assert sorted(rels("CREATE TABLE bk.x AS TABLE public.t")) == ["bk.x", "public.t"]
    assert rels("DROP TYPE public.e") == []


def test_selection_newest_first():
    applied = [V1, V2, V3, V4]
    assert select(applied, 1, None) == [V4]
    assert select(applied, 2, None) == [V4, V3]
    assert select(applied, None, V2) == [V4, V3]
    assert select(applied, None, V4) == []
    assert select(applied, None, "base") == [V4, V3, V2, V1]
    with pytest.raises(InputError, match="only 4 migrations are applied"):
        select(applied, 5, None)
    with pytest.raises(InputError, match="not an applied version"):
        select(applied, None, "20250915000000")


def test_passwords_are_never_shown():
    t = target("postgresql://app:s3cr%40t@db.example.com:6543/postgres?sslmode=require", False, None)
    assert t.shown == "postgresql://app:***@db.example.com:6543/postgres"
    assert t.scrub("failed for s3cr@t and s3cr%40t") == "failed for *** and ***"
    kv = target("host=db port=5432 user=app password='p w!x' dbname=d", False, None)
    assert kv.shown == "postgresql://app:***@db:5432/d"
    assert "p w!x" not in kv.scrub("error near p w!x")
    local = target(None, True, None)
    assert local.shown == "postgresql://postgres:***@127.0.0.1:54322/postgres"
    assert Target("host=/tmp/s port=1 user=u dbname=d").shown == "postgresql://u@:1/d?host=/tmp/s"


def test_local_port_comes_from_config_toml(tmp_path):
    (tmp_path / "supabase").mkdir()
    assert local_port(tmp_path) == 54322
    (tmp_path / "supabase" / "config.toml").write_text('project_id = "x"\n[db]\nport = 55432\n')
    assert local_port(tmp_path) == 55432
    assert local_port(REPO) == 54322


def test_bad_input_exits_2(tmp_path):
    r = CliRunner().invoke(cli, ["down", "--project-dir", str(REPO), "--db-url", "postgresql://x/y"])
    assert r.exit_code == 2 and "--last N or --to VERSION" in r.output
    r = CliRunner().invoke(cli, ["down", "--project-dir", str(REPO), "--last", "1"], env={"SUPABASE_ROLLBACK_DB_URL": ""})
    assert r.exit_code == 2 and "--db-url" in r.output
    r = CliRunner().invoke(cli, ["down", "--project-dir", str(REPO), "--last", "1", "--local", "--db-url", "postgresql://x/y"])
    assert r.exit_code == 2 and "not both" in r.output
    r = CliRunner().invoke(cli, ["down", "--project-dir", str(REPO), "--last", "1", "--local", "--lock-timeout", "soon"])
    assert r.exit_code == 2 and "--lock-timeout" in r.output


def test_unreachable_database_hides_the_password(tmp_path):
    r = CliRunner().invoke(cli, [
        "down", "--project-dir", str(REPO), "--last", "1",
        "--db-url", "postgresql://postgres:Hunter2-secret@127.0.0.1:1/postgres?connect_timeout=2",
    ])
    assert r.exit_code == 1, r.output
    assert "cannot read the migration history of postgresql://postgres:***@127.0.0.1:1/postgres" in r.output
    assert "Hunter2" not in r.output


# -- on a real server -----------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the example project that a test may change, its rollbacks generated."""
    dest = tmp_path / "project"
    (dest / "supabase").mkdir(parents=True)
    shutil.copy(REPO / "supabase" / "config.toml", dest / "supabase" / "config.toml")
    shutil.copytree(REPO / "supabase" / "migrations", dest / "supabase" / "migrations")
    _generate(dest)
    return dest


def _migrate(db, project: Path) -> list[dict]:
    """Apply every migration of ``project``; the snapshots before each one, then after all."""
    snaps = []
    with db.connect() as conn:
        for m in list_migrations(project / "supabase" / "migrations"):
            snaps.append(snapshot(conn))
            apply_migration(conn, m)
        snaps.append(snapshot(conn))
    return snaps


def _down(db, project: Path, *args: str):
    return CliRunner().invoke(cli, ["down", "--project-dir", str(project), "--db-url", db.conninfo, *args])


def _history(db) -> list[str]:
    with db.connect() as conn:
        return [r[0] for r in conn.execute(
            "SELECT version FROM supabase_migrations.schema_migrations ORDER BY version").fetchall()]


def _same(db, snap) -> None:
    with db.connect() as conn:
        conn.execute("SET lock_timeout = '20s'")  # a test holding a lock fails instead of hanging
        d = diff(snap, snapshot(conn))
    assert d.ok(), str(d)


def _backups(db) -> list[str]:
    with db.connect() as conn:
        return [r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = to_regnamespace(%s) ORDER BY 1", (BACKUP,)).fetchall()]


def test_down_last_2_undoes_the_two_newest_migrations(pg_db, project):
    snaps = _migrate(pg_db, project)
    r = _down(pg_db, project, "--last", "2", "--yes")
    assert r.exit_code == 0, r.output
    assert _history(pg_db) == [V1, V2]
    _same(pg_db, snaps[2])
    out = r.output
    assert out.index(V4) < out.index(V3)  # newest first
    assert f"[1/2] {V4} processing_log_and_indexes ... rolled back" in out
    assert f"[2/2] {V3} media_analysis_initial_tables ... rolled back" in out
    assert "risk HIGH" in out and "DELETES_DATA: rows written to public.processing_log" in out
    assert f"the newest applied migration is now {V2}" in out
    assert "20250921000000_processing_log" in _backups(pg_db)

    r = _down(pg_db, project, "--last", "1", "--yes")  # and further down
    assert r.exit_code == 0, r.output
    assert _history(pg_db) == [V1]
    _same(pg_db, snaps[1])


def test_down_to_a_version_keeps_that_version(pg_db, project):
    snaps = _migrate(pg_db, project)
    r = _down(pg_db, project, "--to", V1, "--yes")
    assert r.exit_code == 0, r.output
    assert _history(pg_db) == [V1]
    _same(pg_db, snaps[1])
    r = _down(pg_db, project, "--to", V1, "--yes")
    assert r.exit_code == 0 and "Nothing to roll back" in r.output


def test_down_to_base_undoes_everything(pg_db, project):
    snaps = _migrate(pg_db, project)
    r = _down(pg_db, project, "--to", "base", "--yes")
    assert r.exit_code == 0, r.output
    assert _history(pg_db) == []
    _same(pg_db, snaps[0])


def test_dry_run_prints_the_sql_and_changes_nothing(pg_db, project):
    snaps = _migrate(pg_db, project)
    r = _down(pg_db, project, "--last", "2", "--dry-run", "--lock-timeout", "2s", "--statement-timeout", "1min")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[-1])
    assert _history(pg_db) == [V1, V2, V3, V4]
    assert _backups(pg_db) == []
    out = r.output
    assert "Nothing was changed" in out
    assert "SET LOCAL lock_timeout = '2s';" in out and "SET LOCAL statement_timeout = '1min';" in out
    assert "DROP TABLE public.processing_log;" in out
    assert f"DELETE FROM supabase_migrations.schema_migrations WHERE version = '{V4}';" in out
    assert out.index("DROP TABLE public.processing_log;") < out.index("DROP TABLE public.transcription;")


def test_not_interactive_without_yes_changes_nothing(pg_db, project):
    snaps = _migrate(pg_db, project)
    r = _down(pg_db, project, "--last", "1")
    assert r.exit_code == 1
    assert "pass --yes" in r.output
    _same(pg_db, snaps[-1])
    assert _history(pg_db) == [V1, V2, V3, V4]


def test_interactive_session_asks_first(pg_db, project, monkeypatch):
    from generator.commands import down as down_module

    snaps = _migrate(pg_db, project)
    monkeypatch.setattr(down_module, "interactive", lambda: True)
    args = ["down", "--project-dir", str(project), "--db-url", pg_db.conninfo, "--last", "1"]
    r = CliRunner().invoke(cli, args, input="n\n")
    assert r.exit_code == 1 and "Roll back 1 migration(s) on postgresql://" in r.output
    assert "Not confirmed; nothing was changed." in r.output
    _same(pg_db, snaps[-1])
    r = CliRunner().invoke(cli, args, input="y\n")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[3])


def _refused(pg_db, project, snaps, *args: str) -> str:
    r = _down(pg_db, project, "--last", "2", "--yes", *args)
    assert r.exit_code == 1, r.output
    assert "Refusing to roll back" in r.output and "nothing was changed" in r.output
    _same(pg_db, snaps[-1])
    assert _history(pg_db) == [V1, V2, V3, V4]
    assert _backups(pg_db) == []
    return r.output


def test_refuses_a_missing_rollback(pg_db, project):
    snaps = _migrate(pg_db, project)
    (project / "supabase" / "rollbacks" / f"rollback_{V3}_media_analysis_initial_tables.sql").unlink()
    out = _refused(pg_db, project, snaps)
    assert f"rollback_{V3}_media_analysis_initial_tables.sql: missing" in out
    assert f"supabase-rollback generate {V3}" in out


def test_refuses_a_stale_rollback(pg_db, project):
    """The migration file changed since its rollback was generated."""
    snaps = _migrate(pg_db, project)
    mig = project / "supabase" / "migrations" / f"{V3}_media_analysis_initial_tables.sql"
    mig.write_text(mig.read_text() + "\ncreate table public.later (id bigint);\n")
    out = _refused(pg_db, project, snaps)
    assert f"rollback_{V3}_media_analysis_initial_tables.sql: stale" in out


def test_refuses_an_edited_rollback_without_force_and_runs_it_with_force(pg_db, project):
    snaps = _migrate(pg_db, project)
    rb = project / "supabase" / "rollbacks" / f"rollback_{V4}_processing_log_and_indexes.sql"
    rb.write_text(rb.read_text().replace("COMMIT;", "-- reviewed by ops\nCOMMIT;"))
    out = _refused(pg_db, project, snaps)
    assert "edited by hand" in out and "--force" in out
    r = _down(pg_db, project, "--last", "2", "--yes", "--force")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[2])


def test_refuses_an_edited_rollback_of_a_changed_migration_even_with_force(pg_db, project):
    snaps = _migrate(pg_db, project)
    rb = project / "supabase" / "rollbacks" / f"rollback_{V4}_processing_log_and_indexes.sql"
    rb.write_text(rb.read_text().replace("COMMIT;", "-- reviewed\nCOMMIT;"))
    mig = project / "supabase" / "migrations" / f"{V4}_processing_log_and_indexes.sql"
    mig.write_text(mig.read_text() + "\n-- changed\n")
    out = _refused(pg_db, project, snaps, "--force")
    assert "Source sha256" in out


def _generate(project: Path) -> None:
    r = CliRunner().invoke(cli, ["generate", "--project-dir", str(project)])
    assert r.exit_code == 0, r.output


def _small_project(tmp_path: Path, *migrations: str) -> Path:
    """A project whose migrations are ``migrations`` (versions 20990101000001...), generated."""
    root = tmp_path / "small"
    folder = root / "supabase" / "migrations"
    folder.mkdir(parents=True)
    for i, text in enumerate(migrations, 1):
        (folder / f"2099010100000{i}_m{i}.sql").write_text(text)
    _generate(root)
    return root


def test_refuses_an_unresolved_manual_step(pg_db, tmp_path):
    root = _small_project(
        tmp_path,
        "create table public.t (id bigint primary key, n int);",
        "update public.t set n = 0;",
    )
    snaps = _migrate(pg_db, root)
    r = _down(pg_db, root, "--last", "1", "--yes", "--force")
    assert r.exit_code == 1, r.output
    assert "MANUAL STEP 1 not resolved" in r.output and "nothing was changed" in r.output
    _same(pg_db, snaps[-1])
    assert _history(pg_db) == ["20990101000001", "20990101000002"]


def test_resolved_manual_step_runs_with_force(pg_db, tmp_path):
    root = _small_project(
        tmp_path,
        "create table public.t (id bigint primary key, n int);",
        "update public.t set n = 0;",
    )
    _migrate(pg_db, root)
    rb = root / "supabase" / "rollbacks" / "rollback_20990101000002_m2.sql"
    text = rb.read_text()
    start = text.index("DO $$ BEGIN RAISE EXCEPTION 'MANUAL STEP 1")
    end = text.index("\n", start)
    rb.write_text(text[:start] + "SELECT 1; -- nothing to undo: n was not used yet" + text[end:])
    r = _down(pg_db, root, "--last", "1", "--yes", "--force")
    assert r.exit_code == 0, r.output
    assert _history(pg_db) == ["20990101000001"]


class _Locker:
    """A second session holding a table lock in an open transaction."""

    def __init__(self, db, sql: str):
        self.conn = db.connect(autocommit=False)
        self.conn.execute("SET idle_in_transaction_session_timeout = '60s'")  # never outlives a broken test
        self.conn.execute(sql)
        self.pid = self.conn.info.backend_pid

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def test_lock_held_by_another_session_fails_fast_and_a_rerun_finishes(pg_db, project):
    snaps = _migrate(pg_db, project)
    locker = _Locker(pg_db, "LOCK TABLE public.processing_log IN ACCESS EXCLUSIVE MODE")
    try:
        r = _down(pg_db, project, "--last", "2", "--yes", "--lock-timeout", "300ms")
        assert r.exit_code == 1, r.output  # the lock_timeout's own message below: it did not wait
        out = r.output
        assert "could not get a lock on public.processing_log within 300ms: another session holds it; " \
               "retry later or raise --lock-timeout" in out
        assert f"public.processing_log: AccessExclusiveLock held by pid {locker.pid}" in out
        assert re.search(rf"rollback_{V4}_processing_log_and_indexes\.sql:\d+: CREATE TABLE supabase_rollback_backup", out)
        assert f"migration {V4} is still fully applied" in out
        assert "Rolled back 0 of 2 migrations; stopped at 20250921000000." in out
        assert "run `supabase-rollback down --last 2` again" in out
        assert _history(pg_db) == [V1, V2, V3, V4]
        assert _backups(pg_db) == []
    finally:
        locker.release()
    _same(pg_db, snaps[-1])  # (reading the schema needs the lock too)
    r = _down(pg_db, project, "--last", "2", "--yes", "--lock-timeout", "300ms")
    assert r.exit_code == 0, r.output
    assert _history(pg_db) == [V1, V2]
    _same(pg_db, snaps[2])


def test_failure_in_the_second_migration_keeps_the_first_rollback(pg_db, project):
    snaps = _migrate(pg_db, project)
    rb = project / "supabase" / "rollbacks" / f"rollback_{V3}_media_analysis_initial_tables.sql"
    rb.write_text(rb.read_text().replace("\nCOMMIT;", "\nSELECT pg_sleep(5);\nCOMMIT;"))
    r = _down(pg_db, project, "--last", "2", "--yes", "--force", "--statement-timeout", "1s")
    assert r.exit_code == 1, r.output
    assert f"[1/2] {V4} processing_log_and_indexes ... rolled back" in r.output
    assert f"[2/2] {V3} media_analysis_initial_tables ... FAILED" in r.output
    assert "ran longer than statement_timeout (1s)" in r.output
    assert f"Rolled back 1 of 2 migrations ({V4}); stopped at {V3}." in r.output
    assert "run `supabase-rollback down --last 1` again" in r.output
    assert _history(pg_db) == [V1, V2, V3]
    _same(pg_db, snaps[3])
    rb.write_text(rb.read_text().replace("\nSELECT pg_sleep(5);\nCOMMIT;", "\nCOMMIT;"))
    r = _down(pg_db, project, "--last", "1", "--yes")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[2])


def test_statement_timeout(pg_db, project):
    snaps = _migrate(pg_db, project)
    rb = project / "supabase" / "rollbacks" / f"rollback_{V4}_processing_log_and_indexes.sql"
    rb.write_text(rb.read_text().replace("DROP TABLE public.processing_log;", "SELECT pg_sleep(5);\nDROP TABLE public.processing_log;"))
    r = _down(pg_db, project, "--last", "1", "--yes", "--force", "--statement-timeout", "300ms")
    assert r.exit_code == 1, r.output
    assert "SELECT pg_sleep(5)" in r.output
    assert "ran longer than statement_timeout (300ms) and was cancelled; raise --statement-timeout" in r.output
    _same(pg_db, snaps[-1])
    assert _history(pg_db) == [V1, V2, V3, V4]
    assert _backups(pg_db) == []


def test_drift_caught_by_the_files_preflight_changes_nothing(pg_db, project):
    """Someone dropped an index the rollback would drop: the file's pre-flight block stops it."""
    _migrate(pg_db, project)
    with pg_db.connect() as conn:
        conn.execute("DROP INDEX public.ix_processing_log_job_id")
        drifted = snapshot(conn)
    r = _down(pg_db, project, "--last", "1", "--yes")
    assert r.exit_code == 1, r.output
    assert "pre-flight check failed" in r.output
    assert "index public.ix_processing_log_job_id does not exist" in r.output
    assert f"migration {V4} is still fully applied" in r.output
    _same(pg_db, drifted)
    assert _history(pg_db) == [V1, V2, V3, V4]
    assert _backups(pg_db) == []


def _subprocess_down(db, project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "down", "--project-dir", str(project), "--db-url", db.conninfo, *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO,
    )


def _wait_for_lock_wait(db, timeout: float = 20) -> int:
    """The pid of our `down` session once it waits for a lock."""
    deadline = time.monotonic() + timeout
    with db.connect() as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
                (apply.APPLICATION_NAME,),
            ).fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    raise AssertionError("the rollback never waited for the lock")


def test_connection_killed_mid_rollback_leaves_the_migration_applied(pg_db, project):
    snaps = _migrate(pg_db, project)
    locker = _Locker(pg_db, "LOCK TABLE public.processing_log IN ACCESS EXCLUSIVE MODE")
    try:
        proc = _subprocess_down(pg_db, project, "--last", "1", "--yes", "--lock-timeout", "60s")
        try:
            pid = _wait_for_lock_wait(pg_db)
        except AssertionError:
            proc.kill()
            raise AssertionError(proc.communicate()[0]) from None
        with pg_db.connect() as conn:
            assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        out, _ = proc.communicate(timeout=60)
    finally:
        locker.release()
    assert proc.returncode == 1, out
    assert "the connection to the database was lost" in out
    assert "terminating connection due to administrator command" in out
    assert f"migration {V4} is still fully applied" in out
    _same(pg_db, snaps[-1])
    assert _history(pg_db) == [V1, V2, V3, V4]
    assert _backups(pg_db) == []
    r = _down(pg_db, project, "--last", "1", "--yes")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[3])


def test_leftover_backup_from_an_earlier_rollback_is_named_and_nothing_changes(pg_db, project):
    snaps = _migrate(pg_db, project)
    assert _down(pg_db, project, "--last", "1", "--yes").exit_code == 0
    with pg_db.connect() as conn:  # the migration is applied again
        apply_migration(conn, list_migrations(project / "supabase" / "migrations")[-1])
    r = _down(pg_db, project, "--last", "1", "--yes")
    assert r.exit_code == 1, r.output
    out = r.output
    assert "Refusing to roll back" in out and "nothing was changed" in out
    _same(pg_db, snaps[-1])
    assert _history(pg_db) == [V1, V2, V3, V4]
    table = f'{BACKUP}."20250921000000_processing_log"'
    assert f"backup table {table} already exists" in out
    assert f'ALTER TABLE {table} RENAME TO "20250921000000_processing_log_old";' in out
    with pg_db.connect() as conn:
        conn.execute(f'ALTER TABLE {table} RENAME TO "20250921000000_processing_log_old"')
    r = _down(pg_db, project, "--last", "1", "--yes")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[3])
    assert {"20250921000000_processing_log", "20250921000000_processing_log_old"} <= set(_backups(pg_db))


def test_password_in_the_url_never_appears(pg_db, project):
    _migrate(pg_db, project)
    params = psycopg.conninfo.conninfo_to_dict(pg_db.conninfo)
    url = f"postgresql://postgres:Sup3r-Secret@/{params['dbname']}?host={params['host']}&port={params['port']}"
    r = CliRunner().invoke(cli, ["down", "--project-dir", str(project), "--last", "1", "--dry-run"],
                           env={"SUPABASE_ROLLBACK_DB_URL": url})
    assert r.exit_code == 0, r.output
    assert "Sup3r-Secret" not in r.output
    assert "postgresql://postgres:***@" in r.output


def test_history_row_deleted_meanwhile_is_noticed(pg_db, project):
    """Another session rolls the migration back between the plan and the run."""
    _migrate(pg_db, project)
    rf = apply.read_rollback_file(project / "supabase" / "rollbacks" / f"rollback_{V4}_processing_log_and_indexes.sql")
    with pg_db.connect() as conn:
        conn.execute("DELETE FROM supabase_migrations.schema_migrations WHERE version = %s", (V4,))
    with pytest.raises(apply.Failure) as info:
        apply.run(apply.connector(pg_db.conninfo), rf, V4, apply.Settings())
    assert "no longer in supabase_migrations.schema_migrations" in info.value.what
    with pg_db.connect() as conn:
        assert conn.execute("SELECT to_regclass('public.processing_log') IS NOT NULL").fetchone()[0]


# -- rollbacks of several parts (CONCURRENTLY) ----------------------------------------------------------


def test_several_parts_resume_after_a_failure(pg_db, tmp_path):
    root = _small_project(
        tmp_path,
        "create table public.a (id bigint primary key);\ncreate table public.b (id bigint primary key, y int);",
        "alter table public.a add column c text;\ncreate index concurrently b_y_idx on public.b (y);",
    )
    rb_path = root / "supabase" / "rollbacks" / "rollback_20990101000002_m2.sql"
    rf = apply.read_rollback_file(rb_path)
    assert [p.transactional for p in rf.parts] == [True, False, True]
    snaps = _migrate(pg_db, root)
    locker = _Locker(pg_db, "SELECT * FROM public.a")  # ACCESS SHARE: the backup reads, DROP COLUMN waits
    try:
        r = _down(pg_db, root, "--last", "1", "--yes", "--lock-timeout", "300ms")
        assert r.exit_code == 1, r.output
        assert "could not get a lock on public.a within 300ms" in r.output
        assert "Parts 1, 2 of 3 of the file had finished" in r.output
        assert "the failed transaction was rolled back. Migration 20990101000002 is still recorded" in r.output
        assert _history(pg_db) == ["20990101000001", "20990101000002"]
        with pg_db.connect() as conn:
            assert conn.execute("SELECT part FROM supabase_rollback_backup.down_progress ORDER BY 1").fetchall() == [(1,), (2,)]
    finally:
        locker.release()
    r = _down(pg_db, root, "--last", "1", "--dry-run")
    assert "part 1 of 3 was finished by an earlier run: skipped" in r.output
    assert "resuming after part 2" in r.output
    r = _down(pg_db, root, "--last", "1", "--yes")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[1])
    assert _history(pg_db) == ["20990101000001"]
    with pg_db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM supabase_rollback_backup.down_progress").fetchone()[0] == 0
        assert conn.execute('SELECT count(*) FROM supabase_rollback_backup."20990101000002_a_c"').fetchone()[0] == 0


def test_failed_create_index_concurrently_leaves_no_invalid_index(pg_db, tmp_path):
    root = _small_project(
        tmp_path,
        "create table public.b (id bigint primary key, y int);\ncreate unique index b_y_key on public.b (y);",
        "drop index concurrently public.b_y_key;",
    )
    snaps = _migrate(pg_db, root)
    with pg_db.connect() as conn:
        conn.execute("INSERT INTO public.b VALUES (1, 7), (2, 7)")  # the unique index cannot come back
    r = _down(pg_db, root, "--last", "1", "--yes")
    assert r.exit_code == 1, r.output
    assert "could not create unique index" in r.output
    assert "the statements of the failed part that ran before the error stay done; they are idempotent" in r.output
    with pg_db.connect() as conn:
        assert conn.execute("SELECT to_regclass('public.b_y_key')").fetchone()[0] is None
        conn.execute("DELETE FROM public.b WHERE id = 2")
    assert _history(pg_db) == ["20990101000001", "20990101000002"]
    r = _down(pg_db, root, "--last", "1", "--yes")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[1])
