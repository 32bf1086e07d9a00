"""Faults during ``down``, on a real PostgreSQL server: what tests/test_down.py leaves out.

The contract, for each fault: the database is left exactly as it was before that
migration's rollback (``generator.snapshot.diff(...).exact``; the backup schema is checked
separately, since snapshots leave it out), the migration's history row is still there, the
message says what happened, and running ``down`` again finishes the job.

tests/test_down.py covers: a lock held by another session on the first table the rollback
touches (fails within lock_timeout; rerun finishes), a connection killed while the first
statement waits for a lock, a statement timeout (in a file edited to sleep), a backup table
left over from an earlier rollback (refused before anything runs). Added here:

- the connection killed in the *middle* of the transaction, after the rollback has already
  backed up a table and dropped five indexes (proved with pg_locks before the kill);
- the same in a rollback of several parts (CONCURRENTLY): the parts that committed are
  recorded and the rerun resumes after them;
- a lock refused on the migration's history row (another ``down`` of the same migration);
- a statement timeout hit for real by the unedited file (a statement waiting for a lock,
  with no lock_timeout), then a rerun;
- a backup table that appears after down's pre-check (created between the check and the
  run): the transaction fails on it and changes nothing;
- the client process killed (kill -9) in the middle: the server rolls the transaction back.

A rollback of several parts cannot be "exactly as before" after a fault by design: a
``CONCURRENTLY`` part commits on its own. Its contract is that the committed parts are
recorded, the message lists them, and the rerun resumes after them and finishes.
"""

from __future__ import annotations

import time

import pytest
from test_down import (  # noqa: F401  (project: the fixture, a copy of the example project)
    BACKUP, V1, V2, V3, V4, _backups, _down, _history, _Locker, _migrate, _same, _small_project,
    _subprocess_down, project,
)

from generator import apply

V4_FILE = f"rollback_{V4}_processing_log_and_indexes.sql"


def _no_backup_schema(db) -> None:
    with db.connect() as conn:
        assert conn.execute("SELECT to_regnamespace(%s)", (BACKUP,)).fetchone()[0] is None


def _waiting_on(db, statement: str, timeout: float = 30) -> int:
    """The pid of our `down` session once it waits for a lock in ``statement``."""
    deadline = time.monotonic() + timeout
    with db.connect() as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'"
                " AND query LIKE %s", (apply.APPLICATION_NAME, statement + "%"),
            ).fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    raise AssertionError(f"down never waited for a lock in {statement}")


def _locks_held(db, pid: int) -> set[tuple[str, str]]:
    with db.connect() as conn:
        return set(conn.execute(
            "SELECT format('%%I.%%I', n.nspname, c.relname), l.mode FROM pg_locks l"
            " JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE l.pid = %s AND l.granted AND l.locktype = 'relation'", (pid,)).fetchall())


def _kill(db, pid: int) -> None:
    with db.connect() as conn:
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def test_connection_killed_in_the_middle_of_a_rollback(pg_db, project):
    """Killed after the backup and five DROP INDEX ran, while step 6 waits for a lock."""
    snaps = _migrate(pg_db, project)
    locker = _Locker(pg_db, "LOCK TABLE public.media_file IN ACCESS SHARE MODE")  # blocks DROP INDEX only
    try:
        proc = _subprocess_down(pg_db, project, "--last", "1", "--yes", "--lock-timeout", "60s")
        try:
            pid = _waiting_on(pg_db, "DROP INDEX public.ix_media_file_status_active")
            held = _locks_held(pg_db, pid)
        except AssertionError:
            proc.kill()
            raise AssertionError(proc.communicate()[0]) from None
        # the work before it is done, uncommitted: the backup read processing_log, steps 1-5 dropped indexes
        assert ("public.transcription", "AccessExclusiveLock") in held
        assert ("public.analysis_job", "AccessExclusiveLock") in held
        assert ("public.processing_log", "AccessShareLock") in held
        _kill(pg_db, pid)
        out, _ = proc.communicate(timeout=60)
    finally:
        locker.release()
    assert proc.returncode == 1, out
    assert f"error: rolling back {V4} (" in out and "FAILED" in out
    assert f"{V4_FILE}:" in out and "DROP INDEX public.ix_media_file_status_active" in out
    assert "the connection to the database was lost (terminating connection due to administrator command); " \
           "PostgreSQL rolled back the transaction that was open" in out
    assert f"Nothing of this rollback was kept: the failed transaction was rolled back, so migration {V4} " \
           "is still fully applied and recorded in supabase_migrations.schema_migrations." in out
    assert "run `supabase-rollback down --last 1` again" in out
    _same(pg_db, snaps[-1])
    _no_backup_schema(pg_db)
    assert _history(pg_db) == [V1, V2, V3, V4]
    r = _down(pg_db, project, "--last", "1", "--yes")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[3])
    assert _history(pg_db) == [V1, V2, V3]


