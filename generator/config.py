"""The project's configuration file: ``supabase/rollback.toml``.

One small TOML file, next to the Supabase CLI's ``supabase/config.toml``. Every key is
optional; a missing file means the defaults below. Command-line flags override the file.

    # supabase/rollback.toml
    out_dir = "supabase/rollbacks"          # where rollbacks go (relative to the project)
    backup_schema = "supabase_rollback_backup"
    backup = true                           # false: like --no-backup
    preflight = true                        # false: like --no-preflight
    assertions = true                       # false: like --no-assertions
    lock_timeout = "5s"                     # used by `down`; PostgreSQL units, or an integer in ms
    statement_timeout = "1min"              # used by `down`; "0" means no limit

    # Statements the team wants to handle by hand. The generator still follows them in
    # its model of the database, but their rollback step becomes a MANUAL STEP (with the
    # inferred SQL as a suggestion), unless the statement carries a `-- rollback:` annotation.
    [[manual]]
    kind = "DROP TABLE"                     # or a list: ["DROP TABLE", "TRUNCATE"]
    reason = "the DBA restores dropped tables from the nightly backup"   # optional

    [[manual]]
    pattern = '\\bDROP\\s+COLUMN\\b'        # regex, searched case-insensitively in the statement

Rules implemented here:

- ``kind`` matches a statement's leading keywords, comments skipped, case-insensitive,
  with modifier words ignored on both sides (``OR REPLACE``, ``UNIQUE``, ``CONCURRENTLY``,
  ``IF [NOT] EXISTS``, ``TEMP``/``TEMPORARY``, ``UNLOGGED``, ``ONLY``...). So
  ``DROP TABLE`` matches ``drop table if exists public.t``, ``CREATE INDEX`` matches
  ``CREATE UNIQUE INDEX CONCURRENTLY ...`` and ``CREATE FUNCTION`` matches
  ``CREATE OR REPLACE FUNCTION ...``. ``ALTER TABLE`` matches every ALTER TABLE; to single
  out one subcommand use a ``pattern``.
- ``pattern`` is a Python regular expression searched (``re.search``, ignoring case) in
  the statement's text as written.
- Unknown keys, wrong types, bad timeouts and bad regexes are input errors (exit 2) that
  name the file (and the line, when the key can be found in it).

API (what other modules use)::

    from generator.config import load_config, Config, ManualRule

    cfg = load_config(root)             # root: project folder (holding supabase/) or None
    cfg = cfg.override(out_dir=flag_out_dir, lock_timeout=flag_lock_timeout)  # None = not given
    cfg.out_dir            # Path | None (None: the command's default, <root>/supabase/rollbacks)
    cfg.backup_schema      # str
    cfg.backup             # bool
    cfg.preflight          # bool (the rollback checks the database before changing it)
    cfg.assertions         # bool (the rollback checks its own result before COMMIT)
    cfg.lock_timeout       # str, a PostgreSQL duration such as "5s" or "1500ms"
    cfg.statement_timeout  # str, "0" = no limit
    cfg.manual             # tuple[ManualRule, ...]; rule(stmt) -> reason or None
    cfg.manual_reason(stmt)  # the reason of the first rule matching a parse.Statement, or None
    cfg.path               # the file that was read, or None

    folders = resolve_folders(project_dir, migrations_dir, out_dir)   # the CLI's --flags (None = not given)
    folders.root, folders.config, folders.migrations_dir, folders.out_dir

This module imports nothing heavy (no pglast, jinja2 or psycopg) so that ``check`` stays fast.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FILE = Path("supabase") / "rollback.toml"
DEFAULT_BACKUP_SCHEMA = "supabase_rollback_backup"  # same value as render.DEFAULT_BACKUP_SCHEMA
DEFAULT_LOCK_TIMEOUT = "5s"
DEFAULT_STATEMENT_TIMEOUT = "1min"

_TOP_KEYS = {
    "out_dir", "backup_schema", "backup", "preflight", "assertions", "lock_timeout", "statement_timeout", "manual",
}
_RULE_KEYS = {"kind", "pattern", "reason"}
_DURATION = re.compile(r"^\s*\d+(\.\d+)?\s*(us|ms|s|min|h|d)?\s*$")
_MODIFIERS = frozenset(
    {"OR", "REPLACE", "UNIQUE", "CONCURRENTLY", "IF", "NOT", "EXISTS", "TEMP", "TEMPORARY",
     "UNLOGGED", "GLOBAL", "LOCAL", "ONLY", "RECURSIVE", "TRUSTED", "PROCEDURAL", "DEFAULT"}
)
_LEADING_COMMENT = re.compile(r"^\s*(--[^\n]*(\n|$)|/\*.*?\*/)", re.S)
_WORD = re.compile(r"[A-Za-z_]+")


class ConfigError(Exception):
    """A bad configuration file (the CLI reports it as bad input, exit 2)."""


def statement_keywords(sql: str, limit: int = 8) -> tuple[str, ...]:
    """The first keywords of ``sql``, upper case, leading comments and modifiers skipped."""
    while True:
        m = _LEADING_COMMENT.match(sql)
        if not m:
            break
        sql = sql[m.end() :]
    words: list[str] = []
    for token in sql.split():
        w = _WORD.fullmatch(token.rstrip(";(").upper())
        if w is None:
            break
        if w.group(0) not in _MODIFIERS:
            words.append(w.group(0))
        if len(words) >= limit:
            break
    return tuple(words)


@dataclass(frozen=True)
class ManualRule:
    """One ``[[manual]]`` entry: statements matching ``kind`` or ``pattern`` become manual."""

    reason: str
    kind: tuple[str, ...] | None = None  # keywords, e.g. ("DROP", "TABLE")
    pattern: re.Pattern[str] | None = None
    label: str = ""  # how the rule is named in messages: "DROP TABLE" or "/regex/"

    def matches(self, sql: str) -> bool:
        if self.kind is not None and statement_keywords(sql)[: len(self.kind)] == self.kind:
            return True
        return self.pattern is not None and self.pattern.search(sql) is not None

    def __call__(self, stmt: Any) -> str | None:
        """The rule's reason if ``stmt`` (a parse.Statement, or its SQL text) matches it."""
        sql = stmt if isinstance(stmt, str) else stmt.sql
        return self.reason if self.matches(sql) else None


