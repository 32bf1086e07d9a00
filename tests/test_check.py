"""`supabase-rollback check` (generator/commands/check.py) on temporary projects."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.commands.check import run_check
from generator.config import resolve_folders

A = "20250101000000_a"
B = "20250102000000_b"
C = "20250103000000_c"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project, rollbacks generated; cwd is its root; a private check cache."""
    root = tmp_path / "app"
    mig = root / "supabase" / "migrations"
    mig.mkdir(parents=True)
    (root / "supabase" / "config.toml").write_text('project_id = "app"\n')
    (mig / f"{A}.sql").write_text("create table public.a (id bigint primary key, note text);\n")
    (mig / f"{B}.sql").write_text("alter table public.a add column tags text[];\ncreate index a_tags on public.a using gin (tags);\n")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SUPABASE_ROLLBACK_CACHE_DIR", str(tmp_path / "cache"))
    assert run("generate").exit_code == 0
    return root


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def out(name: str, ext: str = "sql") -> Path:
    return Path("supabase/rollbacks") / f"rollback_{name}.{ext}"


def add_migration(project: Path, stem: str, text: str) -> None:
    (project / "supabase" / "migrations" / f"{stem}.sql").write_text(text)


def problems(res) -> list[str]:
    return res.stdout.splitlines()


def test_up_to_date_prints_one_line(project):
    res = run("check")
    assert res.exit_code == 0
    assert res.stdout == "ok: 2 rollbacks up to date\n"


def test_missing_rollback(project):
    add_migration(project, C, "create table public.c (id int);\n")
    res = run("check")
    assert res.exit_code == 1
    assert problems(res) == [
        f"{out(C)}: no rollback for {C}.sql: run `supabase-rollback generate 20250103000000`",
        f"{out(C, 'md')}: no rollback for {C}.sql: run `supabase-rollback generate 20250103000000`",
    ]
    assert "2 problems in 2 files" in res.stderr


def test_stale_when_the_migration_changed(project):
    path = project / "supabase" / "migrations" / f"{B}.sql"
    path.write_text(path.read_text() + "alter table public.a add column extra int;\n")
    res = run("check")
    assert res.exit_code == 1
    assert problems(res) == [
        f"{out(B)}: stale ({B}.sql changed since it was generated): run `supabase-rollback generate 20250102000000`",
        f"{out(B, 'md')}: stale ({B}.sql changed since it was generated): run `supabase-rollback generate 20250102000000`",
    ]


def test_stale_when_an_earlier_migration_changed(project):
    """B's rollback restores nothing of A, but its backup of the dropped column now has a type."""
    add_migration(project, C, "alter table public.a drop column tags;\n")
    assert run("generate").exit_code == 0
    (project / "supabase" / "migrations" / f"{B}.sql").write_text("alter table public.a add column tags integer[];\n")
    res = run("check")
    assert res.exit_code == 1
    lines = problems(res)
    assert f"{out(C)}: stale (an earlier migration, the configuration or the generator changed since it was generated): run `supabase-rollback generate 20250103000000`" in lines
    assert any(line.startswith(f"{out(B)}: stale ({B}.sql changed") for line in lines)


def test_edited_by_hand(project):
    path = project / out(A)
    path.write_text(path.read_text().replace("DROP TABLE public.a;", "DROP TABLE public.a CASCADE;"))
    res = run("check")
    assert res.exit_code == 1
    assert problems(res) == [
        f"{out(A)}: edited by hand since it was generated, so it cannot be kept up to date: move the change into "
        f"{A}.sql as a `-- rollback:` annotation, then run `supabase-rollback generate 20250101000000 --force`"
    ]


UPDATE = "update public.a set note = 'x';\n"  # the old values cannot be known: a manual step


def test_unresolved_manual_step_and_its_resolution_by_annotation(project):
    add_migration(project, C, UPDATE)
    assert run("generate").exit_code == 0
    res = run("check")
    assert res.exit_code == 1
    [line] = problems(res)
    assert line.startswith(f"{out(C)}: MANUAL STEP 1 not resolved (the migration updated rows of public.a")
    assert line.endswith(
        f"resolve it, or annotate the statement at {C}.sql:1 with `-- rollback: <sql>` "
        "(or `-- rollback: none` / `-- rollback: irreversible <reason>`) and regenerate"
    )
    add_migration(project, C, UPDATE + "-- rollback: none\n")
    assert run("check").exit_code == 1  # stale now
    assert run("generate").exit_code == 0
    res = run("check")
    assert (res.exit_code, res.stdout) == (0, "ok: 3 rollbacks up to date\n")


