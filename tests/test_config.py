"""supabase/rollback.toml (generator/config.py) and how `generate` honours it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import config as config_module
from generator.cli import cli
from generator.config import (
    DEFAULT_BACKUP_SCHEMA,
    Config,
    ConfigError,
    load_config,
    parse_config,
    resolve_folders,
    statement_keywords,
)
from generator.render import DEFAULT_BACKUP_SCHEMA as RENDER_DEFAULT

TOML = Path("/p/supabase/rollback.toml")


def test_defaults_without_a_file(tmp_path):
    cfg = load_config(tmp_path)
    assert cfg == Config()
    assert (cfg.out_dir, cfg.backup, cfg.lock_timeout, cfg.statement_timeout, cfg.manual) == (None, True, "5s", "1min", ())
    assert cfg.backup_schema == DEFAULT_BACKUP_SCHEMA == RENDER_DEFAULT
    assert load_config(None) == Config()


def test_every_key():
    cfg = parse_config(
        'out_dir = "supabase/migrations"\n'
        'backup_schema = "rb_backup"\n'
        "backup = false\n"
        "lock_timeout = 1500\n"
        'statement_timeout = "2 min"\n'
        "[[manual]]\n"
        'kind = ["DROP TABLE", "truncate"]\n'
        "[[manual]]\n"
        "pattern = '\\bdrop\\s+column\\b'\n"
        'reason = "columns are dropped by the DBA"\n',
        TOML,
    )
    assert cfg.path == TOML
    assert cfg.out_dir == Path("/p/supabase/migrations")  # relative to the project
    assert (cfg.backup_schema, cfg.backup, cfg.lock_timeout, cfg.statement_timeout) == ("rb_backup", False, "1500ms", "2min")
    assert [r.label for r in cfg.manual] == ["DROP TABLE", "TRUNCATE", r"/\bdrop\s+column\b/"]
    assert cfg.manual[0].reason == "the team handles DROP TABLE statements by hand (supabase/rollback.toml)"
    assert cfg.manual[2].reason == "columns are dropped by the DBA"


@pytest.mark.parametrize(
    "sql, reason",
    [
        ("drop table if exists public.t;", "DROP TABLE"),
        ("-- header\n/* note */ DROP   TABLE public.t", "DROP TABLE"),
        ("TRUNCATE public.t", "TRUNCATE"),
        ("truncate table only public.t", "TRUNCATE"),
        ("alter table public.t drop column c", "column"),
        ("ALTER TABLE public.t DROP COLUMN IF EXISTS c", "column"),
        ("drop view public.v", None),
        ("alter table public.t add column c text", None),
        ("create table public.drop_table_log (id int)", None),
    ],
)
def test_manual_rules_match(sql, reason):
    cfg = parse_config(
        '[[manual]]\nkind = "DROP TABLE"\nreason = "DROP TABLE"\n'
        '[[manual]]\nkind = "TRUNCATE"\nreason = "TRUNCATE"\n'
        "[[manual]]\npattern = 'drop\\s+column'\nreason = \"column\"\n",
        TOML,
    )
    assert cfg.manual_reason(sql) == reason


def test_kind_ignores_modifier_words():
    assert statement_keywords("create or replace function f()") == ("CREATE", "FUNCTION")
    assert statement_keywords("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)")[:2] == ("CREATE", "INDEX")
    cfg = parse_config('[[manual]]\nkind = "create or replace function"\n', TOML)
    assert cfg.manual[0].kind == ("CREATE", "FUNCTION")
    assert cfg.manual_reason("create function public.f() returns int language sql as $$ select 1 $$")


@pytest.mark.parametrize(
    "text, message",
    [
        ("foo = 1\n", "rollback.toml:1: unknown key 'foo'"),
        ('backup_schema = "x"\n\nlock_timeout = "soon"\n', "rollback.toml:3: lock_timeout: 'soon' is not a duration"),
        ("lock_timeout = -1\n", "cannot be negative"),
        ('backup = "no"\n', "backup must be true or false"),
        ('backup_schema = ""\n', "expected a schema name"),
        ("out_dir = 3\n", "out_dir must be a folder path"),
        ("[[manual]]\nreason = \"x\"\n", "needs a `kind` or a `pattern`"),
        ("[[manual]]\nkind = \"DROP TABLE\"\nwhen = 1\n", "unknown key 'when'"),
        ("[[manual]]\npattern = \"(\"\n", "bad regular expression"),
        ("[[manual]]\nkind = \"DROP-TABLE\"\n", "is not a statement kind"),
        ("manual = 3\n", "list of tables"),
        ("backup = \n", "rollback.toml: "),  # TOML syntax error
    ],
)
def test_bad_files_are_input_errors(text, message):
    with pytest.raises(ConfigError) as exc:
        parse_config(text, TOML)
    assert message in str(exc.value)
    assert str(exc.value).startswith(str(TOML))


def test_flags_override():
    cfg = parse_config('lock_timeout = "5s"\nbackup_schema = "a"\n', TOML)
    new = cfg.override(lock_timeout="250ms", backup_schema=None, backup=False)
    assert (new.lock_timeout, new.backup_schema, new.backup) == ("250ms", "a", False)
    with pytest.raises(ConfigError, match="--statement-timeout"):
        cfg.override(statement_timeout="later")


def test_config_module_stays_light():
    """check imports config at start; it must not pull in pglast, jinja2 or psycopg."""
    code = "import sys, generator.config; print([m for m in ('pglast', 'jinja2', 'psycopg') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert config_module.__doc__ and "[[manual]]" in config_module.__doc__


# -- folders and the generate command --------------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "app"
    (root / "supabase" / "migrations").mkdir(parents=True)
    (root / "supabase" / "migrations" / "20250101000000_a.sql").write_text(
        "create table public.a (id bigint primary key, note text);\n"
    )
    (root / "supabase" / "migrations" / "20250102000000_b.sql").write_text(
        "alter table public.a drop column note;\ndrop table public.a;\n"
    )
    monkeypatch.chdir(root)
    monkeypatch.setenv("SUPABASE_ROLLBACK_CACHE_DIR", str(tmp_path / "cache"))
    return root


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_resolve_folders_uses_the_file_and_flags_win(project):
    (project / "supabase" / "rollback.toml").write_text('out_dir = "db/rollbacks"\n')
    f = resolve_folders(None, None, None)
    assert f.root.resolve() == project.resolve()
    assert (f.migrations_dir, f.out_dir) == (Path("supabase/migrations"), Path("db/rollbacks"))
    assert resolve_folders(None, None, Path("elsewhere")).out_dir == Path("elsewhere")


def test_generate_honours_the_configuration(project):
    (project / "supabase" / "rollback.toml").write_text(
        'out_dir = "db/rollbacks"\nbackup_schema = "rb_backup"\n[[manual]]\nkind = "DROP TABLE"\nreason = "tables are restored by the DBA"\n'
    )
    res = run("generate")
    assert res.exit_code == 0, res.output
    out = project / "db" / "rollbacks"
    sql = (out / "rollback_20250102000000_b.sql").read_text()
    assert "MANUAL STEP 1: tables are restored by the DBA" in sql
    assert "-- CREATE TABLE public.a (" in sql  # the inferred SQL, as a suggestion
    assert 'CREATE SCHEMA IF NOT EXISTS rb_backup;' in (out / "rollback_20250101000000_a.sql").read_text()
    assert not (project / "supabase" / "rollbacks").exists()


def test_flags_override_the_configuration(project):
    (project / "supabase" / "rollback.toml").write_text('out_dir = "db/rollbacks"\nbackup_schema = "rb_backup"\n')
    res = run("generate", "--out-dir", "other", "--backup-schema", "flag_backup")
    assert res.exit_code == 0, res.output
    assert "CREATE SCHEMA IF NOT EXISTS flag_backup;" in (project / "other" / "rollback_20250101000000_a.sql").read_text()
    (project / "supabase" / "rollback.toml").write_text("backup = false\n")
    res = run("generate", "20250101000000", "--stdout")
    assert "CREATE SCHEMA IF NOT EXISTS" not in res.output


def test_annotation_resolves_a_manual_rule(project):
    (project / "supabase" / "rollback.toml").write_text('[[manual]]\nkind = "DROP TABLE"\n')
    mig = project / "supabase" / "migrations" / "20250102000000_b.sql"
    mig.write_text(mig.read_text() + "-- rollback: irreversible public.a lives on in the archive database\n")
    res = run("generate", "20250102000000", "--stdout")
    assert res.exit_code == 0
    assert "MANUAL STEP" not in res.output.split("-- body-sha256")[1]
    assert "-- Reason: public.a lives on in the archive database" in res.output


def test_preflight_and_assertions_from_the_configuration(project):
    cfg = parse_config("preflight = false\nassertions = false\n", TOML)
    assert (cfg.preflight, cfg.assertions) == (False, False)
    assert run("generate", "20250101000000", "--stdout").output.count("$preflight$") >= 1
    (project / "supabase" / "rollback.toml").write_text("preflight = false\nassertions = false\n")
    sql = run("generate", "20250101000000", "--stdout").output
    assert "$preflight$" not in sql and "Post-rollback assertions" not in sql
    assert run("generate").exit_code == 0
    assert run("check").stdout == "ok: 2 rollbacks up to date\n"  # check renders like generate


def test_bad_configuration_exits_2(project):
    (project / "supabase" / "rollback.toml").write_text("[[manual]]\nkind = 3\n")
    res = CliRunner().invoke(cli, ["generate"])
    assert res.exit_code == 2
    assert "rollback.toml:1: [[manual]] entry 1: kind: expected a non-empty string" in res.output