@dataclass(frozen=True)
class Config:
    path: Path | None = None  # the file read (None: no file, defaults)
    out_dir: Path | None = None
    backup_schema: str = DEFAULT_BACKUP_SCHEMA
    backup: bool = True
    preflight: bool = True
    assertions: bool = True
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT
    statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT
    manual: tuple[ManualRule, ...] = field(default_factory=tuple)

    def override(self, **flags: Any) -> Config:
        """A copy with the given command-line values; ``None`` means "flag not given".

        Timeouts given as flags are validated like the file's values.
        """
        given = {k: v for k, v in flags.items() if v is not None}
        for key in ("lock_timeout", "statement_timeout"):
            if key in given:
                given[key] = duration(given[key], f"--{key.replace('_', '-')}")
        if "backup_schema" in given:
            given["backup_schema"] = schema_name(given["backup_schema"], "--backup-schema")
        return replace(self, **given)

    def manual_reason(self, stmt: Any) -> str | None:
        """The reason of the first ``[[manual]]`` rule matching ``stmt``, or None."""
        for rule in self.manual:
            reason = rule(stmt)
            if reason:
                return reason
        return None


def duration(value: Any, where: str) -> str:
    """A PostgreSQL duration setting: an integer (milliseconds) or text such as "5s"."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"{where}: expected a duration such as \"5s\" or an integer of milliseconds, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ConfigError(f"{where}: a duration cannot be negative ({value})")
        return f"{value}ms" if value else "0"
    if not _DURATION.match(value):
        raise ConfigError(f"{where}: {value!r} is not a duration (a number with one of the units us, ms, s, min, h, d)")
    return "".join(value.split())


def schema_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or len(value.encode()) > 63:
        raise ConfigError(f"{where}: expected a schema name of 1 to 63 bytes, got {value!r}")
    return value


def _line_of(text: str, key: str) -> str:
    """``:<line>`` of the first line assigning ``key`` in ``text``, or ``""``."""
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*['\"]?{re.escape(key)}['\"]?\s*=", line) or line.strip() == f"[[{key}]]":
            return f":{i}"
    return ""


def _strings(value: Any, where: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(s, str) and s.strip() for s in items):
        raise ConfigError(f"{where}: expected a non-empty string or list of strings, got {value!r}")
    return items


def _rules(entries: Any, path: Path, text: str) -> tuple[ManualRule, ...]:
    where = f"{path}{_line_of(text, 'manual')}"
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{where}: `manual` must be a list of tables ([[manual]] entries)")
    rules: list[ManualRule] = []
    for n, entry in enumerate(entries, 1):
        at = f"{where}: [[manual]] entry {n}"
        unknown = sorted(set(entry) - _RULE_KEYS)
        if unknown:
            raise ConfigError(f"{at}: unknown key {unknown[0]!r} (known: kind, pattern, reason)")
        if "kind" not in entry and "pattern" not in entry:
            raise ConfigError(f"{at}: needs a `kind` or a `pattern`")
        reason = entry.get("reason")
        if reason is not None and (not isinstance(reason, str) or not reason.strip()):
            raise ConfigError(f"{at}: `reason` must be a non-empty string")
        for kind in _strings(entry["kind"], f"{at}: kind") if "kind" in entry else []:
            words = tuple(w for w in kind.upper().split() if w not in _MODIFIERS)
            if not words or not all(_WORD.fullmatch(w) for w in words):
                raise ConfigError(f"{at}: kind {kind!r} is not a statement kind such as \"DROP TABLE\"")
            label = " ".join(words)
            rules.append(
                ManualRule(
                    reason=reason or f"the team handles {label} statements by hand ({CONFIG_FILE.as_posix()})",
                    kind=words,
                    label=label,
                )
            )
        for pattern in _strings(entry["pattern"], f"{at}: pattern") if "pattern" in entry else []:
            try:
                compiled = re.compile(pattern, re.I)
            except re.error as exc:
                raise ConfigError(f"{at}: bad regular expression {pattern!r}: {exc}") from None
            rules.append(
                ManualRule(
                    reason=reason or f"the team handles statements matching /{pattern}/ by hand ({CONFIG_FILE.as_posix()})",
                    pattern=compiled,
                    label=f"/{pattern}/",
                )
            )
    return tuple(rules)


def parse_config(text: str, path: Path, root: Path | None = None) -> Config:
    """The configuration in ``text`` (read from ``path``); relative ``out_dir`` is taken
    from ``root`` (the project folder), else from the folder above ``path``'s folder."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        key = unknown[0]
        raise ConfigError(
            f"{path}{_line_of(text, key)}: unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})"
        )
    base = root if root is not None else path.parent.parent
    cfg = Config(path=path)
    values: dict[str, Any] = {}
    if "out_dir" in data:
        out = data["out_dir"]
        if not isinstance(out, str) or not out.strip():
            raise ConfigError(f"{path}{_line_of(text, 'out_dir')}: out_dir must be a folder path (text)")
        values["out_dir"] = base / Path(out).expanduser()
    if "backup_schema" in data:
        values["backup_schema"] = schema_name(data["backup_schema"], f"{path}{_line_of(text, 'backup_schema')}")
    for key in ("backup", "preflight", "assertions"):
        if key in data:
            if not isinstance(data[key], bool):
                raise ConfigError(f"{path}{_line_of(text, key)}: {key} must be true or false")
            values[key] = data[key]
    for key in ("lock_timeout", "statement_timeout"):
        if key in data:
            values[key] = duration(data[key], f"{path}{_line_of(text, key)}: {key}")
    if "manual" in data:
        values["manual"] = _rules(data["manual"], path, text)
    return replace(cfg, **values)


