"""``generate`` from the project's cache (generator/cache.py, generator/resume.py).

Every warm run is compared with a cold one (``--no-cache``) on a copy of the project as it
was just before: the same exit status, the same stdout and stderr, byte for byte the same
files. ``generator.resume.LAST.replayed`` says how many migrations the warm run replayed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import resume
from generator.cache import cache_path
from generator.chain import chain_hashes
from generator.project import list_migrations

from _cli_support import project, run
from _oracle_support import RLS_LOOP_NONE

ACCOUNTS = "create table public.accounts (id bigint primary key, email text);\n"
# a comment that looks like an annotation but belongs to no statement: a warning, every run
NOTES = ("-- Rollback: drop the column by hand\n"
         "alter table public.accounts add column note text;\n")
# the generator cannot follow it: the note on the missing oracle record (`rollback: none`
# resolves its own step, so that check passes)
BLOCK = RLS_LOOP_NONE
VIEW = "create view public.account_emails as select id, email from public.accounts;\n"
COMMENT = "comment on table public.accounts is 'people who sign in';\n"
HISTORY = {
    "20240101000000_accounts.sql": ACCOUNTS,
    "20240102000000_notes.sql": NOTES,
    "20240103000000_view.sql": VIEW,
    "20240104000000_comment.sql": COMMENT,
    "20240105000000_block.sql": BLOCK,
}
OUT = Path("supabase/rollbacks")


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root/supabase`` (migrations, configuration, rollbacks)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "supabase").rglob("*")) if p.is_file()}


def same_as_cold(root: Path, tmp_path: Path, monkeypatch, *args: str, note: bool = False):
    """Run ``generate`` in ``root`` (with the cache) and ``generate --no-cache`` in a copy of
    it as it was; both must print and write the same. ``note``: the warm run starts with one
    ``note:`` line on the cache (and nothing else differs)."""
    twin = tmp_path / "twin"
    shutil.rmtree(twin, ignore_errors=True)
    shutil.copytree(root, twin, symlinks=True)
    monkeypatch.chdir(twin)
    cold = run("generate", "--no-cache", *args)
    monkeypatch.chdir(root)
    resume.LAST = None
    warm = run("generate", *args)
    stderr = warm.stderr
    if note:
        first, _, stderr = stderr.partition("\n")
        assert first.startswith("note: the cache ") and first.endswith(": ignored, rebuilt by this run"), warm.stderr
    assert (warm.exit_code, warm.stdout, stderr) == (cold.exit_code, cold.stdout, cold.stderr)
    assert files(root) == files(twin)
    return warm


def replayed() -> int:
    assert resume.LAST is not None
    return resume.LAST.replayed


@pytest.fixture
def root(tmp_path: Path, monkeypatch) -> Path:
    r = project(tmp_path / "app", HISTORY)
    monkeypatch.chdir(r)
    return r


def write(root: Path, name: str, text: str) -> None:
    (root / "supabase" / "migrations" / name).write_text(text)


def test_warm_runs_write_what_cold_runs_write(root, tmp_path, monkeypatch):
    res = same_as_cold(root, tmp_path, monkeypatch)  # no cache yet: everything
    assert res.exit_code == 0 and replayed() == 5
    assert "warning: supabase/migrations/20240102000000_notes.sql:1: `-- Rollback: drop the column" in res.stderr
    assert "note: 1 statement the generator cannot follow has no entry" in res.stderr
    res = same_as_cold(root, tmp_path, monkeypatch)  # nothing changed: nothing replayed
    assert replayed() == 0 and "0 written, 5 unchanged" in res.stdout
    assert "warning: supabase/migrations/20240102000000_notes.sql:1:" in res.stderr  # from the cache
    assert "note: 1 statement the generator cannot follow has no entry" in res.stderr

    # (a) a new migration: only it is replayed
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 1 and "1 written, 5 unchanged" in res.stdout
    # (b) the newest edited: only it
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text not null default '';\n")
    same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 1

    # (c) an earlier migration edited: everything from it is replayed, and a later rollback
    # (the comment's: it puts back the comment the table had before) shows the edit
    write(root, "20240102000000_notes.sql", NOTES + "comment on table public.accounts is 'set by the second';\n")
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() >= 5
    assert "set by the second" in (root / OUT / "rollback_20240104000000_comment.sql").read_text()
    assert "written    risk" in res.stdout
    same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 0

    # (d) the configuration: another key, everything again
    (root / "supabase" / "rollback.toml").write_text('backup_schema = "keep_here"\n')
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 6 and "3 written, 3 unchanged" in res.stdout  # (the others back nothing up)
    assert "keep_here" in (root / OUT / "rollback_20240101000000_accounts.sql").read_text()
    same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 0

    # (e) an oracle record: the DO block proved to leave the table alone; everything again,
    # and the note on the missing record is gone
    mig = root / "supabase" / "migrations"
    chain = chain_hashes(list_migrations(mig))[4]
    entry = {"chain": chain, "defaults_unchanged": False, "format": 1, "line": 1,
             "migration": "20240105000000_block.sql", "unchanged": [["table", "public.accounts"]]}
    (root / "supabase" / "rollback-oracle.json").write_text(json.dumps({"entries": [entry], "format": 1}))
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 6 and "note:" not in res.stderr
    same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 0


def test_files_on_disk_that_are_not_what_was_written_are_rewritten_or_refused(root, tmp_path, monkeypatch):
    same_as_cold(root, tmp_path, monkeypatch)
    # a rollback removed: replayed from the start (no snapshot before it), written again
    (root / OUT / "rollback_20240101000000_accounts.md").unlink()
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 5 and "1 written, 4 unchanged" in res.stdout
    # edited by hand: refused, as without the cache; then replaced with --force
    sql = root / OUT / "rollback_20240103000000_view.sql"
    sql.write_text(sql.read_text().replace("DROP VIEW", "DROP VIEW /* checked */"))
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert res.exit_code == 1 and "edited by hand since it was generated" in res.stderr
    res = same_as_cold(root, tmp_path, monkeypatch, "--force")
    assert res.exit_code == 0 and "1 written, 4 unchanged" in res.stdout
    # a rollback whose file is a folder: blocked, as without the cache
    shutil.rmtree(root / OUT / "rollback_20240102000000_notes.md", ignore_errors=True)
    (root / OUT / "rollback_20240102000000_notes.md").unlink()
    (root / OUT / "rollback_20240102000000_notes.md").mkdir()
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert res.exit_code == 1 and "is a directory" in res.stderr
    (root / OUT / "rollback_20240102000000_notes.md").rmdir()
    # CRLF line ends (a checkout on Windows): unchanged, with and without the cache
    same_as_cold(root, tmp_path, monkeypatch)
    sql = root / OUT / "rollback_20240105000000_block.sql"
    sql.write_bytes(sql.read_bytes().replace(b"\n", b"\r\n"))
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 0 and "0 written, 5 unchanged" in res.stdout


def test_broken_migrations_and_shared_versions(root, tmp_path, monkeypatch):
    write(root, "20240103000000_view.sql", "create viw public.oops as select 1;\n")  # not valid SQL
    write(root, "20240104000000_again.sql", "create table public.again (id int);\n")  # shares a version
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert res.exit_code == 2 and "error: supabase/migrations/20240103000000_view.sql:1" in res.stderr
    assert "20240104000000" in res.stderr  # the warning on the shared version
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert res.exit_code == 2 and replayed() == 0
    write(root, "20240107000000_more.sql", "alter table public.again add column x int;\n")
    same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 1
    write(root, "20240103000000_view.sql", VIEW)  # fixed: from there on
    res = same_as_cold(root, tmp_path, monkeypatch)
    assert res.exit_code == 0 and replayed() >= 5


def test_named_migrations_and_another_out_dir(root, tmp_path, monkeypatch):
    same_as_cold(root, tmp_path, monkeypatch)
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    same_as_cold(root, tmp_path, monkeypatch, "20240106000000")
    assert replayed() == 1
    same_as_cold(root, tmp_path, monkeypatch, "20240102000000", "20240106000000")
    assert replayed() == 0
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone int;\n")
    same_as_cold(root, tmp_path, monkeypatch, "20240104000000")  # the index needs the edited newest one too
    same_as_cold(root, tmp_path, monkeypatch, "--out-dir", "supabase/migrations")
    same_as_cold(root, tmp_path, monkeypatch, "--out-dir", "supabase/migrations")
    assert replayed() == 0
    same_as_cold(root, tmp_path, monkeypatch, "--no-backup")  # another configuration: its own key
    assert replayed() == 6


def test_check_and_generate_share_the_cache(root, tmp_path, monkeypatch):
    assert run("generate", "--no-cache").exit_code == 0
    assert run("check").exit_code == 0  # fills the cache
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 1  # from check's snapshot
    from generator.commands.check import run_check
    from generator.config import resolve_folders

    assert run_check(resolve_folders(None, None, None)).replayed == 0  # from generate's entries
    write(root, "20240107000000_more.sql", "create table public.extra (id int);\n")
    resume.LAST = None
    res = run("check", "--fix")  # check replays it; generate writes it from check's newest snapshot
    assert res.exit_code == 1 and "2 rollback files written" in res.stderr, res.output  # (SQL and document)
    assert replayed() == 1  # (the cache has the hash of a file, not its text)
    assert run("check").exit_code == 0


# -- a cache that cannot be used -----------------------------------------------------------------


def _cache_file(root: Path) -> Path:
    path = cache_path(root)
    assert path is not None and path.exists()
    return path


@pytest.mark.parametrize("damage", ["truncated", "another version", "garbage", "edited", "old format", "empty"])
def test_a_damaged_cache_is_ignored_with_a_note_and_rebuilt(damage, root, tmp_path, monkeypatch):
    same_as_cold(root, tmp_path, monkeypatch)
    path = _cache_file(root)
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) * 2 // 3])
    elif damage == "another version":
        head, _, rest = data.partition(b"\n")
        path.write_bytes(b"supabase-rollback cache 5 0.0.1\n" + rest)
    elif damage == "garbage":
        path.write_bytes(os.urandom(5000))
    elif damage == "edited":
        at = len(data) - 100
        path.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
    elif damage == "old format":  # what check wrote before the cache was shared
        import pickle

        path.write_bytes(pickle.dumps({"format": 4, "key": "k", "entries": {}, "snapshots": {}}))
    else:
        path.write_bytes(b"")
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    same_as_cold(root, tmp_path, monkeypatch, note=True)
    assert replayed() == 6
    same_as_cold(root, tmp_path, monkeypatch)  # rebuilt: no note, nothing replayed
    assert replayed() == 0
    res = run("check")
    assert res.exit_code == 0 and "note: the cache" not in res.stderr


def test_check_notes_a_damaged_cache_too(root, tmp_path, monkeypatch):
    assert run("generate").exit_code == 0
    _cache_file(root).write_bytes(b"\x00" * 100)
    res = run("check")
    assert res.exit_code == 0 and res.stdout == "ok: 5 rollbacks up to date\n"
    assert res.stderr.startswith("note: the cache ") and "ignored, rebuilt by this run" in res.stderr
    assert "note: the cache" not in run("check").stderr


def test_an_unreadable_cache_is_ignored_with_a_note(root, tmp_path, monkeypatch):
    """Mode 000, read by a user without root's capabilities (setpriv) through the entry point."""
    assert run("generate").exit_code == 0
    path = _cache_file(root)
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    twin = tmp_path / "twin"
    shutil.copytree(root, twin)
    exe = str(Path(sys.executable).with_name("supabase-rollback"))
    env = {**os.environ, "SUPABASE_ROLLBACK_CACHE_DIR": str(path.parent)}
    cold = subprocess.run([exe, "generate", "--no-cache"], cwd=twin, capture_output=True, text=True, env=env, timeout=120)
    path.chmod(0)
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    warm = subprocess.run([*prefix, exe, "generate"], cwd=root, capture_output=True, text=True, env=env, timeout=120)
    first, _, rest = warm.stderr.partition("\n")
    assert first.startswith(f"note: the cache {path} cannot be read (Permission denied)"), warm.stderr
    assert (warm.returncode, warm.stdout, rest) == (cold.returncode, cold.stdout, cold.stderr)
    assert files(root) == files(twin)
    assert os.access(path, os.R_OK) or os.geteuid() == 0
    assert path.stat().st_mode & 0o777 == 0o600  # rewritten by the run
