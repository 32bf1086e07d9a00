"""verify never swaps a rollback file it cannot use for the generated rollback.

Production runs ``supabase/rollbacks/rollback_<version>_<name>.sql``. When something under
that name is not a readable regular file (a folder, a symbolic link, a FIFO, a file that
cannot be read), verify reports that migration FAILED with the path, what is wrong with it
and what to do (exit 1), in the words generate and down use for such paths; the other
migrations are still verified. Cases are made as in tests/test_bad_input.py (an unreadable
file: the command runs as root without its DAC capabilities, via setpriv).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_bad_input import BAD, EXE, cache_dir, make_project, run, shared_dir, tree  # noqa: F401

ROLLBACK = "supabase/rollbacks/rollback_20240101000000_base.sql"
GOOD = "create table public.u (id int);\n"


def _advice(what: str, fix: str = "remove it, then run `supabase-rollback generate 20240101000000`") -> str:
    return (f"{ROLLBACK}: {what}; verify checks only the file production would run and will not use the "
            f"generated rollback instead: {fix}")


def _project(root: Path) -> tuple[Path, Path]:
    """A project with two migrations and their generated rollbacks; the first rollback's
    content moved to ``<root>/real.sql``."""
    root = make_project(root)
    (root / "supabase" / "migrations" / BAD).write_text(GOOD)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        assert run("generate").exit_code == 0
    finally:
        os.chdir(cwd)
    target = root / ROLLBACK
    real = root / "real.sql"
    target.rename(real)
    return target, real


def _assert_reported(out: str, what: str, fix: str | None = None) -> None:
    assert re.search(r"(?m)^FAILED\s+20240101000000_base\s", out), out
    assert _advice(what, *([fix] if fix else [])) in out, out
    assert re.search(r"(?m)^verified\s+20240102000000_bad\s", out), out  # the others are still verified


@pytest.mark.parametrize("kind", ["directory", "symlink", "broken symlink"])
def test_verify_reports_a_rollback_path_that_is_not_a_file(kind, tmp_path, monkeypatch, cache_dir):
    target, real = _project(tmp_path / "p")
    if kind == "directory":
        target.mkdir()
        what = "is a directory, not a regular file"
    elif kind == "symlink":
        target.symlink_to(real)  # even a link to the right content: production may not follow it
        what = f"is a symbolic link (to {real}), not a regular file"
    else:
        target.symlink_to(tmp_path / "nowhere.sql")
        what = f"is a symbolic link (to {tmp_path / 'nowhere.sql'}), not a regular file"
    monkeypatch.chdir(tmp_path / "p")
    before = tree(tmp_path / "p")
    res = run("verify")
    assert res.exit_code == 1, res.output
    _assert_reported(res.stdout, what)
    assert "Traceback" not in res.output
    assert tree(tmp_path / "p") == before


def test_verify_reports_a_fifo_and_never_opens_it(tmp_path, cache_dir):
    target, _ = _project(tmp_path / "p")
    os.mkfifo(target)
    # the installed command, with a timeout: opening the FIFO would wait forever
    res = subprocess.run([EXE, "verify"], cwd=tmp_path / "p", capture_output=True, text=True, timeout=300)
    assert res.returncode == 1, res.stderr
    _assert_reported(res.stdout, "is a FIFO (named pipe), not a regular file")
    assert "Traceback" not in res.stderr


_CANDIDATE = """
from pathlib import Path
from generator.engine import generate
from generator.project import list_migrations
from generator.verify import candidate
rb = generate(list_migrations(Path("supabase/migrations")))[0]
print(candidate(rb, Path("supabase/rollbacks")).problem)
"""


def test_verify_reports_an_unreadable_rollback_file(shared_dir):
    """Without root's DAC capabilities no server starts either (its data folder is private),
    so the reading itself runs unprivileged: ``candidate`` gives the problem verify reports
    (as in the tests above, where the same problem fails the migration with exit 1)."""
    root = shared_dir / "p"
    target, real = _project(root)
    real.rename(target)
    for p in [root, *root.rglob("*")]:
        if p.is_dir():
            p.chmod(0o777)
    target.chmod(0o000)
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    res = subprocess.run([*prefix, sys.executable, "-c", _CANDIDATE], cwd=root, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == _advice(
        "cannot read: Permission denied", "make it readable, or remove it and run `supabase-rollback generate 20240101000000`")
    target.chmod(0o644)
    assert subprocess.run([*prefix, sys.executable, "-c", _CANDIDATE], cwd=root, capture_output=True, text=True,
                          timeout=120).stdout.strip() == "None"  # readable again: used as it is


def test_verify_reports_a_rollback_file_that_is_not_utf8(tmp_path, monkeypatch, cache_dir):
    target, real = _project(tmp_path / "p")
    target.write_bytes(real.read_bytes() + b"\n-- caf\xe9\n")
    monkeypatch.chdir(tmp_path / "p")
    res = run("verify")
    assert res.exit_code == 1, res.output
    assert re.search(r"(?m)^FAILED\s+20240101000000_base\s", res.stdout), res.stdout
    assert f"{ROLLBACK}: cannot read: not UTF-8 text (byte " in res.stdout


def test_verify_generated_ignores_the_rollback_files(tmp_path, monkeypatch, cache_dir):
    """--generated verifies what generate would write: the folder's files do not matter."""
    target, _ = _project(tmp_path / "p")
    target.mkdir()
    monkeypatch.chdir(tmp_path / "p")
    res = run("verify", "--generated")
    assert res.exit_code == 0, res.output


def test_live_verify_reports_a_rollback_folder_and_changes_nothing(pg_db, tmp_path, monkeypatch, cache_dir):
    target, _ = _project(tmp_path / "p")
    target.mkdir()
    with pg_db.connect() as conn:
        conn.execute("create table public.t (id bigint primary key)")
        conn.execute("INSERT INTO supabase_migrations.schema_migrations (version) VALUES ('20240101000000')")
    monkeypatch.chdir(tmp_path / "p")
    res = run("verify", "--db-url", pg_db.conninfo)
    assert res.exit_code == 1, res.output
    assert re.search(r"(?m)^FAILED\s+20240101000000_base\s", res.stdout), res.stdout
    assert _advice("is a directory, not a regular file") in res.stdout
    with pg_db.connect() as conn:
        assert conn.execute("SELECT to_regclass('public.t') IS NOT NULL").fetchone()[0]
