"""``supabase-rollback down``: run the rollbacks of the newest applied migrations.

Rules implemented here (the executor itself is generator/apply.py):

- The applied versions come from ``supabase_migrations.schema_migrations``. ``--last N``
  plans the N newest, ``--to VERSION`` every one newer than VERSION (which must be
  applied; ``--to base`` means all), newest first, like ``alembic downgrade -1 / <rev> /
  base``.
- Before anything is touched, every planned rollback is checked: its migration file and
  rollback file exist, the rollback file is what ``generate`` would write now (else it is
  stale), it was not edited by hand (unless ``--force``; an edited file must still name
  the migration's current sha256), it has no unresolved MANUAL STEP, and none of its
  backup tables exists already. Any problem: all are listed, nothing runs, exit 1.
- The plan (versions, names, risk, hazards) is shown and confirmed: interactively with a
  prompt, otherwise only with ``--yes``. ``--dry-run`` prints the exact SQL and stops.
- Passwords never appear in output: URLs are shown with ``***`` and every message is
  scrubbed of the password.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, unquote

import click

from .options import migrations_dir_option, project_dir_option
import psycopg

from .. import apply
from ..config import ConfigError, Folders, resolve_folders
from ..parse import InputError, Migration
from ..project import display_path, list_migrations, not_a_file
from ..render import is_hand_edited, rollback_file_name
from .check import cache_path, expected_files
from ..sqltext import qname

EXIT_ACTION = 1
EXIT_INPUT = 2
ENV_DB_URL = "SUPABASE_ROLLBACK_DB_URL"
LOCAL_PORT = 54322

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class Refusal(Exception):
    """The user must act (exit 1); the message says what to do."""


# -- connection strings ----------------------------------------------------------------------


@dataclass
class Target:
    conninfo: str
    secrets: list[str] = field(default_factory=list)

    def scrub(self, text: str) -> str:
        """``text`` with every form of the password replaced by ``***``."""
        for s in self.secrets:
            for form in sorted({s, quote(s, safe=""), quote(s)}, key=len, reverse=True):
                if len(form) >= 3:  # shorter "passwords" would blank out ordinary words
                    text = text.replace(form, "***")
        return text

    @property
    def shown(self) -> str:
        """``postgresql://user:***@host:port/db`` (never the password)."""
        try:
            p = psycopg.conninfo.conninfo_to_dict(self.conninfo)
        except psycopg.Error:
            return self.scrub(self.conninfo)
        user = p.get("user", "")
        auth = f"{user}{':***' if p.get('password') else ''}@" if user or p.get("password") else ""
        host = p.get("host", "")
        port = f":{p['port']}" if p.get("port") else ""
        db = p.get("dbname", "")
        if host.startswith("/"):  # a unix socket directory
            return f"postgresql://{auth}{port}/{db}?host={host}"
        return f"postgresql://{auth}{host}{port}/{db}"


def target(db_url: str | None, local: bool, root: Path | None) -> Target:
    if db_url and local:
        raise InputError("give either --db-url (or $SUPABASE_ROLLBACK_DB_URL) or --local, not both")
    if local:
        port = local_port(root)
        # The stack's well-known default password: hidden in URLs, but not scrubbed from
        # messages (it is also the user and database name).
        return Target(f"postgresql://postgres:postgres@127.0.0.1:{port}/postgres")
    if not db_url:
        raise InputError(f"which database? give --db-url URL, set ${ENV_DB_URL}, or --local for the local stack")
    try:
        password = psycopg.conninfo.conninfo_to_dict(db_url).get("password")
    except psycopg.Error as exc:
        # Unparsable: hide whatever sits where a URL's password would be.
        guess = [unquote(m.group(1)) for m in re.finditer(r"://[^:/@\s]*:([^@\s]*)@", db_url)]
        raise InputError(f"bad --db-url: {Target(db_url, guess).scrub(str(exc))}") from None
    return Target(db_url, [password] if password else [])


def local_port(root: Path | None) -> int:
    """``[db] port`` of supabase/config.toml (the local stack's database), default 54322."""
    if root is None:
        return LOCAL_PORT
    path = root / "supabase" / "config.toml"
    if not path.is_file():
        return LOCAL_PORT
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    port = data.get("db", {}).get("port", LOCAL_PORT)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise InputError(f"{path}: [db] port must be a port number, got {port!r}")
    return port


# -- the plan -------------------------------------------------------------------------------


@dataclass
class Item:
    version: str
    migration: Migration | None = None
    path: Path | None = None  # the rollback file
    rf: apply.RollbackFile | None = None
    done: frozenset[int] = frozenset()  # parts finished by an earlier run
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.migration.name if self.migration else "?"