def test_connection_killed_in_a_rollback_of_several_parts(pg_db, tmp_path):
    """Parts that committed stay done (CONCURRENTLY cannot run in a transaction); the killed
    transaction is rolled back; the message says which parts are done; the rerun resumes."""
    root = _small_project(
        tmp_path,
        "create table public.a (id bigint primary key);\ncreate table public.b (id bigint primary key, y int);",
        "alter table public.a add column c text;\ncreate index concurrently b_y_idx on public.b (y);",
    )
    rf = apply.read_rollback_file(root / "supabase" / "rollbacks" / "rollback_20990101000002_m2.sql")
    assert [p.transactional for p in rf.parts] == [True, False, True]
    snaps = _migrate(pg_db, root)
    locker = _Locker(pg_db, "SELECT * FROM public.a")  # the backup reads a; DROP COLUMN waits
    try:
        proc = _subprocess_down(pg_db, root, "--last", "1", "--yes", "--lock-timeout", "60s")
        try:
            pid = _waiting_on(pg_db, "ALTER TABLE public.a DROP COLUMN c")
        except AssertionError:
            proc.kill()
            raise AssertionError(proc.communicate()[0]) from None
        with pg_db.connect() as conn:  # parts 1 (backup) and 2 (DROP INDEX CONCURRENTLY) committed
            assert conn.execute("SELECT to_regclass('public.b_y_idx')").fetchone()[0] is None
        _kill(pg_db, pid)
        out, _ = proc.communicate(timeout=60)
    finally:
        locker.release()
    assert proc.returncode == 1, out
    assert "the connection to the database was lost" in out
    assert "Parts 1, 2 of 3 of the file had finished (recorded in the backup schema's down_progress table); " \
           "the failed transaction was rolled back. Migration 20990101000002 is still recorded" in out
    assert _history(pg_db) == ["20990101000001", "20990101000002"]
    with pg_db.connect() as conn:  # the killed part changed nothing: the column is still there
        assert conn.execute("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.a'::regclass"
                            " AND attname = 'c' AND NOT attisdropped").fetchone()[0] == 1
    r = _down(pg_db, root, "--last", "1", "--yes")
    assert r.exit_code == 0, r.output
    assert "resuming after part 2" in r.output
    _same(pg_db, snaps[1])
    assert _history(pg_db) == ["20990101000001"]


def test_history_row_locked_by_another_session(pg_db, project):
    """Another `down` of the same migration holds its history row: refused within
    lock_timeout, nothing changed, and the rerun finishes once it is gone."""
    snaps = _migrate(pg_db, project)
    locker = _Locker(pg_db, f"SELECT version FROM supabase_migrations.schema_migrations WHERE version = '{V4}' FOR UPDATE")
    try:
        r = _down(pg_db, project, "--last", "1", "--yes", "--lock-timeout", "300ms")
        assert r.exit_code == 1, r.output
        out = r.output
        assert "could not lock the migration's row of supabase_migrations.schema_migrations within 300ms: " \
               "another session holds it (another `down` running?); retry later or raise --lock-timeout" in out
        assert "(statement added by supabase-rollback) SELECT version FROM supabase_migrations.schema_migrations" in out
        assert f"migration {V4} is still fully applied" in out
        assert _history(pg_db) == [V1, V2, V3, V4]
    finally:
        locker.release()
    _same(pg_db, snaps[-1])
    _no_backup_schema(pg_db)
    r = _down(pg_db, project, "--last", "1", "--yes", "--lock-timeout", "300ms")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[3])


