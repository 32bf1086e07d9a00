"""A Supabase project written to a temporary folder, the CLI run in-process, and each test's
own cache folder (shared by the tests of files that are only local problems)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli


def project(root: Path, files: dict[str, str | bytes]) -> Path:
    """``root/supabase`` with a config.toml and the migrations ``files`` (text or bytes)."""
    mig = root / "supabase" / "migrations"
    mig.mkdir(parents=True)
    (root / "supabase" / "config.toml").write_text('project_id = "test"\n')
    for name, data in files.items():
        (mig / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    return root


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    """check's cache in the test's own folder; no live database from the environment."""
    monkeypatch.setenv("SUPABASE_ROLLBACK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SUPABASE_ROLLBACK_DB_URL", raising=False)