def test_manual_step_resolved_by_editing_is_still_an_edit(project):
    add_migration(project, C, UPDATE + UPDATE.replace("'x'", "'y'"))
    assert run("generate").exit_code == 0
    path = project / out(C)
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    # resolve MANUAL STEP 1 only: drop its DO raise line
    path.write_text("".join(ln for ln in lines if "MANUAL STEP 1 not resolved" not in ln))
    res = run("check")
    found = problems(res)
    assert found[0].startswith(f"{out(C)}: edited by hand since it was generated")
    assert [ln.split(":", 1)[1].split(" (")[0] for ln in found[1:]] == [" MANUAL STEP 2 not resolved"]


def test_irreversible_counts_as_resolved(project):
    add_migration(project, C, "drop table public.a;\n-- rollback: irreversible archived to cold storage\n")
    assert run("generate").exit_code == 0
    res = run("check")
    assert (res.exit_code, res.stdout) == (0, "ok: 3 rollbacks up to date (1 irreversible step acknowledged)\n")


def test_orphaned_rollback(project):
    (project / "supabase" / "migrations" / f"{B}.sql").rename(project / "supabase" / "migrations" / "20250102000000_renamed.sql")
    res = run("check")
    assert res.exit_code == 1
    assert f"{out(B)}: no migration {B}.sql any more: delete this file if the migration was renamed or removed" in problems(res)


def test_fix_writes_missing_and_stale_then_fails_so_they_get_reviewed(project):
    add_migration(project, C, "create table public.c (id int);\n")
    path = project / "supabase" / "migrations" / f"{B}.sql"
    path.write_text(path.read_text() + "alter table public.a add column extra int;\n")
    res = run("check", "--fix")
    assert res.exit_code == 1
    assert "4 rollback files written: review and `git add` them" in res.stderr
    assert (project / out(C)).exists()
    res = run("check")
    assert (res.exit_code, res.stdout) == (0, "ok: 3 rollbacks up to date\n")
    assert run("check", "--fix").exit_code == 0  # nothing to do


def test_fix_never_overwrites_hand_edits_without_force(project):
    path = project / out(A)
    edited = path.read_text().replace("DROP TABLE public.a;", "DROP TABLE public.a CASCADE;")
    path.write_text(edited)
    add_migration(project, C, "create table public.c (id int);\n")
    res = run("check", "--fix")
    assert res.exit_code == 1
    assert path.read_text() == edited
    assert (project / out(C)).exists()
    assert [ln for ln in problems(res) if not ln.startswith(("written ", "1 written"))] == [
        f"{out(A)}: edited by hand since it was generated, so it cannot be kept up to date: move the change into "
        f"{A}.sql as a `-- rollback:` annotation, then run `supabase-rollback generate 20250101000000 --force`"
    ]
    assert run("check", "--fix", "--force").exit_code == 1  # wrote the file
    assert "CASCADE" not in path.read_text()
    assert run("check").exit_code == 0


def test_bad_annotation_is_a_warning_with_path_and_line(project):
    """A comment that is not a well-formed annotation is ignored: check names it on stderr
    but does not fail because of it."""
    add_migration(project, C, "create table public.c (id int);\n-- rollback: dorp table public.c;\n")
    warning = f"warning: supabase/migrations/{C}.sql:2: `-- rollback: dorp table public.c;` reads as a note"
    res = run("check")
    assert res.exit_code == 1  # the rollback of C is missing
    assert problems(res) == [
        f"supabase/rollbacks/rollback_{C}.sql: no rollback for {C}.sql: run `supabase-rollback generate 20250103000000`",
        f"supabase/rollbacks/rollback_{C}.md: no rollback for {C}.sql: run `supabase-rollback generate 20250103000000`",
    ]
    assert res.stderr.startswith(warning)
    res = run("check", "--fix")
    assert res.exit_code == 1
    assert res.stderr.count(warning) == 1  # once, not again from the fix's generate
    res = run("check")
    assert (res.exit_code, res.stdout) == (0, "ok: 3 rollbacks up to date\n")
    assert res.stderr.startswith(warning) and res.stderr.count("warning:") == 1


def test_out_dir_from_the_configuration(project):
    (project / "supabase" / "rollback.toml").write_text('out_dir = "supabase/migrations"\n')
    res = run("check")
    assert res.exit_code == 1
    assert problems(res)[0].startswith(f"supabase/migrations/rollback_{A}.sql: no rollback")
    assert run("generate").exit_code == 0
    assert run("check").stdout == "ok: 2 rollbacks up to date\n"


# -- the cache -------------------------------------------------------------------------------


def test_cache_replays_only_what_changed(project):
    folders = lambda: resolve_folders(None, None, None)  # noqa: E731
    run_check(folders())  # fills the cache
    assert run_check(folders()).replayed == 0
    add_migration(project, C, "create table public.c (id int);\n")
    assert run_check(folders()).replayed == 1  # from the snapshot after B
    add_migration(project, C, "create table public.c (id int, b text);\n")
    assert run_check(folders()).replayed == 1  # editing the newest: from the snapshot after B
    (project / "supabase" / "migrations" / f"{A}.sql").write_text("create table public.a (id bigint primary key, note text, x int);\n")
    report = run_check(folders())
    assert report.replayed == 3  # an edit of the first migration invalidates everything after it
    fresh = run_check(folders(), use_cache=False)
    assert fresh.expected == report.expected
    assert [f.line() for f in fresh.findings] == [f.line() for f in report.findings]


