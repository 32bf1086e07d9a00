"""Bad input never hurts: a corpus of bad inputs, through every command that reads migrations.

Each input gets one clear message naming the file (and the line where there is one), the
same message and exit code from every command (2 for input that is not valid PostgreSQL
or not readable as UTF-8 text), never a traceback, and no output written. A problem
local to one migration's text (``Case.local``) costs only that file: the commands still
handle the other migrations (generate writes their rollbacks) before they report it. Inputs that are
valid (empty, comments only, BOM, CRLF) are handled transparently (exit 0).

The table ``CASES`` is the corpus: migration files added to a small project beside one good
migration, the exit code and the message every command must give. Commands run in-process
through click's CliRunner with ``catch_exceptions=False`` (an exception would fail the test
rather than become an exit code); one subprocess test per category runs the installed
``supabase-rollback`` entry point and asserts stderr has no "Traceback".

Permissions: the tests usually run as root, and root reads and writes whatever the mode
bits say. So "unreadable" runs the command as root without CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH (``setpriv --bounding-set``), for whom a file of mode 000 is unreadable
(running it as nobody failed when the checkout itself sat in a folder private to root), and "read-only output folder" makes the folder immutable (``chattr +i``: even
root gets EPERM); without root the plain ``chmod`` is used, which is just as real.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.snapshot import diff, snapshot

EXE = str(Path(sys.executable).with_name("supabase-rollback"))
BASE_NAME = "20240101000000_base.sql"
BASE = "create table public.t (id bigint primary key);\n"
BAD = "20240102000000_bad.sql"
BAD_PATH = f"supabase/migrations/{BAD}"
UNREACHABLE = "postgresql://app:pw@127.0.0.1:1/postgres?connect_timeout=2"
ROOT = os.geteuid() == 0

# Every command that reads migrations, as run on a project (cwd = project root).
COMMANDS: dict[str, list[str]] = {
    "generate": ["generate"],
    "check": ["check", "--no-cache"],
    "stats": ["stats"],
    "status": ["status"],
    "report": ["report", "--since", "HEAD"],
    "verify": ["verify"],
    "down": ["down", "--last", "1", "--yes", "--db-url", UNREACHABLE],
}


READERS = tuple(c for c in COMMANDS if c != "down")


@dataclass
class Case:
    id: str
    files: dict[str, bytes]  # added to supabase/migrations beside BASE_NAME
    code: int
    message: str  # a regular expression every command's stderr must match
    # down reads the migrations folder before it connects: errors found while listing it
    # come first; errors in a migration's SQL only matter for a planned rollback (test below)
    down_before_connecting: bool = True
    commands: tuple[str, ...] = tuple(COMMANDS)
    extra: dict = field(default_factory=dict)
    # a problem local to the file (not valid SQL, not UTF-8): every command still reports
    # it (exit 2, the same message on stderr), but handles the other migrations: generate
    # writes their rollbacks; the readers print what they found about them
    local: bool = False


def _b(text: str) -> bytes:
    return text.encode()


CASES = [
    Case("invalid-utf8", {BAD: b"select 1;\n-- caf\xe9 latin-1\n"}, 2,
         rf"^error: {BAD_PATH}:2: not valid UTF-8 \(byte 0xe9\)$",
         down_before_connecting=False, local=True),
    Case("utf16", {BAD: "select 1;\n".encode("utf-16")}, 2,
         rf"^error: {BAD_PATH}:1: not valid UTF-8 \(byte 0xff\); it is UTF-16 .*save it as UTF-8$",
         down_before_connecting=False, local=True),
    Case("nul-byte", {BAD: b"create table public.u (id int);\x00drop table public.t;\n"}, 2,
         rf"^error: {BAD_PATH}:1:32: NUL byte \(0x00\) in the file",
         down_before_connecting=False, local=True),
    Case("unterminated-dollar-quote",
         {BAD: _b("create function public.f() returns int language sql as $$ select 1;\n\nselect 2;\n")}, 2,
         rf'^error: {BAD_PATH}:1:56: unterminated dollar-quoted string at or near "\$\$ select 1;…"\n'
         r"    create function .*\n {59}\^\nhint: the quote or dollar quote that starts here is never closed$",
         down_before_connecting=False, local=True),
    Case("unterminated-string", {BAD: _b("insert into public.t values (1);\nselect 'abc\n;\n")}, 2,
         rf"^error: {BAD_PATH}:2:8: unterminated quoted string at or near \"'abc…\"\n    select 'abc\n {{11}}\^\n",
         down_before_connecting=False, local=True),
    Case("mysql", {BAD: _b("CREATE TABLE `users` (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\n")}, 2,
         rf'^error: {BAD_PATH}:1:14: syntax error at or near "`"\n.*\n.*\nhint: this looks like MySQL syntax',
         down_before_connecting=False, local=True),
    Case("psql-include", {BAD: _b("create table public.u (id int);\n\\i other.sql\n")}, 2,
         rf'^error: {BAD_PATH}:2:1: syntax error at or near "\\"\n    \\i other.sql\n    \^\n'
         r"hint: \\i is a psql meta-command, not SQL",
         down_before_connecting=False, local=True),
    Case("psql-set", {BAD: _b("\\set ON_ERROR_STOP on\ncreate table public.u (id int);\n")}, 2,
         rf"^error: {BAD_PATH}:1:1: .*\n.*\n.*\nhint: \\set is a psql meta-command, not SQL",
         down_before_connecting=False, local=True),
    Case("copy-from-stdin-data", {BAD: _b("copy public.t (id) from stdin;\n1\n2\n\\.\n")}, 2,
         rf'^error: {BAD_PATH}:2:1: syntax error at or near "1"\n    1\n    \^\n'
         r"hint: the lines after COPY \.\.\. FROM stdin are data in psql's format",
         down_before_connecting=False, local=True),
    Case("nested-too-deeply", {BAD: _b("create view public.v as select " + " + ".join(["1"] * 20000) + " as x;\n")}, 2,
         rf"^error: {BAD_PATH}:1: the statement is nested too deeply for supabase-rollback to analyse "
         r"\(its expressions or subqueries nest hundreds of levels deep\): split or simplify it$",
         down_before_connecting=False, local=True),
    # two files with the same version: tests/test_one_file.py (a warning; check reports it)
    Case("directory-named-like-a-migration", {}, 2,
         rf"^error: {BAD_PATH}: is a directory, not a regular file; a migration must be a file$",
         extra={"mkdir": BAD}),
    Case("broken-symlink", {}, 2,
         rf"^error: {BAD_PATH}: is a broken symbolic link \(to nowhere.sql: No such file or directory\); "
         "a migration must be a file$",
         extra={"symlink": (BAD, "nowhere.sql")}),
    # valid input: handled transparently
    # (down of valid input needs a database: test_an_empty_migration_rolls_back_with_down)
    Case("empty-file", {BAD: b""}, 0, r"^$", commands=READERS),
    Case("comments-only", {BAD: b"-- nothing yet\n/* a block\n   comment */\n"}, 0, r"^$", commands=READERS),
    Case("bom-and-crlf", {BAD: "\ufeffcreate table public.u (id int);\r\nalter table public.u add column b text;\r\n".encode()},
         0, r"^$", commands=READERS),
    # names the Supabase CLI does not take as migrations: skipped with its own warning
    Case("names-not-matching-the-pattern", {"2024_notes.txt": b"x", "V1__flyway.sql": b"select 1;\n"}, 0,
         r'^warning: Skipping migration 2024_notes.txt\.\.\. \(file name must match pattern "<timestamp>_name.sql"\)\n'
         r'warning: Skipping migration V1__flyway.sql\.\.\. \(file name must match pattern "<timestamp>_name.sql"\)$',
         commands=tuple(c for c in READERS if c != "report")),
]


def make_project(root: Path, case: Case | None = None) -> Path:
    """A Supabase project at ``root``: one good migration plus the case's files, in git."""
    mig = root / "supabase" / "migrations"
    mig.mkdir(parents=True)
    (root / "supabase" / "config.toml").write_text('project_id = "bad-input"\n')
    (mig / BASE_NAME).write_text(BASE)
    if case is not None:
        for name, data in case.files.items():
            (mig / name).write_bytes(data)
        if "mkdir" in case.extra:
            (mig / case.extra["mkdir"]).mkdir()
        if "symlink" in case.extra:
            name, target = case.extra["symlink"]
            (mig / name).symlink_to(target)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], cwd=root, check=True)
    return root


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def tree(root: Path) -> dict[str, bytes | str]:
    """Every file under ``root/supabase`` (what a failed command must not have changed)."""
    out: dict[str, bytes | str] = {}
    for p in sorted((root / "supabase").rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = f"-> {os.readlink(p)}"
        elif p.is_file():
            out[rel] = p.read_bytes()
        elif p.is_dir():
            out[rel] = "<dir>"
        else:
            out[rel] = "<special>"
    return out


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("SUPABASE_ROLLBACK_CACHE_DIR", str(d))
    monkeypatch.delenv("SUPABASE_ROLLBACK_DB_URL", raising=False)
    return d


# -- the corpus, through every command ---------------------------------------------------------


@pytest.mark.parametrize("case", [c for c in CASES if c.code != 0], ids=lambda c: c.id)
def test_bad_input_gives_the_same_message_and_exit_code_from_every_command(case, tmp_path, monkeypatch, cache_dir):
    root = make_project(tmp_path / "p", case)
    monkeypatch.chdir(root)
    before = tree(root)
    for name in case.commands:
        if name == "down" and not case.down_before_connecting:
            continue  # tested on a real server below
        res = run(*COMMANDS[name])
        assert res.exit_code == case.code, (name, res.output)
        assert "Traceback" not in res.output, name
        if case.local:  # the message comes after what the command did for the other migrations
            assert re.search(case.message.removeprefix("^"), res.stderr.strip(), re.S | re.M), (name, res.stderr)
            if name == "generate":
                out = root / "supabase" / "rollbacks"
                assert sorted(p.name for p in out.glob("rollback_*")) == [
                    "rollback_20240101000000_base.md", "rollback_20240101000000_base.sql"], name
                before = tree(root)
            assert tree(root) == before, f"{name} changed files"
            continue
        assert re.search(case.message, res.stderr.strip(), re.S), (name, res.stderr)
        assert res.stdout == "", (name, res.stdout)
        assert tree(root) == before, f"{name} changed files"


@pytest.mark.parametrize("case", [c for c in CASES if c.code == 0], ids=lambda c: c.id)
def test_valid_odd_input_is_handled_transparently(case, tmp_path, monkeypatch, cache_dir):
    """generate writes the rollbacks, then every reader agrees they are up to date."""
    root = make_project(tmp_path / "p", case)
    monkeypatch.chdir(root)
    for name in case.commands:
        res = run(*COMMANDS[name])
        assert res.exit_code == 0, (name, res.output)
        assert re.search(case.message, res.stderr.strip(), re.S), (name, res.stderr)
        assert "Traceback" not in res.output
    out = root / "supabase" / "rollbacks"
    assert sorted(p.name for p in out.glob("rollback_*.sql")) == [
        "rollback_20240101000000_base.sql", *(["rollback_20240102000000_bad.sql"] if BAD in case.files else []),
    ]
    if "check" in case.commands:
        assert run("check", "--no-cache").stdout.startswith("ok: ")


@pytest.mark.parametrize("text", ["", "-- nothing yet\n", "/* only\n   a block comment */\n", "\ufeff", "\r\n\r\n"])
def test_a_migration_without_statements_has_an_empty_rollback(tmp_path, monkeypatch, cache_dir, text):
    root = make_project(tmp_path / "p")
    (root / "supabase" / "migrations" / BAD).write_text(text, newline="")
    monkeypatch.chdir(root)
    res = run("generate", "20240102000000", "--stdout")
    assert res.exit_code == 0, res.output
    sql = res.stdout
    assert "-- Steps: 0 (0 manual)" in sql
    body = [ln for ln in sql.splitlines() if ln and not ln.startswith("--")]
    # nothing but the history bookkeeping inside the transaction
    assert body[0] == "BEGIN;" and body[-1] == "COMMIT;"
    assert "DELETE FROM supabase_migrations.schema_migrations WHERE version = '20240102000000';" in sql
    assert not [ln for ln in body if re.match(r"(DROP|CREATE|ALTER) ", ln)]


@pytest.mark.smoke
def test_bom_and_crlf_give_the_rollback_of_the_plain_file(tmp_path, monkeypatch, cache_dir):
    plain = "create table public.u (id int);\nalter table public.u add column b text;\n"
    texts = {}
    for kind, data in (("plain", plain.encode()), ("bom-crlf", ("\ufeff" + plain.replace("\n", "\r\n")).encode())):
        root = make_project(tmp_path / kind)
        (root / "supabase" / "migrations" / BAD).write_bytes(data)
        monkeypatch.chdir(root)
        res = run("generate", "20240102000000", "--stdout")
        assert res.exit_code == 0, res.output
        # the header names the file's sha256 (the bytes differ); everything else is equal
        texts[kind] = re.sub(r"(?m)^-- (Source sha256|body-sha256): .*$", "", res.stdout)
    assert texts["plain"] == texts["bom-crlf"]
    assert "-- Undoes 20240102000000_bad.sql:2\n" in texts["plain"]  # line numbers kept


@pytest.mark.smoke
def test_error_positions_are_right_after_a_bom_and_crlf(tmp_path, monkeypatch, cache_dir):
    root = make_project(tmp_path / "p")
    (root / "supabase" / "migrations" / BAD).write_bytes("\ufeffselect 1;\r\nselect 'é' frm t;\r\n".encode())
    monkeypatch.chdir(root)
    res = run("generate")
    assert res.exit_code == 2
    assert res.stderr.splitlines()[0] == f'error: {BAD_PATH}:2:16: syntax error at or near "t"'


@pytest.mark.smoke
def test_a_long_line_is_shown_around_the_error(tmp_path, monkeypatch, cache_dir):
    root = make_project(tmp_path / "p")
    line = "insert into public.t values " + ", ".join(f"({i})" for i in range(2000)) + " oops;"
    (root / "supabase" / "migrations" / BAD).write_text(line + "\n")
    monkeypatch.chdir(root)
    res = run("stats")
    assert res.exit_code == 2
    first, shown, caret = res.stderr.splitlines()[:3]
    assert first == f'error: {BAD_PATH}:1:{line.index("oops") + 1}: syntax error at or near "oops"'
    assert len(shown) < 140 and shown.startswith("    …") and "oops" in shown
    assert shown.index("oops") == caret.index("^")


@pytest.mark.parametrize("case", [c for c in CASES if c.code and not c.down_before_connecting], ids=lambda c: c.id)
def test_down_reports_bad_sql_of_a_migration_it_would_roll_back(case, pg_db, tmp_path, monkeypatch, cache_dir):
    """down checks the rollbacks it plans against the migrations: a migration file broken
    after its rollback was written stops it with the same message (exit 2), nothing changes;
    a broken migration that is not planned does not concern it."""
    root = make_project(tmp_path / "p")
    bad = root / "supabase" / "migrations" / BAD
    bad.write_text("create table public.u (id int);\n")
    monkeypatch.chdir(root)
    assert run("generate").exit_code == 0
    bad.write_bytes(case.files[BAD])  # edited after generate, then applied by hand
    with pg_db.connect() as conn:
        conn.execute(BASE)
        conn.execute("INSERT INTO supabase_migrations.schema_migrations (version) VALUES ('20240101000000'), ('20240102000000')")
        before = snapshot(conn)
    res = run("down", "--last", "1", "--yes", "--db-url", pg_db.conninfo)
    assert res.exit_code == 2, res.output
    assert re.search(case.message, res.stderr.strip(), re.S), res.stderr
    assert "Traceback" not in res.output
    with pg_db.connect() as conn:
        assert diff(before, snapshot(conn)).exact
        assert conn.execute("SELECT count(*) FROM supabase_migrations.schema_migrations").fetchone()[0] == 2
        conn.execute("DELETE FROM supabase_migrations.schema_migrations WHERE version = '20240102000000'")
    res = run("down", "--last", "1", "--yes", "--db-url", pg_db.conninfo)
    assert res.exit_code == 0, res.output
    with pg_db.connect() as conn:
        assert conn.execute("SELECT to_regclass('public.t') IS NULL").fetchone()[0]


def test_an_empty_migration_rolls_back_with_down(pg_db, tmp_path, monkeypatch, cache_dir):
    root = make_project(tmp_path / "p")
    (root / "supabase" / "migrations" / BAD).write_text("-- nothing yet\n")
    monkeypatch.chdir(root)
    assert run("generate").exit_code == 0
    with pg_db.connect() as conn:
        conn.execute(BASE)
        conn.execute("INSERT INTO supabase_migrations.schema_migrations (version) VALUES ('20240101000000'), ('20240102000000')")
    res = run("down", "--last", "1", "--yes", "--db-url", pg_db.conninfo)
    assert res.exit_code == 0, res.output
    with pg_db.connect() as conn:
        assert [r[0] for r in conn.execute("SELECT version FROM supabase_migrations.schema_migrations")] == ["20240101000000"]
        assert conn.execute("SELECT to_regclass('public.t') IS NOT NULL").fetchone()[0]


# -- files that are not files --------------------------------------------------------------------


def test_a_fifo_named_like_a_migration_is_an_error_and_never_opened(tmp_path, cache_dir):
    """Opening a FIFO would wait for a writer forever: every command must answer at once."""
    root = make_project(tmp_path / "p")
    os.mkfifo(root / "supabase" / "migrations" / BAD)
    for name, args in COMMANDS.items():
        res = subprocess.run([EXE, *args], cwd=root, capture_output=True, text=True, timeout=60)
        assert res.returncode == 2, (name, res.stderr)
        assert res.stderr.strip() == f"error: {BAD_PATH}: is a FIFO (named pipe), not a regular file; a migration must be a file"
        assert "Traceback" not in res.stderr


def test_missing_migrations_folder(tmp_path, monkeypatch, cache_dir):
    root = make_project(tmp_path / "p")
    shutil.rmtree(root / "supabase" / "migrations")  # config.toml still marks the project
    monkeypatch.chdir(root)
    for name, args in COMMANDS.items():
        res = run(*args)
        assert res.exit_code == 2, (name, res.output)
        assert res.stderr.strip() == "error: supabase/migrations: migrations folder not found", name
    (root / "supabase" / "migrations").write_text("not a folder")
    res = run("generate")
    assert res.exit_code == 2 and res.stderr.strip() == "error: supabase/migrations: is not a folder"
    res = run("stats", "--migrations-dir", "nope")
    assert res.exit_code == 2 and res.stderr.strip() == "error: nope: migrations folder not found"


def test_a_file_argument_not_named_like_a_migration(tmp_path, monkeypatch, cache_dir):
    root = make_project(tmp_path / "p")
    (root / "notes.sql").write_text("select 1;\n")
    monkeypatch.chdir(root)
    for args in (["generate", "notes.sql"], ["verify", "notes.sql"]):
        res = run(*args)
        assert res.exit_code == 2
        assert res.stderr.strip() == 'error: notes.sql: file name must match pattern "<timestamp>_name.sql"'


# -- unreadable files (a real permission error) ---------------------------------------------------


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A scratch folder outside pytest's tmp_path, with ordinary permissions."""
    d = Path(tempfile.mkdtemp(prefix="supabase-rollback-bad-input-"))
    d.chmod(0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _as_unprivileged(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the entry point so that the file's mode applies: as root, without the capabilities
    that let root ignore permission bits (the tool itself stays readable wherever it lives)."""
    env = {**os.environ, "SUPABASE_ROLLBACK_CACHE_DIR": str(cwd / ".cache"),
           # git refuses a repository owned by another user unless told it is safe
           "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*"}
    env.pop("SUPABASE_ROLLBACK_DB_URL", None)
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if ROOT else []
    return subprocess.run([*prefix, EXE, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def test_an_unreadable_migration(shared_dir):
    root = make_project(shared_dir / "p")
    for p in [root, *root.rglob("*")]:
        if p.is_dir():
            p.chmod(0o777)  # nobody may write the cache and outputs, only the migration is locked
    bad = root / "supabase" / "migrations" / BAD
    bad.write_text("select 1;\n")
    bad.chmod(0o000)
    probe = _as_unprivileged(["--version"], root)
    assert probe.returncode == 0, probe.stderr  # the installed tool runs as that user
    for name, args in COMMANDS.items():
        res = _as_unprivileged(args, root)
        assert res.returncode == 2, (name, res.stderr)
        assert res.stderr.strip() == f"error: {BAD_PATH}: cannot read: Permission denied", name
        assert "Traceback" not in res.stderr
    assert not (root / "supabase" / "rollbacks").exists()


def test_an_unreadable_migrations_folder(shared_dir):
    root = make_project(shared_dir / "p")
    root.chmod(0o777)
    (root / "supabase" / "migrations").chmod(0o311)  # can enter, cannot list
    res = _as_unprivileged(["generate"], root)
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip() == "error: supabase/migrations: cannot list the migrations folder: Permission denied"


# -- where generate writes -----------------------------------------------------------------------


@pytest.fixture
def read_only():
    """Make a folder or file unwritable for real, also for root: immutable (chattr +i,
    which root cannot write through either); without root, plain modes do it."""
    locked: list[Path] = []

    def lock(path: Path) -> None:
        if ROOT:
            subprocess.run(["chattr", "+i", str(path)], check=True)
        else:
            path.chmod(0o555 if path.is_dir() else 0o444)
        locked.append(path)

    yield lock
    for path in locked:
        if ROOT:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_read_only_output_folder_writes_nothing(tmp_path, monkeypatch, cache_dir, read_only):
    root = make_project(tmp_path / "p")
    out = root / "supabase" / "rollbacks"
    out.mkdir()
    read_only(out)
    monkeypatch.chdir(root)
    with pytest.raises(OSError):  # the lock is real: even this process cannot write there
        (out / "probe").write_text("x")
    res = run("generate")
    assert res.exit_code == 1, res.output
    reason = "Operation not permitted" if ROOT else "Permission denied"
    assert res.stderr.strip() == (f"cannot write supabase/rollbacks/rollback_20240101000000_base.sql: {reason}\n"
                                  "Nothing was written.")
    assert list(out.iterdir()) == []
    res = run("check", "--fix")  # check --fix writes through generate: same message, check goes on
    assert "cannot write supabase/rollbacks/rollback_20240101000000_base.sql" in res.stderr
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert list(out.iterdir()) == []


@pytest.mark.skipif(not ROOT, reason="a file that cannot be replaced in a writable folder needs chattr +i (root)")
def test_files_of_one_generate_are_written_all_or_none(tmp_path, monkeypatch, cache_dir, read_only):
    """One file that cannot be replaced (the last rollback written): the files renamed
    before it are put back, so the folder is exactly as it was, and no temporary file is left."""
    root = make_project(tmp_path / "p")
    (root / "supabase" / "migrations" / BAD).write_text("create table public.u (id int);\n")
    monkeypatch.chdir(root)
    assert run("generate").exit_code == 0
    out = root / "supabase" / "rollbacks"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    last = out / "rollback_20240102000000_bad.md"
    read_only(last)
    res = run("generate", "--backup-schema", "other_backups")
    assert res.exit_code == 1, res.output
    assert res.stderr.strip() == f"cannot write {last.relative_to(root)}: Operation not permitted\nNothing was written."
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # the files before it did change (so they were renamed, then put back)
    sql = run("generate", "20240101000000", "--backup-schema", "other_backups", "--stdout").stdout
    assert sql.encode() != before["rollback_20240101000000_base.sql"] and "other_backups" in sql


@pytest.mark.parametrize("kind", ["symlink", "directory"])
def test_a_rollback_file_that_is_a_link_or_a_folder(kind, tmp_path, monkeypatch, cache_dir):
    root = make_project(tmp_path / "p")
    monkeypatch.chdir(root)
    assert run("generate").exit_code == 0
    out = root / "supabase" / "rollbacks"
    target = out / "rollback_20240101000000_base.sql"
    elsewhere = tmp_path / "shared.sql"
    elsewhere.write_text(target.read_text())
    target.unlink()
    if kind == "symlink":
        target.symlink_to(elsewhere)
        what = f"is a symbolic link (to {elsewhere}), not a regular file"
    else:
        target.mkdir()
        what = "is a directory, not a regular file"
    (root / "supabase" / "migrations" / BAD).write_text("create table public.u (id int);\n")
    before = tree(root)
    res = run("generate")
    assert res.exit_code == 1, res.output
    assert res.stderr.strip() == (
        f"supabase/rollbacks/rollback_20240101000000_base.sql: {what}; generate writes regular files only and "
        "will not replace it: remove it (or choose another --out-dir)\nNothing was written."
    )
    assert tree(root) == before  # not even the new migration's rollback
    assert elsewhere.read_text().startswith("-- supabase-rollback")  # the link's target untouched
    res = run("check", "--no-cache")
    assert res.exit_code == 1
    assert (f"supabase/rollbacks/rollback_20240101000000_base.sql: {what}: generate will not replace it; "
            "remove it, then run `supabase-rollback generate 20240101000000`") in res.stdout
    res = run("status")
    assert res.exit_code == 0
    assert re.search(r"(?m)^20240101000000\s+base\s+\S+\s+\S+\s+not a file", res.stdout), res.stdout


def test_down_refuses_a_rollback_file_that_is_a_link_or_a_folder(pg_db, tmp_path, monkeypatch, cache_dir):
    root = make_project(tmp_path / "p")
    monkeypatch.chdir(root)
    assert run("generate").exit_code == 0
    with pg_db.connect() as conn:
        conn.execute(BASE)
        conn.execute("INSERT INTO supabase_migrations.schema_migrations (version) VALUES ('20240101000000')")
    target = root / "supabase" / "rollbacks" / "rollback_20240101000000_base.sql"
    real = root / "real.sql"
    target.rename(real)
    for make, what in ((lambda: target.symlink_to(real), f"is a symbolic link (to {real}), not a regular file"),
                       (target.mkdir, "is a directory, not a regular file")):
        make()
        res = run("down", "--last", "1", "--yes", "--db-url", pg_db.conninfo)
        assert res.exit_code == 1, res.output
        assert f"- supabase/rollbacks/rollback_20240101000000_base.sql: {what}; down runs only the file generate " \
               "writes: remove it, then run `supabase-rollback generate 20240101000000`" in res.output
        assert "nothing was changed" in res.output
        with pg_db.connect() as conn:
            assert conn.execute("SELECT to_regclass('public.t') IS NOT NULL").fetchone()[0]
            assert conn.execute("SELECT count(*) FROM supabase_migrations.schema_migrations").fetchone()[0] == 1
        target.rmdir() if target.is_dir() and not target.is_symlink() else target.unlink()


# -- no traceback, through the installed entry point (one per category) ---------------------------


@pytest.mark.parametrize("case_id, command", [
    ("invalid-utf8", "generate"), ("nul-byte", "check"), ("unterminated-dollar-quote", "stats"),
    ("mysql", "status"), ("psql-include", "verify"), ("broken-symlink", "down"),
    ("directory-named-like-a-migration", "report"), ("broken-symlink", "generate"), ("utf16", "check"),
    ("unterminated-string", "generate"), ("psql-set", "check"), ("nested-too-deeply", "stats"),
])
def test_the_installed_command_prints_no_traceback(case_id, command, tmp_path, cache_dir):
    case = next(c for c in CASES if c.id == case_id)
    root = make_project(tmp_path / "p", case)
    res = subprocess.run([EXE, *COMMANDS[command]], cwd=root, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "SUPABASE_ROLLBACK_CACHE_DIR": str(cache_dir)})
    assert res.returncode == case.code, res.stderr
    assert "Traceback" not in res.stderr
    if case.local:  # after what the command did for the other migrations
        assert re.search(case.message.removeprefix("^"), res.stderr.strip(), re.S | re.M), res.stderr
    else:
        assert re.search(case.message, res.stderr.strip(), re.S), res.stderr


# -- a 20 MB migration ---------------------------------------------------------------------------


def _generate_in_child(root: Path) -> int:
    """Run `supabase-rollback generate` in a child process; its peak RSS (kB). How long it
    takes is measured by benchmarks/run.py (its table of large migrations), not here."""
    code = (
        "import resource, subprocess, sys\n"
        f"r = subprocess.run([{EXE!r}, 'generate'], capture_output=True, text=True)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.stderr.write(r.stderr)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=900)
    rc, rss = res.stdout.split()
    assert rc == "0", res.stderr
    return int(rss)


def test_a_20_mb_migration(tmp_path):
    """One 20 MB statement (a seed with a large document) is handled, and the rollback does
    not carry the document."""
    root = make_project(tmp_path / "p")
    body = "y" * 20_000_000
    (root / "supabase" / "migrations" / BAD).write_text(
        f"alter table public.t add column body text;\ninsert into public.t values (1, '{body}');\n"
    )
    rss_kb = _generate_in_child(root)
    assert rss_kb < 1_500_000, rss_kb
    sql = (root / "supabase" / "rollbacks" / "rollback_20240102000000_bad.sql").read_text()
    assert "DELETE FROM public.t WHERE id IN (1);" in sql and "ALTER TABLE public.t DROP COLUMN body;" in sql
    assert body not in sql


def test_error_in_a_20_mb_migration_is_quick_and_short(tmp_path, monkeypatch, cache_dir):
    root = make_project(tmp_path / "p")
    text = "".join(f"insert into public.t values ({i});\n" for i in range(700_000)) + "select $$ never closed\n"
    assert len(text) > 20_000_000
    (root / "supabase" / "migrations" / BAD).write_text(text)
    monkeypatch.chdir(root)
    res = run("generate")
    assert res.exit_code == 2
    assert res.stderr.splitlines()[0] == (f'error: {BAD_PATH}:700001:8: unterminated dollar-quoted string '
                                          'at or near "$$ never closed"')
    assert len(res.stderr) < 700  # the error, then one paragraph on what was written
    assert [p.name for p in (root / "supabase" / "rollbacks").glob("*.sql")] == ["rollback_20240101000000_base.sql"]


def test_crlf_inside_quoted_names_and_literals_is_kept():
    """Line ends of a CRLF file are LF for the generator, except inside quoted names,
    string literals and dollar quotes, where the server keeps the CR as part of the value."""
    from generator.parse import parse_statements

    text = ('create role "a\r\nb";\r\ncomment on role "a\r\nb" is $$x\r\ny$$; -- note\r\n'
            "insert into public.t (id, s) values (1, 'p\r\nq');\r\nselect 1;\r\n")
    role, comment, insert, select = parse_statements(text, Path("m.sql"))
    assert role.node.role == "a\r\nb" and role.line == 1
    assert comment.node.comment == "x\r\ny" and comment.line == 3
    assert comment.trailing_comments == ["-- note"]
    assert insert.node.selectStmt.valuesLists[0][1].val.sval == "p\r\nq" and insert.line == 6
    assert select.line == 8 and select.sql == "select 1"
