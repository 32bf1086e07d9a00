"""The example project (supabase/) end to end, on a real PostgreSQL server.

Every migration is applied in order with some data, then every generated rollback is run
newest first with ``psql -v ON_ERROR_STOP=1``: after each one the schema must equal the
schema before its migration, the data it dropped must be in the backup schema, and every
verification query of its markdown document must return true. Finally the migrations
are applied again. The committed rollbacks in supabase/rollbacks/ must be up to date.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from roundtrip import apply_migration, run_psql

from generator.cli import cli
from generator.engine import generate
from generator.project import list_migrations
from generator.render import render_markdown, render_sql, rollback_file_name, verification_checks
from generator.snapshot import diff, snapshot

REPO = Path(__file__).resolve().parent.parent
MIGRATIONS = REPO / "supabase" / "migrations"
ROLLBACKS = REPO / "supabase" / "rollbacks"

USER = "6f1c1d1e-0000-4000-8000-000000000001"
SAMPLE_DATA = [
    f"insert into auth.users (id) values ('{USER}')",
    f"insert into public.upload_sessions (user_id, status) values ('{USER}', 'completed')",
    f"insert into public.video_recordings (user_id, upload_session_id, filename, storage_path)"
    f" select '{USER}', id, 'squat.mp4', 'videos/squat.mp4' from public.upload_sessions",
    f"insert into public.analysis_jobs (user_id, video_recording_id, summary_text, ssml, audio_url)"
    f" select '{USER}', id, 'Good depth', '<speak>Good depth</speak>', 'audio/1.mp3' from public.video_recordings",
    "select public.store_analysis_results((select min(id) from public.analysis_jobs), 'Good depth',"
    " '<speak/>', 'audio/1.mp3', '{\"depth\": {\"value\": 92.5, \"unit\": \"%\"}}'::jsonb)",
    "insert into public.analysis_job (user_id, media_type, metadata) values"
    f" ('{USER}', 'video', '{{\"source\": \"upload\"}}')",
    "insert into public.processing_log (job_id, stage, status) select id, 'upload', 'succeeded' from public.analysis_job",
]


@pytest.mark.smoke
def test_every_rollback_of_the_example_project_undoes_its_migration(pg_db):
    migrations = list_migrations(MIGRATIONS)
    rollbacks = generate(migrations)
    assert [rb.migration.version for rb in rollbacks] == [m.version for m in migrations]
    for rb in rollbacks:
        assert not rb.manual_steps, [s.title for s in rb.manual_steps]

    before: list[dict] = []
    with pg_db.connect() as conn:
        for m in migrations:
            before.append(snapshot(conn))
            apply_migration(conn, m)
        for stmt in SAMPLE_DATA:
            conn.execute(stmt)
        full = snapshot(conn)

    for rb, expected in zip(reversed(rollbacks), reversed(before)):
        res = run_psql(pg_db.server, pg_db.conninfo, render_sql(rb))
        assert res.returncode == 0, f"{rb.migration.stem}: {res.stderr}"
        with pg_db.connect() as conn:
            d = diff(expected, snapshot(conn))
            assert d.ok(), f"{rb.migration.stem}:\n{d}"
            for desc, expr in verification_checks(rb):
                assert conn.execute(f"select {expr}").fetchone()[0] is True, f"{rb.migration.stem}: {desc}"

    with pg_db.connect() as conn:
        saved = dict(
            conn.execute(
                "select table_name, (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I',"
                " table_schema, table_name), false, true, '')))[1]::text::int"
                " from information_schema.tables where table_schema = 'supabase_rollback_backup'"
            ).fetchall()
        )
        assert saved["20250914000000_analysis_metrics"] == 1
        assert conn.execute(
            'select audio_url from supabase_rollback_backup."20250914000000_analysis_jobs_audio_url"'
        ).fetchall() == [("audio/1.mp3",)]
        assert saved["20250921000000_processing_log"] == 1
        for m in migrations:  # going forward again works and gives the same schema
            apply_migration(conn, m)
        again = diff(full, snapshot(conn))
        assert again.ok(), str(again)


def test_markdown_verification_queries_run_on_the_migrated_database(pg_db):
    """Before the rollback, every "is gone" check of the newest migration is false."""
    migrations = list_migrations(MIGRATIONS)
    rb = generate(migrations)[-1]
    with pg_db.connect() as conn:
        for m in migrations:
            apply_migration(conn, m)
        for desc, expr in verification_checks(rb):
            assert conn.execute(f"select {expr}").fetchone()[0] is False, desc


@pytest.mark.smoke
def test_committed_rollbacks_are_up_to_date(tmp_path):
    res = CliRunner().invoke(cli, ["generate", "--project-dir", str(REPO), "--out-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    fresh = {p.name: p.read_text() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_text() for p in ROLLBACKS.iterdir()}
    assert sorted(committed) == sorted(fresh)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"regenerate with `supabase-rollback generate`: {stale}"


def test_rendered_files_match_the_cli_output():
    migrations = list_migrations(MIGRATIONS)
    for rb in generate(migrations):
        sql_name = rollback_file_name(rb.migration)
        assert (ROLLBACKS / sql_name).read_text() == render_sql(rb)
        assert (ROLLBACKS / rollback_file_name(rb.migration, "md")).read_text() == render_markdown(rb, sql_name=sql_name)


def test_psql_runs_the_committed_file_unchanged(pg_db):
    """The files in the repository are what a person runs: check one as is, from disk."""
    migrations = list_migrations(MIGRATIONS)
    with pg_db.connect() as conn:
        for m in migrations[:2]:
            apply_migration(conn, m)
    path = ROLLBACKS / f"rollback_{migrations[1].stem}.sql"
    res = run_psql(pg_db.server, pg_db.conninfo, path.read_text())
    assert res.returncode == 0, res.stderr
    with psycopg.connect(pg_db.conninfo) as conn:
        assert conn.execute("select to_regclass('public.analysis_metrics')").fetchone()[0] is None
