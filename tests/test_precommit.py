"""The pre-commit hooks (.pre-commit-hooks.yaml), run for real by `pre-commit try-repo`.

The hook repository is a temporary git repository holding the package as it is in this
checkout (committed there, since try-repo installs from a commit); pre-commit builds the
hook environment from it (`language: python`: a virtualenv with the package installed).
The project is another temporary git repository with a Supabase migrations folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

pytest.importorskip("pre_commit", reason="pre-commit is in the [test] extra")


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("hook-repo")
    for name in ("generator", "templates"):
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, src / name)
    git(src, "init", "-q")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "hooks under test")
    return src


@pytest.fixture
def env(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> dict[str, str]:
    home = tmp_path_factory.getbasetemp() / "pre-commit-home"  # one hook environment per session
    return {**os.environ, "PRE_COMMIT_HOME": str(home), "SUPABASE_ROLLBACK_CACHE_DIR": str(tmp_path / "cache")}


def try_repo(project: Path, hook_repo: Path, hook: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PRE_COMMIT, "try-repo", str(hook_repo), hook], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def test_hooks_fail_without_rollback_and_pass_after_generation(tmp_path: Path, hook_repo: Path, env):
    project = tmp_path / "app"
    (project / "supabase" / "migrations").mkdir(parents=True)
    (project / "supabase" / "config.toml").write_text('project_id = "app"\n')
    (project / "supabase" / "migrations" / "20250101000000_create_notes.sql").write_text(
        "create table public.notes (id bigint primary key, body text);\n"
    )
    git(project, "init", "-q")
    git(project, "add", "-A")  # the commit being made: a new migration, no rollback

    res = try_repo(project, hook_repo, "supabase-rollback-check", env)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "supabase-rollback check....." in res.stdout and "Failed" in res.stdout
    assert ("supabase/rollbacks/rollback_20250101000000_create_notes.sql: no rollback for "
            "20250101000000_create_notes.sql: run `supabase-rollback generate 20250101000000`") in res.stdout
    assert not (project / "supabase" / "rollbacks").exists()  # check writes nothing

    res = try_repo(project, hook_repo, "supabase-rollback-generate", env)
    assert res.returncode == 1, res.stdout + res.stderr  # it wrote files: the commit stops for review
    assert "2 rollback files written: review and `git add` them" in res.stdout
    sql = project / "supabase" / "rollbacks" / "rollback_20250101000000_create_notes.sql"
    assert "DROP TABLE public.notes;" in sql.read_text()

    git(project, "add", "-A")
    for hook in ("supabase-rollback-generate", "supabase-rollback-check"):
        res = try_repo(project, hook_repo, hook, env)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "Passed" in res.stdout


def test_hooks_only_run_for_supabase_files(tmp_path: Path, hook_repo: Path, env):
    project = tmp_path / "app"
    (project / "supabase" / "migrations").mkdir(parents=True)
    (project / "supabase" / "migrations" / "20250101000000_a.sql").write_text("create table public.a (id int);\n")
    (project / "README.md").write_text("hello\n")
    git(project, "init", "-q")
    git(project, "add", "README.md")  # the migration is not part of this commit
    res = try_repo(project, hook_repo, "supabase-rollback-check", env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "(no files to check)Skipped" in res.stdout