def test_statement_timeout_of_the_unedited_file_then_rerun(pg_db, project):
    """No lock_timeout, a statement_timeout: the DROP INDEX waiting behind another session
    is cancelled after 500ms, half-way through the rollback's transaction."""
    snaps = _migrate(pg_db, project)
    locker = _Locker(pg_db, "LOCK TABLE public.media_file IN ACCESS SHARE MODE")
    try:
        r = _down(pg_db, project, "--last", "1", "--yes", "--lock-timeout", "0", "--statement-timeout", "500ms")
        assert r.exit_code == 1, r.output
        out = r.output
        assert f"{V4_FILE}:" in out and "DROP INDEX public.ix_media_file_status_active" in out
        assert "the statement ran longer than statement_timeout (500ms) and was cancelled; raise " \
               "--statement-timeout (0: no limit) or run it when the database is quieter" in out
        assert f"Nothing of this rollback was kept: the failed transaction was rolled back, so migration {V4} " \
               "is still fully applied" in out
        assert _history(pg_db) == [V1, V2, V3, V4]
    finally:
        locker.release()
    _same(pg_db, snaps[-1])
    _no_backup_schema(pg_db)
    r = _down(pg_db, project, "--last", "1", "--yes", "--statement-timeout", "500ms")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[3])
    assert _history(pg_db) == [V1, V2, V3]


def test_backup_table_that_appears_after_the_check(pg_db, project):
    """The pre-check found no backup table, then one appeared (an earlier attempt of
    someone else): the transaction fails on it, changes nothing, and says what to do."""
    snaps = _migrate(pg_db, project)
    rf = apply.read_rollback_file(project / "supabase" / "rollbacks" / V4_FILE)
    table = f'{BACKUP}."20250921000000_processing_log"'
    with pg_db.connect() as conn:
        conn.execute(f"CREATE SCHEMA {BACKUP}")
        conn.execute(f"CREATE TABLE {table} (note text)")
        conn.execute(f"INSERT INTO {table} VALUES ('rows saved by an earlier rollback')")
    with pytest.raises(apply.Failure) as info:
        apply.run(apply.connector(pg_db.conninfo), rf, V4, apply.Settings(lock_timeout="5s"))
    f = info.value
    assert f"backup table {table} already exists: an earlier rollback of this migration saved data there" in f.what
    assert f'ALTER TABLE {table} RENAME TO "20250921000000_processing_log_old";' in f.what
    assert f.where().startswith(f"{project / 'supabase' / 'rollbacks' / V4_FILE}:")
    assert "CREATE TABLE supabase_rollback_backup" in f.where()
    assert f.state().startswith(f"Nothing of this rollback was kept: the failed transaction was rolled back, "
                                f"so migration {V4} is still fully applied")
    _same(pg_db, snaps[-1])
    assert _history(pg_db) == [V1, V2, V3, V4]
    with pg_db.connect() as conn:  # the old backup is untouched
        assert conn.execute(f"SELECT note FROM {table}").fetchall() == [("rows saved by an earlier rollback",)]
        conn.execute(f'ALTER TABLE {table} RENAME TO "20250921000000_processing_log_old"')
    r = _down(pg_db, project, "--last", "1", "--yes")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[3])
    assert {"20250921000000_processing_log", "20250921000000_processing_log_old"} <= set(_backups(pg_db))


def test_killed_client_leaves_the_migration_applied(pg_db, project):
    """The client process itself dies (kill -9) in the middle: PostgreSQL notices the
    closed connection and rolls the open transaction back."""
    snaps = _migrate(pg_db, project)
    locker = _Locker(pg_db, "LOCK TABLE public.media_file IN ACCESS SHARE MODE")
    try:
        proc = _subprocess_down(pg_db, project, "--last", "1", "--yes", "--lock-timeout", "60s")
        try:
            pid = _waiting_on(pg_db, "DROP INDEX public.ix_media_file_status_active")
        except AssertionError:
            proc.kill()
            raise AssertionError(proc.communicate()[0]) from None
        proc.kill()
        proc.communicate(timeout=30)
        # the server ends the backend once it notices; the lock wait ends with the locker's release
    finally:
        locker.release()
    deadline = time.monotonic() + 30
    with pg_db.connect() as conn:
        while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]:
            assert time.monotonic() < deadline, "the killed client's session never ended"
            time.sleep(0.05)
    _same(pg_db, snaps[-1])
    _no_backup_schema(pg_db)
    assert _history(pg_db) == [V1, V2, V3, V4]
    r = _down(pg_db, project, "--last", "1", "--yes")
    assert r.exit_code == 0, r.output
    _same(pg_db, snaps[3])