def applied_versions(conn: psycopg.Connection) -> list[str]:
    """Applied versions, oldest first (text order, like the Supabase CLI)."""
    if not conn.execute("SELECT to_regclass(%s) IS NOT NULL", (apply.HISTORY_TABLE,)).fetchone()[0]:
        raise Refusal(f"this database has no {apply.HISTORY_TABLE} table: no migration was applied "
                      "with the Supabase CLI, so there is nothing to roll back")
    return sorted(r[0] for r in conn.execute(f"SELECT version FROM {apply.HISTORY_TABLE}").fetchall())


def select(applied: list[str], last: int | None, to: str | None) -> list[str]:
    """The versions to roll back, newest first."""
    if last is not None:
        if last > len(applied):
            raise InputError(f"--last {last}: only {len(applied)} migration{'s are' if len(applied) != 1 else ' is'} applied")
        return applied[::-1][:last]
    assert to is not None
    if to == "base":
        return applied[::-1]
    if to not in applied:
        newest = ", ".join(applied[-5:]) or "none"
        raise InputError(f"--to {to}: not an applied version (newest applied: {newest}); or --to base for all")
    return [v for v in applied[::-1] if v > to]


_SOURCE_SHA = re.compile(r"^-- Source sha256: ([0-9a-f]{64})$", re.M)


def expected_sha(migrations: list[Migration], versions: set[str], folders: Folders) -> dict[str, str]:
    """sha256 of the rollback SQL that ``generate`` would write now, per version (the
    computation and cache of ``check``; newer migrations are not replayed)."""
    if not versions:
        return {}
    last = max(i for i, m in enumerate(migrations) if m.version in versions)
    upto = migrations[: last + 1]
    project = folders.root if folders.root is not None else folders.migrations_dir
    expected, _ = expected_files(upto, folders.config, folders.migrations_dir, cache_path(project))
    for m, e in zip(upto, expected):
        if e.broken and m.version in versions:  # not valid SQL: bad input, as for generate
            raise InputError(e.broken)
    return {m.version: e.sql_sha for m, e in zip(upto, expected)}


def check_files(items: list[Item], migrations: list[Migration], folders: Folders, force: bool) -> None:
    """Fill each item's migration, rollback file and file problems."""
    rollbacks_dir = folders.out_dir
    by_version = {m.version: m for m in migrations}
    shared = {m.version: m for m in migrations if m.shares_version}
    for it in items:
        it.migration = by_version.get(it.version)
        if it.version in shared:
            names = " and ".join([shared[it.version].path.name, *shared[it.version].shares_version])
            it.problems.append(
                f"version {it.version} belongs to {names}: the history row does not say for certain which of them "
                "this database ran, so down will not guess; rename one of them to a new version (see "
                "`supabase-rollback check`), or run the right rollback file yourself with psql")
            it.migration = None
            continue
        if it.migration is None:
            it.problems.append(f"no migration file for applied version {it.version} in the migrations folder, "
                               "so its rollback cannot be found or checked")
            continue
        path = rollbacks_dir / rollback_file_name(it.migration)
        it.path = display_path(path.parent) / path.name  # (display_path resolves links)
        problem = not_a_file(it.path, follow=False)
        if problem:
            it.problems.append(f"{it.path}: {problem}; down runs only the file generate writes: remove it, "
                               f"then run `supabase-rollback generate {it.version}` and review the file")
            it.path = None
            continue
        if not it.path.is_file():
            it.problems.append(f"{it.path}: missing; write it with `supabase-rollback generate {it.version}` "
                               "and review it first")
            it.path = None
    current = expected_sha(migrations, {it.version for it in items if it.path}, folders)
    for it in items:
        if it.path is None:
            continue
        try:
            it.rf = apply.read_rollback_file(it.path)
        except InputError as exc:
            it.problems.append(str(exc))
            continue
        text = it.rf.text
        if is_hand_edited(text):
            if not force:
                it.problems.append(f"{it.path}: edited by hand since it was generated; review it, then run with --force")
            m = _SOURCE_SHA.search(text)
            if m is None or m.group(1) != it.migration.sha256:
                it.problems.append(f"{it.path}: stale: it was written for a different version of "
                                   f"{it.migration.path.name} (its `-- Source sha256:` line does not match the file)")
        elif hashlib.sha256(text.encode()).hexdigest() != current.get(it.version):
            it.problems.append(f"{it.path}: stale: `supabase-rollback generate` would write something else now "
                               "(this migration, an earlier one or the generator changed); regenerate it with "
                               f"`supabase-rollback generate {it.version}`, review the change, then run down again")
        for m in it.rf.unresolved_manual_steps():
            it.problems.append(f"{it.path}: {m}; resolve it in the file (see its markdown document), then use --force")