def test_cache_follows_the_configuration(project):
    run("check")
    (project / "supabase" / "rollback.toml").write_text('backup_schema = "elsewhere"\n')
    res = run("check")
    assert res.exit_code == 1
    assert all(": stale (" in line for line in problems(res))


def test_broken_cache_is_ignored(project, tmp_path):
    run("check")
    for f in (tmp_path / "cache").iterdir():
        f.write_bytes(b"not a pickle")
    assert run("check").stdout == "ok: 2 rollbacks up to date\n"


def test_warm_check_imports_nothing_heavy(project, tmp_path):
    """With everything cached, check neither replays nor imports the handlers, jinja2 or psycopg."""
    run("check")
    code = (
        "import sys\n"
        "from generator.cli import cli\n"  # (main() ends the process at once: os._exit)
        "sys.argv = ['supabase-rollback', 'check']\n"
        "try:\n    cli(prog_name='supabase-rollback')\nexcept SystemExit as e:\n    code = e.code\n"
        "heavy = [m for m in ('jinja2', 'psycopg', 'generator.handlers', 'generator.engine', 'generator.render') if m in sys.modules]\n"
        "print('heavy:', heavy)\n"
    )
    env = {**os.environ, "SUPABASE_ROLLBACK_CACHE_DIR": str(tmp_path / "cache")}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=project)
    assert res.stdout.splitlines() == ["ok: 2 rollbacks up to date", "heavy: []"], res.stderr


def test_help_has_examples():
    res = run("check", "--help")
    assert res.exit_code == 0
    assert "Examples:" in res.stdout and "--fix" in res.stdout


def test_cache_folder_keeps_the_newest_files(project, tmp_path):
    from generator.commands import check as check_module

    cache = tmp_path / "cache"
    cache.mkdir(exist_ok=True)
    for i in range(check_module._KEEP_FILES + 5):
        (cache / f"check-old{i:03d}.pickle").write_bytes(b"x")
        os.utime(cache / f"check-old{i:03d}.pickle", (1_000_000 + i, 1_000_000 + i))
    before = sorted(cache.iterdir())  # (the fixture's generate wrote this project's file)
    assert len(before) == check_module._KEEP_FILES + 6
    assert run("check", "--no-cache").exit_code == 0  # writes nothing
    assert sorted(cache.iterdir()) == before
    (project / "supabase" / "migrations" / f"{C}.sql").write_text("create table public.c (id int);\n")
    run("check")  # computes C, saves the cache, prunes
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == check_module._KEEP_FILES
    assert "check-old000.pickle" not in names and "check-old068.pickle" in names
    assert any(not n.startswith("check-old") for n in names)  # this project's file stays


def test_cache_is_invalidated_by_an_edit_of_any_earlier_migration(tmp_path, monkeypatch):
    """Editing the k-th of six migrations, for every k: the cached check recomputes the
    k-th and every later one and reports exactly what a check without cache reports; a
    later rollback that depends on the edit (the comment the fourth restores) is stale."""
    root = tmp_path / "six"
    mig = root / "supabase" / "migrations"
    mig.mkdir(parents=True)
    texts = [
        "create table public.a (id bigint primary key, note text);\n",
        "alter table public.a add column tags text[];\n",
        "create view public.v as select id, note from public.a;\n",
        "comment on table public.a is 'x';\n",
        "drop view public.v;\n",
        "alter table public.a drop column note;\n",
    ]
    names = [f"2025010{i + 1}000000_m{i}" for i in range(len(texts))]
    for name, text in zip(names, texts):
        (mig / f"{name}.sql").write_text(text)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SUPABASE_ROLLBACK_CACHE_DIR", str(tmp_path / "cache"))
    assert run("generate").exit_code == 0
    folders = lambda: resolve_folders(None, None, None)  # noqa: E731
    for k in range(len(texts) - 1):
        run_check(folders())  # the cache now holds every migration as it is on disk
        assert run_check(folders()).replayed == 0
        (mig / f"{names[k]}.sql").write_text(texts[k] + f"comment on table public.a is 'edit {k}';\n")
        cached = run_check(folders())
        fresh = run_check(folders(), use_cache=False)
        assert cached.replayed >= len(texts) - k
        assert cached.expected == fresh.expected
        assert [f.line() for f in cached.findings] == [f.line() for f in fresh.findings]
        stale = {f.version for f in cached.findings if f.kind == "stale"}
        assert names[k][:14] in stale
        if k < 3:
            assert names[3][:14] in stale  # its rollback restores the comment the edit set
        assert run("generate").exit_code == 0  # up to date again for the next edit
