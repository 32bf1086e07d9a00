"""``supabase-rollback status``: the project's rollbacks at a glance.

One row per migration, newest first, like the index (generator/index.py): version, name,
what it depends on, how reversible it is, its risk, and the state of its rollback file:

- ``ok``: the file is what ``generate`` writes now;
- ``missing`` / ``stale`` / ``edited by hand``: as ``check`` decides it (the same code:
  ``commands.check.run_check``);
- plus ``N manual`` when MANUAL STEPs are still unresolved in it.

With ``--db-url`` it also says which versions are applied according to
``supabase_migrations.schema_migrations`` (and lists applied versions that have no
migration file). It only reads: nothing is written, on disk or in the database.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click

from .options import migrations_dir_option, project_dir_option
from ..config import ConfigError, Folders, resolve_folders

EXIT_ACTION = 1
EXIT_INPUT = 2


@dataclass
class Entry:
    version: str
    name: str
    depends_on: list[str]
    reversible: str
    risk: str
    rollback: str  # "ok" | "missing" | "stale" | "edited by hand" | "not a file" (a folder or link)
    unresolved_manual: int
    files: list[str] = field(default_factory=list)
    applied: bool | None = None  # None: no database given


@dataclass
class Status:
    entries: list[Entry]
    index: str  # "ok" | "missing" | "stale" | "edited by hand" | "not written"
    applied_unknown: list[str] = field(default_factory=list)  # in the database, no file
    database: str | None = None
    broken: list[str] = field(default_factory=list)  # errors of the migrations that are not valid SQL


def project_rollbacks(folders: Folders, warn=None) -> tuple[list, list]:
    """(migrations, their rollbacks) of the whole migrations folder, as generate computes them."""
    from ..engine import generate
    from ..project import list_migrations

    cfg = folders.config
    migrations = list_migrations(folders.migrations_dir, warn=warn)
    return migrations, generate(migrations, None, cfg.manual_reason if cfg.manual else None)


def _index_state(folders: Folders, rollbacks: list) -> str:
    from ..index import INDEX_NAME, render_index
    from ..render import is_hand_edited

    if folders.out_dir.resolve() == folders.migrations_dir.resolve():
        return "not written"
    path = folders.out_dir / INDEX_NAME
    if not path.is_file():
        return "missing"
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError):
        return "edited by hand"
    if text == render_index(rollbacks):
        return "ok"
    return "edited by hand" if is_hand_edited(text) else "stale"


def applied_versions(db_url: str, root: Path | None) -> tuple[set[str] | None, str]:
    """Versions in ``supabase_migrations.schema_migrations`` (None: the table does not
    exist) and the URL as shown (no password)."""
    import psycopg

    from .down import target

    t = target(db_url, False, root)
    try:
        with psycopg.connect(t.conninfo, connect_timeout=10, autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('supabase_migrations.schema_migrations')").fetchone()[0] is None:
                return None, t.shown
            rows = conn.execute("SELECT version FROM supabase_migrations.schema_migrations").fetchall()
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot read the migration history of {t.shown}: {t.scrub(str(exc)).strip()}") from None
    return {r[0] for r in rows}, t.shown


class DatabaseError(Exception):
    """The database cannot be reached or read (exit 1)."""


def collect(folders: Folders, db_url: str | None = None, warn=None) -> Status:
    """Everything ``status`` shows, without printing."""
    from ..index import rows
    from .check import run_check

    migrations, rollbacks = project_rollbacks(folders, warn)
    report = run_check(folders, use_cache=True, warn=None)
    findings: dict[str, list] = {}
    for f in report.findings:
        findings.setdefault(f.version, []).append(f)
    entries = []
    for r in rows(rollbacks):
        kinds = [f.kind for f in findings.get(r.version, [])]
        state = next((label for kind, label in (("invalid", "not a file"), ("missing", "missing"), ("edited", "edited by hand"), ("stale", "stale"))
                      if kind in kinds), "ok")
        if r.broken:
            state = "none: error in the file"
        elif "duplicate" in kinds:
            state += ", version shared"
        entries.append(Entry(
            version=r.version, name=r.name, depends_on=r.depends_on, reversible=r.reversible, risk=r.risk,
            rollback=state, unresolved_manual=kinds.count("manual"), files=[r.sql_name, r.md_name],
        ))
    status = Status(entries, _index_state(folders, rollbacks))
    status.broken = [rb.broken for rb in rollbacks if rb.broken]
    if db_url:
        applied, shown = applied_versions(db_url, folders.root)
        status.database = shown
        for e in entries:
            e.applied = applied is not None and e.version in applied
        known = {m.version for m in migrations}
        status.applied_unknown = sorted((applied or set()) - known, reverse=True)
    return status


def _table(status: Status) -> str:
    header = ["VERSION", "NAME", "RISK", "REVERSIBLE", "ROLLBACK", "DEPENDS ON"]
    if status.database is not None:
        header.insert(2, "APPLIED")
    lines = []
    for e in status.entries:
        state = e.rollback + (f", {e.unresolved_manual} manual unresolved" if e.unresolved_manual else "")
        row = [e.version, e.name, e.risk, e.reversible, state, ", ".join(e.depends_on) or "-"]
        if status.database is not None:
            row.insert(2, "yes" if e.applied else "no")
        lines.append(row)
    for v in status.applied_unknown:
        row = [v, "(no migration file)", "-", "-", "-", "-"]
        row.insert(2, "yes")
        lines.append(row)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header).rstrip()] + [fmt.format(*row).rstrip() for row in lines]
    return "\n".join(out)


@click.command()
@click.option("--db-url", envvar="SUPABASE_ROLLBACK_DB_URL", metavar="URL",
              help="Also show which versions this database has applied (supabase_migrations.schema_migrations). "
                   "Default: $SUPABASE_ROLLBACK_DB_URL.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="A table for people, or JSON for scripts.")
@project_dir_option
@migrations_dir_option
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the rollback files. Default: out_dir of supabase/rollback.toml, else <project>/supabase/rollbacks.")
def status(db_url: str | None, fmt: str, project_dir: Path | None, migrations_dir: Path | None, out_dir: Path | None) -> None:
    """Show every migration's rollback: risk, reversibility, file state.

    Newest first (the order rollbacks run in). ROLLBACK is ok, missing,
    stale (generate would now write something else) or edited by hand, plus
    the MANUAL STEPs still unresolved in the file; `check` uses the same
    rules. With --db-url, APPLIED says which versions the database's
    supabase_migrations.schema_migrations holds. Reads only.

    \b
    Examples:
      supabase-rollback status
      supabase-rollback status --db-url "$DATABASE_URL"
      supabase-rollback status --format json | jq '.migrations[] | select(.risk == "HIGH")'

    \b
    Exit status: 0 shown; 1 the database cannot be read; 2 bad input
    (SQL syntax error, bad option, no project).
    """
    from ..parse import InputError

    try:
        folders = resolve_folders(project_dir, migrations_dir, out_dir)
        st = collect(folders, db_url, warn=lambda m: click.echo(f"warning: {m}", err=True))
    except (InputError, ConfigError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    except DatabaseError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ACTION)
    if fmt == "json":
        data = {
            "migrations": [asdict(e) for e in st.entries],
            "index": st.index,
            "database": st.database,
            "applied_without_file": st.applied_unknown,
        }
        click.echo(json.dumps(data, indent=2))
        _exit_if_broken(st)
        return
    if not st.entries:
        click.echo(f"No migrations in {folders.migrations_dir}.")
        return
    click.echo(_table(st))
    problems = sum(1 for e in st.entries if e.rollback != "ok" or e.unresolved_manual)
    summary = f"{len(st.entries)} migration{'s' if len(st.entries) != 1 else ''} in {folders.migrations_dir}"
    summary += f"; {problems} need{'s' if problems == 1 else ''} attention (see `supabase-rollback check`)" if problems else "; rollbacks up to date"
    if st.index not in ("ok", "not written"):
        summary += f"; index {folders.out_dir / 'README.md'} {st.index}"
    if st.database is not None:
        applied = sum(1 for e in st.entries if e.applied)
        summary += f"; {applied} applied on {st.database}"
    click.echo(summary)
    _exit_if_broken(st)


def _exit_if_broken(st: Status) -> None:
    """The table is shown; a migration that is not valid SQL is still bad input (exit 2)."""
    if st.broken:
        click.echo("error: " + "\nerror: ".join(st.broken), err=True)
        sys.exit(EXIT_INPUT)
