"""``status``, ``report`` and the rollback index (generator/index.py), on a copy of the
example project (and, for ``status --db-url``, a real database)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from roundtrip import apply_migration

from generator.cli import cli
from generator.engine import generate
from generator.index import dependencies, render_index, reversibility
from generator.parse import Migration
from generator.project import list_migrations
from generator.render import is_hand_edited

REPO = Path(__file__).resolve().parent.parent
V = ["20250921000000", "20250920000000", "20250914000000", "20250901000000"]  # newest first


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "app"
    (root / "supabase").mkdir(parents=True)
    shutil.copy(REPO / "supabase" / "config.toml", root / "supabase" / "config.toml")
    shutil.copytree(REPO / "supabase" / "migrations", root / "supabase" / "migrations")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SUPABASE_ROLLBACK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SUPABASE_ROLLBACK_DB_URL", raising=False)
    assert run("generate").exit_code == 0
    return root


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@x", "PATH": "/usr/bin:/bin", "HOME": str(root)}).stdout


def rows(out: str) -> dict[str, str]:
    return {line.split()[0]: line for line in out.splitlines() if re.match(r"^\d{14} ", line)}


# -- the index ------------------------------------------------------------------------------------------


def test_index_is_newest_first_with_dependencies_and_links(project):
    text = (project / "supabase" / "rollbacks" / "README.md").read_text()
    assert not is_hand_edited(text)
    table = [ln for ln in text.splitlines() if re.match(r"^\| \d{14} ", ln)]
    assert [ln.split("|")[1].strip() for ln in table] == V
    assert table[0] == (
        "| 20250921000000 | processing_log_and_indexes | 20250920000000 | automatic | HIGH "
        "| [SQL](rollback_20250921000000_processing_log_and_indexes.sql) · "
        "[risk document](rollback_20250921000000_processing_log_and_indexes.md) |"
    )
    assert "| 20250914000000 | phase1_trd_alignment | 20250901000000 |" in text
    assert "| 20250901000000 | initial_schema | None |" in text


def _m(v: str, sql: str) -> Migration:
    return Migration(v, f"m{v}", Path(f"{v}_m{v}.sql"), sql)


def test_dependencies_follow_the_objects_a_migration_uses():
    migs = [
        _m("1", "create table public.a (id int primary key); create type public.mood as enum ('x');"),
        _m("2", "create table b (id int primary key, a_id int references a (id));"),
        _m("3", "create function public.f() returns int language sql as $$ select 1 $$;"),
        _m("4", "alter table public.b add column m public.mood; create view v as select public.f();"),
        _m("5", "drop table b;"),
        _m("6", "create table auth_copy as select * from auth.users;"),
    ]
    deps = dependencies(generate(migs))
    assert deps == {"1": [], "2": ["1"], "3": [], "4": ["1", "2", "3"], "5": ["2"], "6": []}


def test_reversibility_labels():
    rbs = generate([
        _m("1", "create table public.t (id int primary key, note text);"),
        _m("2", "alter table public.t drop column note;"),
        _m("3", "do $$ begin perform pg_sleep(0); end $$; delete from public.t;"),
    ])
    assert [reversibility(rb) for rb in rbs] == ["automatic", "irreversible parts", "with manual steps (2); irreversible parts"]


def test_hand_edited_index_is_protected(project):
    index = project / "supabase" / "rollbacks" / "README.md"
    index.write_text(index.read_text() + "\nOur notes.\n")
    res = run("generate")
    assert res.exit_code == 1
    assert "README.md: edited by hand" in res.stderr
    assert run("generate", "--force").exit_code == 0
    assert index.read_text() == render_index(generate(list_migrations(project / "supabase" / "migrations")))


# -- status --------------------------------------------------------------------------------------------------


def test_status_all_up_to_date(project):
    res = run("status")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["VERSION", "NAME", "RISK", "REVERSIBLE", "ROLLBACK", "DEPENDS", "ON"]
    assert list(rows(res.stdout)) == V
    assert rows(res.stdout)["20250914000000"].split() == [
        "20250914000000", "phase1_trd_alignment", "HIGH", "automatic", "ok", "20250901000000"]
    assert lines[-1] == "4 migrations in supabase/migrations; rollbacks up to date"


def test_status_missing_stale_edited_and_manual(project):
    out = project / "supabase" / "rollbacks"
    (out / "rollback_20250901000000_initial_schema.sql").unlink()
    edited = out / "rollback_20250914000000_phase1_trd_alignment.sql"
    edited.write_text(edited.read_text().replace("COMMIT;", "-- reviewed\nCOMMIT;"))
    mig = project / "supabase" / "migrations" / "20250921000000_processing_log_and_indexes.sql"
    mig.write_text(mig.read_text() + "\ncomment on table public.processing_log is 'log';\n")
    (project / "supabase" / "migrations" / "20251001000000_backfill.sql").write_text(
        "insert into public.processing_log (job_id, stage, status) select id, 'upload', 'succeeded' from public.analysis_job;\n"
    )
    assert run("generate", "20251001000000").exit_code == 0
    res = run("status")
    assert res.exit_code == 0, res.output
    r = rows(res.stdout)
    assert " missing " in r["20250901000000"]
    assert " edited by hand " in r["20250914000000"]
    assert " stale " in r["20250921000000"]
    assert re.search(r"MEDIUM\s+with manual steps \(1\)\s+ok, 1 manual unresolved", r["20251001000000"])
    assert "4 need attention (see `supabase-rollback check`)" in res.stdout
    data = json.loads(run("status", "--format", "json").stdout)
    by_version = {m["version"]: m for m in data["migrations"]}
    assert by_version["20251001000000"]["unresolved_manual"] == 1
    assert by_version["20250901000000"]["rollback"] == "missing"
    assert by_version["20251001000000"]["applied"] is None
    assert data["index"] == "ok"


def test_status_with_a_database(project, pg_db):
    migrations = list_migrations(project / "supabase" / "migrations")
    with pg_db.connect() as conn:
        for m in migrations[:2]:
            apply_migration(conn, m)
        conn.execute("insert into supabase_migrations.schema_migrations (version, name) values ('20240101000000', 'old')")
    res = run("status", "--db-url", pg_db.conninfo)
    assert res.exit_code == 0, res.output
    r = rows(res.stdout)
    assert r["20250914000000"].split()[2] == "yes"
    assert r["20250920000000"].split()[2] == "no"
    assert "(no migration file)" in r["20240101000000"]
    assert "; 2 applied on " in res.stdout.splitlines()[-1]
    data = json.loads(run("status", "--db-url", pg_db.conninfo, "--format", "json").stdout)
    assert [m["applied"] for m in data["migrations"]] == [False, False, True, True]
    assert data["applied_without_file"] == ["20240101000000"]


def test_status_unreachable_database_names_no_password(project):
    res = run("status", "--db-url", "postgresql://u:s3cretpw@127.0.0.1:1/db")
    assert res.exit_code == 1
    assert "cannot read the migration history of postgresql://u:***@127.0.0.1:1/db" in res.stderr
    assert "s3cretpw" not in res.output


# -- report -----------------------------------------------------------------------------------------------------


@pytest.fixture
def repo(project: Path) -> Path:
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "checkout", "-q", "-b", "feature")
    return project


NEW = "20251001000000_tags.sql"


def test_report_lists_what_changed_since_the_merge_base(repo):
    (repo / "supabase" / "migrations" / NEW).write_text(
        "create table public.tags (id bigint primary key, name text);\n"
        "alter table public.analysis_jobs drop column summary_text;\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "tags")
    res = run("report")
    assert res.exit_code == 0, res.output
    md = res.stdout
    assert md.startswith("## Rollback report\n")
    assert "1 migration added or changed since the merge base with main" in md
    assert "| `20251001000000_tags.sql` | HIGH | irreversible parts | 0 | missing: run `supabase-rollback generate` |" in md
    assert "### `20251001000000_tags.sql`: HIGH" in md
    assert "- table public.tags (id bigint, name text)" in md
    assert "public.analysis_jobs.summary_text" in md  # destroyed by the migration
    assert "`DATA_NOT_RESTORED`" in md and "`ACCESS_EXCLUSIVE_LOCK`" in md
    assert "20250914000000" not in md.split("|---")[1].split("###")[0]  # unchanged migrations are not listed


def test_report_counts_uncommitted_changes_and_manual_steps(repo):
    (repo / "supabase" / "migrations" / NEW).write_text(
        "insert into public.processing_log (job_id, stage, status) select id, 'upload', 'succeeded' from public.analysis_job;\n"
    )
    res = run("report", "--since", "HEAD")
    assert res.exit_code == 0, res.output
    assert "highest rollback risk **MEDIUM**; 1 manual step." in res.stdout
    assert re.search(r"- MANUAL STEP 1 \(20251001000000_tags\.sql:1\): ", res.stdout)


def test_report_nothing_changed(repo):
    res = run("report", "--since", "main")
    assert res.exit_code == 0
    assert "No migration added or changed since main" in res.stdout


def test_report_bad_ref_is_bad_input(repo):
    res = run("report", "--since", "no-such-branch")
    assert res.exit_code == 2
    assert res.stderr.startswith("error: git rev-parse")


def test_help_has_examples():
    for cmd in ("status", "report"):
        res = run(cmd, "--help")
        assert res.exit_code == 0 and "Examples:" in res.stdout and "Exit status" in res.stdout