def check_database(conn: psycopg.Connection, items: list[Item], settings: apply.Settings) -> None:
    """Earlier partial runs and leftover backup tables."""
    for it in items:
        if it.rf is None:
            continue
        recorded = apply.finished_parts(conn, it.version, settings)
        if recorded:
            if any(sha != it.rf.sha256 for sha in recorded.values()):
                parts = ", ".join(str(n) for n in sorted(recorded))
                it.problems.append(
                    f"an earlier run finished part(s) {parts} of {it.path} when the file was different; finish "
                    f"that rollback with the file as it was then, or by hand, and delete its rows from "
                    f"{settings.backup_schema}.{apply.PROGRESS_TABLE}"
                )
                continue
            it.done = frozenset(recorded)
        pending = [(schema, name) for n, schema, name in it.rf.backups() if n not in it.done]
        present = set(apply.existing_tables(conn, [qname(s, n) for s, n in pending]))
        for schema, name in pending:
            if qname(schema, name) in present:
                it.problems.append(f"{it.version}: " + apply.backup_exists_message(schema, name))


# -- output ---------------------------------------------------------------------------------


def show_plan(items: list[Item], tgt: Target, settings: apply.Settings, remaining: str) -> None:
    n = len(items)
    click.echo(f"Database: {tgt.shown}")
    click.echo(f"Roll back {n} migration{'s' if n != 1 else ''}, newest first; afterwards the newest applied is {remaining}:")
    for it in items:
        assert it.rf is not None
        parts = len(it.rf.parts)
        extra = f", {parts} parts" if parts > 1 else ""
        if it.done:
            extra += f", resuming after part {max(it.done)}"
        click.echo(f"  {it.version}  {it.name:<36}  risk {it.rf.risk:<6}  {it.path}{extra}")
        for h in it.rf.hazards():
            click.echo(f"      {h}")
    st = settings.statement_timeout
    click.echo(f"Each rollback runs in its own transaction with lock_timeout {settings.lock_timeout}, "
               f"statement_timeout {st}{' (no limit)' if st == '0' else ''}.")


def interactive() -> bool:
    """Can we ask? (stdin is a terminal)"""
    return sys.stdin.isatty()


def _continue_hint(last: int | None, to: str | None, left: int) -> str:
    again = f"--to {to}" if to is not None else f"--last {left}"
    return f"To continue: fix the cause, then run `supabase-rollback down {again}` again."


# -- the command ----------------------------------------------------------------------------


@click.command("down")
@click.option("--last", type=click.IntRange(min=1), metavar="N", help="Roll back the N newest applied migrations.")
@click.option("--to", "to", metavar="VERSION",
              help="Roll back every applied migration newer than VERSION (which stays applied); `base`: all.")
@click.option("--db-url", envvar=ENV_DB_URL, metavar="URL",
              help=f"Database to roll back (postgresql://...). Default: ${ENV_DB_URL}.")
@click.option("--local", is_flag=True,
              help="The local Supabase stack: postgres:postgres@127.0.0.1, port from supabase/config.toml ([db] port).")
@click.option("--dry-run", is_flag=True, help="Print the exact SQL that would run; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (needed when not interactive).")
@click.option("--force", is_flag=True, help="Run rollback files edited by hand (for instance to resolve a MANUAL STEP).")
@click.option("--lock-timeout", metavar="DURATION",
              help="Give up on a lock after this long (PostgreSQL units: 500ms, 3s). Default: config, else 5s.")
@click.option("--statement-timeout", metavar="DURATION",
              help="Cancel a statement running longer than this; 0: no limit. Default: config, else 0.")
