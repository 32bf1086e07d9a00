"""The ``supabase-rollback`` command line, on temporary copies of the example project."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import __version__
from generator.cli import cli
from generator.render import is_hand_edited

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "supabase"
PHASE1 = "20250914000000_phase1_trd_alignment"
VERSIONS = ["20250901000000", "20250914000000", "20250920000000", "20250921000000"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example project (config and migrations, no rollbacks); cwd is its root."""
    root = tmp_path / "app"
    (root / "supabase").mkdir(parents=True)
    shutil.copy(EXAMPLE / "config.toml", root / "supabase" / "config.toml")
    shutil.copytree(EXAMPLE / "migrations", root / "supabase" / "migrations")
    monkeypatch.chdir(root)
    return root


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())} if folder.exists() else {}


def names(version_stem: str) -> set[str]:
    return {f"rollback_{version_stem}.sql", f"rollback_{version_stem}.md"}


INDEX = "README.md"  # the rollback index generate writes next to the rollbacks (generator/index.py)


# -- group ------------------------------------------------------------------------------------


def test_version():
    res = run("--version")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"supabase-rollback, version {__version__}"


@pytest.mark.parametrize("args", [["--help"], ["generate", "--help"], ["-h"], ["generate", "-h"]])
def test_help_has_examples(args):
    res = run(*args)
    assert res.exit_code == 0
    assert "Examples:" in res.stdout
    assert "supabase-rollback generate" in res.stdout


def test_generate_help_documents_every_flag_and_exit_codes():
    out = run("generate", "--help").stdout
    for flag in ["--project-dir", "--migrations-dir", "--out-dir", "--stdout", "--force", "--no-backup"]:
        assert flag in out
    assert "Exit status: 0" in " ".join(out.split())