@dataclass(frozen=True)
class Folders:
    """Where a command reads and writes, after flags, the configuration and defaults."""

    root: Path | None  # the project folder (None: none found, only --migrations-dir given)
    config: Config
    migrations_dir: Path
    out_dir: Path


def resolve_folders(project_dir: Path | None, migrations_dir: Path | None, out_dir: Path | None) -> Folders:
    """The project, its configuration and the folders, the way every command finds them.

    - root: ``--project-dir``, else the nearest project from the working directory up; no
      project is only fine when ``--migrations-dir`` is given.
    - migrations: ``--migrations-dir``, else ``<root>/supabase/migrations``.
    - output: ``--out-dir``, else ``out_dir`` of supabase/rollback.toml, else
      ``<root>/supabase/rollbacks`` (without a project: ``rollbacks`` beside the migrations).

    Paths are shown relative to the working directory when they lie under it. Raises
    parse.InputError (no project) or ConfigError (bad configuration file): both exit 2.
    """
    from .parse import InputError
    from .project import display_path, project_root

    root: Path | None = None
    try:
        root = project_root(project_dir)
    except InputError:
        if migrations_dir is None or project_dir is not None:
            raise
    cfg = load_config(root)
    if migrations_dir is None:
        assert root is not None
        migrations_dir = root / "supabase" / "migrations"
    if out_dir is None:
        if cfg.out_dir is not None:
            out_dir = cfg.out_dir
        else:
            out_dir = root / "supabase" / "rollbacks" if root is not None else migrations_dir.parent / "rollbacks"
    return Folders(root, cfg, display_path(migrations_dir), display_path(out_dir))


def load_config(root: Path | None) -> Config:
    """``<root>/supabase/rollback.toml`` if it exists, else the defaults (also for root None)."""
    if root is None:
        return Config()
    path = root / CONFIG_FILE
    if not path.is_file():
        return Config()
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, path, root)