@project_dir_option
@migrations_dir_option
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the rollback files (as for generate). Default: config, else <project>/supabase/rollbacks.")
def down(last: int | None, to: str | None, db_url: str | None, local: bool, dry_run: bool, yes: bool, force: bool,
         lock_timeout: str | None, statement_timeout: str | None, project_dir: Path | None,
         migrations_dir: Path | None, out_dir: Path | None) -> None:
    """Roll back the newest applied migrations of a database, newest first.

    Reads supabase_migrations.schema_migrations, checks every planned rollback
    file (present, up to date, not edited unless --force, no unresolved MANUAL
    STEP), shows the plan and asks for confirmation, then runs each file in its
    own transaction(s) with lock_timeout/statement_timeout, removing the
    migration's history row in the same transaction. It stops at the first
    failure; that migration is left fully applied.

    \b
    Examples:
      # the newest migration, on the local stack (supabase start)
      supabase-rollback down --last 1 --local
      # everything after 20250914000000, on a remote database
      supabase-rollback down --to 20250914000000 --db-url "$DATABASE_URL"
      # see the exact SQL first
      supabase-rollback down --last 2 --local --dry-run
      # in CI / scripts (no prompt)
      SUPABASE_ROLLBACK_DB_URL=postgresql://... supabase-rollback down --last 1 --yes --lock-timeout 2s

    \b
    Exit status: 0 done (or nothing to do); 1 refused, not confirmed, or a
    rollback failed (the message says what to do); 2 bad input.
    """
    tgt: Target | None = None
    try:
        if (last is None) == (to is None):
            raise InputError("say how far: --last N or --to VERSION (one of them)")
        folders = resolve_folders(project_dir, migrations_dir, out_dir)
        folders = replace(folders, config=folders.config.override(
            lock_timeout=lock_timeout, statement_timeout=statement_timeout))
        tgt = target(db_url, local, folders.root)
        _down(tgt, folders, last, to, dry_run, yes, force)
    except (InputError, ConfigError) as exc:
        click.echo(f"error: {tgt.scrub(str(exc)) if tgt else exc}", err=True)
        sys.exit(EXIT_INPUT)
    except Refusal as exc:
        click.echo(tgt.scrub(str(exc)) if tgt else str(exc), err=True)
        sys.exit(EXIT_ACTION)


def _down(tgt: Target, folders: Folders, last: int | None, to: str | None, dry_run: bool, yes: bool,
          force: bool) -> None:
    cfg = folders.config
    settings = apply.Settings(cfg.lock_timeout, cfg.statement_timeout, cfg.backup_schema)
    migrations = list_migrations(folders.migrations_dir, warn=lambda m: click.echo(f"warning: {m}", err=True))
    connect = apply.connector(tgt.conninfo)
    try:
        with connect() as conn:
            applied = applied_versions(conn)
            versions = select(applied, last, to)
            if not versions:
                click.echo(f"Nothing to roll back on {tgt.shown}.")
                return
            items = [Item(v) for v in versions]
            check_files(items, migrations, folders, force)
            check_database(conn, items, settings)
    except psycopg.Error as exc:
        raise Refusal(f"cannot read the migration history of {tgt.shown}: {apply.pg_message(exc)}") from None

    problems = [p for it in items for p in it.problems]
    if problems:
        lines = [f"Refusing to roll back: {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was changed."]
        lines += [f"- {p}" for p in problems]
        raise Refusal("\n".join(lines))

    left = applied[: len(applied) - len(items)]
    show_plan(items, tgt, settings, left[-1] if left else "none")
    if dry_run:
        click.echo("\n-- Dry run: the SQL that would run, in order. Nothing was changed.")
        for i, it in enumerate(items, 1):
            click.echo(f"\n-- [{i}/{len(items)}] {it.version} {it.name}: {it.path}")
            click.echo(apply.dry_run_sql(it.rf, it.version, settings, it.done), nl=False)
        return
    if not yes:
        if not interactive():
            raise Refusal("Not an interactive session: pass --yes to confirm the plan above. Nothing was changed.")
        if not click.confirm(f"Roll back {len(items)} migration(s) on {tgt.shown}?", default=False):
            raise Refusal("Not confirmed; nothing was changed.")

    started = time.monotonic()
    for i, it in enumerate(items, 1):
        click.echo(f"[{i}/{len(items)}] {it.version} {it.name} ... ", nl=False)
        t0 = time.monotonic()
        try:
            backups = apply.run(connect, it.rf, it.version, settings, it.done)
        except apply.Failure as f:
            click.echo("FAILED")
            done = [x.version for x in items[: i - 1]]
            lines = [f"error: rolling back {it.version} ({it.path}) failed"]
            if f.where():
                lines.append(f"  at {f.where()}")
            lines += [f"  {ln}" for ln in f.what.split("\n")]
            lines.append(f"  {f.state()}")
            summary = f"Rolled back {len(done)} of {len(items)} migrations"
            summary += f" ({', '.join(done)})" if done else ""
            lines.append(f"{summary}; stopped at {it.version}.")
            lines.append(_continue_hint(last, to, len(items) - len(done)))
            raise Refusal("\n".join(lines)) from None
        note = f"; backups: {', '.join(backups)}" if backups else ""
        click.echo(f"rolled back in {time.monotonic() - t0:.2f}s{note}")
    n = len(items)
    click.echo(f"Rolled back {n} migration{'s' if n != 1 else ''} in {time.monotonic() - started:.2f}s; "
               f"the newest applied migration is now {left[-1] if left else 'none'}.")