def test_console_script_entry_point(project):
    exe = Path(sys.executable).with_name("supabase-rollback")
    res = subprocess.run([str(exe), "generate", "20250914000000", "--stdout"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"-- supabase-rollback {__version__}\n")


def test_console_script_ends_with_every_byte_written_and_the_exit_status(project):
    """main() ends the process without tearing its objects down (os._exit): what was written
    to a pipe is all there, and the exit status is the command's."""
    exe = Path(sys.executable).with_name("supabase-rollback")
    whole = subprocess.run([str(exe), "generate"], capture_output=True, text=True)
    assert whole.returncode == 0, whole.stderr
    assert whole.stdout.endswith("4 written, 0 unchanged in supabase/rollbacks\n")
    (project / "supabase" / "migrations" / "20990101000000_bad.sql").write_text("create tabel oops (;\n")
    bad = subprocess.run([str(exe), "generate"], capture_output=True, text=True)
    assert bad.returncode == 2 and "20990101000000_bad.sql:1:" in bad.stderr
    assert bad.stdout.endswith("0 written, 4 unchanged in supabase/rollbacks; 1 migration without a rollback "
                               "(see below)\n"), bad.stdout
    unknown = subprocess.run([str(exe), "no-such-command"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "No such command" in unknown.stderr


# -- generate everything / some ---------------------------------------------------------------


@pytest.mark.smoke
def test_generate_every_migration_into_supabase_rollbacks(project):
    res = run("generate")
    assert res.exit_code == 0, res.output
    out = project / "supabase" / "rollbacks"
    got = set(files(out))
    assert got == set().union(*(names(p.stem) for p in (project / "supabase" / "migrations").glob("*.sql")), {INDEX})
    lines = res.stdout.splitlines()
    assert len(lines) == 6
    assert lines[-2] == "written    index of 4 rollbacks  README.md"
    for line, version in zip(lines, VERSIONS):
        assert re.match(rf"written\s+risk (HIGH|MEDIUM|LOW)\s+\d+ steps?\s+\d+ manual\s+rollback_{version}_\w+\.sql$", line), line
    assert lines[-1] == "4 written, 0 unchanged in supabase/rollbacks"
    for name, text in files(out).items():
        assert not is_hand_edited(text), name
    assert res.stderr == ""


def test_second_run_is_unchanged_and_touches_nothing(project):
    run("generate")
    out = project / "supabase" / "rollbacks"
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    res = run("generate")
    assert res.exit_code == 0
    assert all(line.startswith("unchanged") for line in res.stdout.splitlines()[:-1])
    assert res.stdout.splitlines()[-1] == "0 written, 4 unchanged in supabase/rollbacks"
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_only_changed_files_are_rewritten(project):
    run("generate")
    out = project / "supabase" / "rollbacks"
    (project / "supabase" / "migrations" / "20250930000000_tags.sql").write_text("create table public.tags (id bigint);\n")
    res = run("generate")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[-1] == "1 written, 4 unchanged in supabase/rollbacks"
    assert "rollback_20250930000000_tags.sql" in files(out)


@pytest.mark.parametrize(
    "arg",
    ["20250914000000", f"{PHASE1}.sql", PHASE1, f"supabase/migrations/{PHASE1}.sql"],
)
def test_generate_one_migration_by_version_name_or_path(project, arg):
    res = run("generate", arg)
    assert res.exit_code == 0, res.output
    assert set(files(project / "supabase" / "rollbacks")) == names(PHASE1) | {INDEX}
    assert res.stdout.splitlines()[-1] == "1 written, 0 unchanged in supabase/rollbacks"


def test_history_of_a_selected_migration_is_every_earlier_one(project):
    """The phase1 rollback depends on the initial schema (policies on its tables)."""
    run("generate")
    full = (project / "supabase" / "rollbacks" / f"rollback_{PHASE1}.sql").read_text()
    shutil.rmtree(project / "supabase" / "rollbacks")
    run("generate", "20250914000000")
    assert (project / "supabase" / "rollbacks" / f"rollback_{PHASE1}.sql").read_text() == full


def test_a_migration_outside_the_folder_uses_earlier_versions_as_history(project, tmp_path):
    draft = tmp_path / "drafts" / "20250915000000_add_notes.sql"
    draft.parent.mkdir()
    draft.write_text("alter table public.analysis_metrics add column note text;\n")
    res = run("generate", str(draft), "--stdout")
    assert res.exit_code == 0, res.output
    assert "ALTER TABLE public.analysis_metrics DROP COLUMN note;" in res.stdout
    assert "-- Rollback of: 20250915000000_add_notes.sql" in res.stdout
    # history is the migrations with a smaller version: a draft dated before phase1 cannot see its table
    early = tmp_path / "drafts" / "20250910000000_add_notes.sql"
    early.write_text(draft.read_text())
    res = run("generate", str(early), "--stdout")
    assert res.exit_code == 0
    assert "MANUAL STEP" in res.stdout


def test_unknown_migration_is_bad_input(project):
    res = run("generate", "20990101000000")
    assert res.exit_code == 2
    assert "20990101000000: no such migration in supabase/migrations" in res.stderr
    assert not (project / "supabase" / "rollbacks").exists()


def test_badly_named_file_argument_is_bad_input(project, tmp_path):
    bad = tmp_path / "notes.sql"
    bad.write_text("select 1;\n")
    res = run("generate", str(bad))
    assert res.exit_code == 2
    assert 'file name must match pattern "<timestamp>_name.sql"' in res.stderr


# -- --stdout ---------------------------------------------------------------------------------


def test_stdout_prints_exactly_the_file_and_writes_nothing(project):
    res = run("generate", "20250914000000", "--stdout")
    assert res.exit_code == 0
    assert not (project / "supabase" / "rollbacks").exists()
    run("generate", "20250914000000")
    assert (project / "supabase" / "rollbacks" / f"rollback_{PHASE1}.sql").read_text() == res.stdout


def test_stdout_with_several_migrations_is_bad_input(project):
    for args in (["generate", "--stdout"], ["generate", "20250901000000", "20250914000000", "--stdout"]):
        res = run(*args)
        assert res.exit_code == 2
        assert "--stdout prints exactly one rollback, but" in res.stderr
    assert not (project / "supabase" / "rollbacks").exists()


def test_stdout_with_a_single_migration_project(project):
    for p in (project / "supabase" / "migrations").glob("*.sql"):
        if not p.name.startswith("20250901"):
            p.unlink()
    res = run("generate", "--stdout")
    assert res.exit_code == 0
    assert "-- Rollback of: 20250901000000_initial_schema.sql" in res.stdout


# -- --out-dir / --migrations-dir / --project-dir -----------------------------------------------


def test_out_dir_in_the_migrations_folder(project):
    res = run("generate", "--out-dir", "supabase/migrations")
    assert res.exit_code == 0, res.output
    mig = project / "supabase" / "migrations"
    assert (mig / f"rollback_{PHASE1}.sql").is_file()
    assert not (mig / INDEX).exists()  # no index among the migrations
    assert not (project / "supabase" / "rollbacks").exists()
    again = run("generate", "--out-dir", "supabase/migrations")
    assert again.exit_code == 0
    assert again.stderr == ""  # the rollback files are neither migrations nor warned about
    assert again.stdout.splitlines()[-1] == "0 written, 4 unchanged in supabase/migrations"


def test_out_dir_is_created(project, tmp_path):
    target = tmp_path / "deep" / "er"
    res = run("generate", "20250914000000", "--out-dir", str(target))
    assert res.exit_code == 0
    assert set(files(target)) == names(PHASE1) | {INDEX}


def test_project_root_is_found_from_a_subfolder(project, monkeypatch):
    sub = project / "supabase" / "migrations"
    monkeypatch.chdir(sub)
    res = run("generate", "20250914000000")
    assert res.exit_code == 0, res.output
    assert set(files(project / "supabase" / "rollbacks")) == names(PHASE1) | {INDEX}
    assert res.stdout.splitlines()[-1] == f"1 written, 0 unchanged in {project.resolve() / 'supabase' / 'rollbacks'}"


def test_project_dir_from_outside(project, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert run("generate").exit_code == 2  # no project here or above
    res = run("generate", "--project-dir", str(project))
    assert res.exit_code == 0, res.output
    assert len(files(project / "supabase" / "rollbacks")) == 9  # 4 rollbacks, 4 documents, the index


def test_project_dir_without_supabase_is_bad_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run("generate", "--project-dir", str(tmp_path))
    assert res.exit_code == 2
    assert "no supabase/ folder" in res.stderr


def test_migrations_dir_outside_any_project(tmp_path, monkeypatch):
    mig = tmp_path / "db" / "migrations"
    mig.mkdir(parents=True)
    (mig / "20250101000000_t.sql").write_text("create table public.t (id bigint);\n")
    (mig / "notes.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    res = run("generate", "--migrations-dir", "db/migrations")
    assert res.exit_code == 0, res.output
    assert set(files(tmp_path / "db" / "rollbacks")) == names("20250101000000_t") | {INDEX}
    assert 'warning: Skipping migration notes.txt... (file name must match pattern "<timestamp>_name.sql")' in res.stderr


def test_missing_migrations_dir_is_bad_input(project):
    res = run("generate", "--migrations-dir", "nope")
    assert res.exit_code == 2
    assert "nope: migrations folder not found" in res.stderr


def test_empty_migrations_folder(project):
    for p in (project / "supabase" / "migrations").iterdir():
        p.unlink()
    res = run("generate")
    assert res.exit_code == 0
    assert "No migrations in supabase/migrations: nothing to do." in res.stderr


# -- --no-backup ------------------------------------------------------------------------------


def test_no_backup(project):
    res = run("generate", "20250914000000", "--no-backup", "--stdout")
    assert res.exit_code == 0
    assert "CREATE SCHEMA" not in res.stdout and "CREATE TABLE" not in res.stdout
    assert "DROP TABLE public.analysis_metrics;" in res.stdout
    run("generate", "20250914000000", "--no-backup")
    md = (project / "supabase" / "rollbacks" / f"rollback_{PHASE1}.md").read_text()
    assert "--no-backup" in md


# -- hand-edited files --------------------------------------------------------------------------


def test_hand_edited_file_is_not_overwritten_and_nothing_is_written(project):
    run("generate")
    out = project / "supabase" / "rollbacks"
    edited = out / f"rollback_{PHASE1}.sql"
    edited.write_text(edited.read_text().replace("DROP TABLE public.analysis_metrics;", "DROP TABLE public.analysis_metrics CASCADE;"))
    # another migration changes, so another file would be rewritten too
    first = project / "supabase" / "migrations" / "20250921000000_processing_log_and_indexes.sql"
    first.write_text(first.read_text() + "\ncreate index ix_extra on public.processing_log (stage);\n")
    before = files(out)
    res = run("generate")
    assert res.exit_code == 1
    assert f"supabase/rollbacks/rollback_{PHASE1}.sql: edited by hand since it was generated" in res.stderr
    assert "--force" in res.stderr
    assert "Nothing was written." in res.stderr
    assert files(out) == before  # all-or-nothing
    forced = run("generate", "--force")
    assert forced.exit_code == 0
    assert "CASCADE" not in edited.read_text()
    assert "ix_extra" in (out / "rollback_20250921000000_processing_log_and_indexes.sql").read_text()


def test_hand_edited_file_is_kept_when_its_migration_is_not_selected(project):
    run("generate")
    out = project / "supabase" / "rollbacks"
    edited = out / f"rollback_{PHASE1}.sql"
    edited.write_text(edited.read_text() + "-- reviewed by the DBA\n")
    res = run("generate", "20250901000000")
    assert res.exit_code == 0
    assert edited.read_text().endswith("-- reviewed by the DBA\n")


def test_hand_edited_markdown_is_protected_too(project):
    run("generate", "20250914000000")
    md = project / "supabase" / "rollbacks" / f"rollback_{PHASE1}.md"
    md.write_text(md.read_text() + "\nApproved by the DBA.\n")
    res = run("generate", "20250914000000", "--no-backup")
    assert res.exit_code == 1
    assert f"rollback_{PHASE1}.md: edited by hand" in res.stderr


def test_a_file_written_by_hand_is_not_overwritten(project):
    out = project / "supabase" / "rollbacks"
    out.mkdir()
    (out / f"rollback_{PHASE1}.sql").write_text("drop table if exists public.analysis_metrics cascade;\n")
    res = run("generate", "20250914000000")
    assert res.exit_code == 1
    assert (out / f"rollback_{PHASE1}.sql").read_text() == "drop table if exists public.analysis_metrics cascade;\n"
    assert not (out / f"rollback_{PHASE1}.md").exists()


def test_crlf_checkout_counts_as_unchanged(project):
    run("generate", "20250914000000")
    p = project / "supabase" / "rollbacks" / f"rollback_{PHASE1}.sql"
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    res = run("generate", "20250914000000")
    assert res.exit_code == 0
    assert res.stdout.startswith("unchanged")


# -- syntax errors ----------------------------------------------------------------------------


def test_syntax_error_reports_path_line_column_and_writes_only_the_others(project):
    bad = project / "supabase" / "migrations" / "20250930000000_broken.sql"
    bad.write_text("-- Tags\ncreate table public.tags (\n  id bigint primary key,\n  name text not nul\n);\n")
    res = run("generate")
    assert res.exit_code == 2
    lines = res.stderr.splitlines()
    assert lines[0] == 'error: supabase/migrations/20250930000000_broken.sql:4:17: syntax error at or near "nul"'
    assert lines[1].strip() == "name text not nul"
    assert "Traceback" not in res.output
    out = project / "supabase" / "rollbacks"
    assert (out / f"rollback_{PHASE1}.sql").is_file()
    assert not list(out.glob("rollback_20250930000000_*"))


def test_syntax_error_in_a_later_migration_does_not_block_an_earlier_one(project):
    bad = project / "supabase" / "migrations" / "20250930000000_broken.sql"
    bad.write_text("create tabel x ();\n")
    assert run("generate", "20250914000000").exit_code == 0
    assert run("generate", "20250930000000").exit_code == 2


def test_non_utf8_migration_is_bad_input(project):
    bad = project / "supabase" / "migrations" / "20250930000000_latin1.sql"
    bad.write_bytes("-- caf\xe9\nselect 1;\n".encode("latin-1"))
    res = run("generate")
    assert res.exit_code == 2
    assert "20250930000000_latin1.sql:1: not valid UTF-8" in res.stderr


def test_duplicate_version_is_a_warning_for_generate_and_a_problem_for_check(project):
    (project / "supabase" / "migrations" / "20250914000000_again.sql").write_text("select 1;\n")
    res = run("generate")
    assert res.exit_code == 0
    # "again" sorts first: the CLI would apply it, then fail on the original file
    assert f"20250914000000_again.sql and {PHASE1}.sql share version 20250914000000" in res.stderr
    assert (project / "supabase" / "rollbacks" / "rollback_20250914000000_again.sql").is_file()
    res = run("check")
    assert res.exit_code == 1
    assert f"{PHASE1}.sql: version 20250914000000 is also used by 20250914000000_again.sql" in res.stdout


def test_unknown_option_is_bad_input(project):
    assert run("generate", "--nope").exit_code == 2


# -- what the phase 1 rollback contains (the seed's hand-written rollback) -----------------------


def test_phase1_rollback_does_what_the_seed_does(project):
    res = run("generate", "20250914000000", "--stdout")
    assert res.exit_code == 0
    sql = res.stdout
    stmts = [" ".join(s.split()) for s in re.sub(r"(?m)^--.*$", "", sql).split(";\n") if s.strip()]

    def at(prefix: str) -> int:
        hits = [i for i, s in enumerate(stmts) if s.startswith(prefix)]
        assert len(hits) == 1, (prefix, hits)
        return hits[0]

    # functions dropped by signature
    for sig in [
        "public.store_analysis_results(bigint, text, text, text, jsonb)",
        "public.get_analysis_with_metrics(bigint)",
        "public.migrate_results_to_metrics()",
    ]:
        at(f"DROP FUNCTION {sig}")
    # the four service-role policies
    for table, what in [
        ("upload_sessions", "upload sessions"),
        ("video_recordings", "video recordings"),
        ("analysis_metrics", "analysis metrics"),
        ("analysis_jobs", "analysis jobs"),
    ]:
        at(f'DROP POLICY "Service role can manage all {what}" ON public.{table}')
    # analysis_metrics: backed up first, then dropped, marked as data loss
    backup = at('CREATE TABLE supabase_rollback_backup."20250914000000_analysis_metrics" AS TABLE public.analysis_metrics')
    drop = at("DROP TABLE public.analysis_metrics")
    assert backup < drop
    assert re.search(r"-- hazard DELETES_DATA: [^\n]*public\.analysis_metrics[^\n]*\n(?:-- hazard [^\n]*\n)*DROP TABLE public\.analysis_metrics;", sql)
    # the three audio columns: data backed up (with the key) before they are dropped
    for col in ["summary_text", "ssml", "audio_url"]:
        drops = [i for i, s in enumerate(stmts) if s.startswith("ALTER TABLE public.analysis_jobs") and f"DROP COLUMN {col}" in s]
        assert len(drops) == 1, col
        saved = [i for i, s in enumerate(stmts) if s.startswith("CREATE TABLE supabase_rollback_backup.") and re.search(rf"SELECT id, (.*, )?{col}\b.* FROM public\.analysis_jobs", s)]
        assert saved and saved[0] < drops[0], col
    assert "-- Data-loss risk: HIGH" in sql
    assert stmts[-2:] == ["NOTIFY pgrst, 'reload schema'", "COMMIT"]
    assert "-- MANUAL STEP" not in sql

    run("generate", "20250914000000")
    md = (project / "supabase" / "rollbacks" / f"rollback_{PHASE1}.md").read_text()
    assert "#### Data Loss Risk: HIGH" in md
    assert re.search(r"(?m)^\d+\. \*\*Drop Functions\*\* \(no data loss\)", md)
    assert re.search(r"(?m)^\d+\. \*\*Drop table public\.analysis_metrics\*\* ⚠️ \*\*DATA LOSS\*\*", md)
    assert "select to_regclass('public.analysis_metrics') is null;" in md


# -- file modes ---------------------------------------------------------------------------------


def test_written_files_get_the_umask_mode_and_keep_a_replaced_files_mode(project):
    """Files are written under temporary names (mkstemp makes them 0600) and renamed: they must
    still be readable as any file the user creates (0644 under umask 022), and a regenerated
    file keeps the mode it had."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        assert run("generate").exit_code == 0
        out = project / "supabase" / "rollbacks"
        files = sorted(out.iterdir())
        assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in files), [
            (p.name, oct(p.stat().st_mode)) for p in files]
        sql = out / f"rollback_{PHASE1}.sql"
        sql.chmod(0o640)
        sql.unlink()  # regenerated from scratch: the umask again
        assert run("generate").exit_code == 0
        assert stat.S_IMODE(sql.stat().st_mode) == 0o644
        sql.chmod(0o640)
        (project / "supabase" / "migrations" / f"{PHASE1}.sql").open("a").write("\ncreate table public.zz (id int);\n")
        assert run("generate", "--force").exit_code == 0
        assert "public.zz" in sql.read_text()
        assert stat.S_IMODE(sql.stat().st_mode) == 0o640  # replaced: its mode kept
    finally:
        os.umask(old)


# -- stopped half-way -----------------------------------------------------------------------------


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_a_generate_stopped_half_way_leaves_no_file(tmp_path, signame):
    """Files are staged under temporary names while the rollbacks are generated; a generate
    stopped by a signal removes them and writes nothing (exit 128 + signal for SIGTERM,
    130 for Ctrl-C)."""
    import signal
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import synth

    root = synth.write_project(tmp_path / "p", 40)
    out = root / "supabase" / "rollbacks"
    exe = Path(sys.executable).parent / "supabase-rollback"
    proc = subprocess.Popen([str(exe), "generate"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (out.exists() and any(p.name.endswith(".tmp") for p in out.iterdir())):
        assert proc.poll() is None, "generate ended before a file was staged"
        assert time.monotonic() < deadline, "no file was ever staged"
        time.sleep(0.005)
    proc.send_signal(getattr(signal, signame))
    proc.communicate(timeout=120)
    assert proc.returncode == (130 if signame == "SIGINT" else 128 + signal.SIGTERM), proc.returncode
    assert not out.exists() or list(out.iterdir()) == []
