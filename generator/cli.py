"""The ``supabase-rollback`` command line.

Exit codes: 0 success; 1 a problem the user must act on (a rollback file edited by hand,
a file that cannot be written); 2 bad input (SQL syntax error, unknown migration, bad
option). Expected errors print one message on stderr, never a traceback. A problem in one
migration's text costs only that migration: the others are handled first.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .commands.options import migrations_dir_option, project_dir_option
from . import __version__
from .config import Config, ConfigError, resolve_folders
from .parse import InputError, Migration
from .project import display_path, list_migrations, not_a_file, read_migration

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from .engine import Rollback
    from .resume import Resume

# The engine, the renderer (jinja2) and the commands' modules (psycopg...) are imported
# only by the code that needs them, so that a fast command such as `check` starts fast.

EXIT_ACTION = 1
EXIT_INPUT = 2


class Problem(Exception):
    """Something the user must act on (exit 1)."""


class LazyGroup(click.Group):
    """A click group whose commands can be registered by import path: the module is
    imported when the command runs or ``--help`` lists it, not when the CLI starts."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}

    def add_lazy_command(self, name: str, target: str) -> None:
        """Register ``target`` (``"package.module:attribute"``) as the command ``name``."""
        self.lazy[name] = target

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attr = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="supabase-rollback")
def cli() -> None:
    """Generate rollbacks for Supabase migrations, from their history.

    For each supabase/migrations/<version>_<name>.sql it writes
    rollback_<version>_<name>.sql (the SQL that undoes it, with a data backup
    first) and rollback_<version>_<name>.md (what the rollback does and what
    data it can lose).

    \b
    Examples:
      supabase-rollback generate
      supabase-rollback generate 20250914000000 --stdout | less
      supabase-rollback generate --help
    """


@cli.command()
@click.argument("migration", nargs=-1, metavar="[MIGRATION]...")
@project_dir_option
@migrations_dir_option
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the rollback files. Default: <project>/supabase/rollbacks.",
)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the SQL of exactly one rollback; write no file.")
@click.option("--force", is_flag=True, help="Overwrite rollback files even if they were edited by hand.")
@click.option("--no-backup", is_flag=True, help="Do not copy the data that steps drop into a backup schema first.")
@click.option(
    "--backup-schema",
    metavar="NAME",
    help="Schema the backups go to. Default: backup_schema of supabase/rollback.toml, else supabase_rollback_backup.",
)
@click.option("--no-preflight", is_flag=True,
              help="Leave out the pre-flight checks that stop the rollback when the database drifted from what the migration left.")
@click.option("--no-assertions", is_flag=True,
              help="Leave out the post-rollback assertions that roll the transaction back when an object is not gone or back.")
@click.option("--no-cache", is_flag=True,
              help="Replay the whole history; do not read or write the cache (~/.cache/supabase-rollback/).")
def generate(
    migration: tuple[str, ...],
    project_dir: Path | None,
    migrations_dir: Path | None,
    out_dir: Path | None,
    to_stdout: bool,
    force: bool,
    no_backup: bool,
    backup_schema: str | None,
    no_preflight: bool = False,
    no_assertions: bool = False,
    no_cache: bool = False,
) -> None:
    """Write the rollback of each MIGRATION (default: every migration).

    A MIGRATION is a version (20250914000000), a file name or stem of the
    migrations folder, or the path of a .sql file. Its rollback is computed
    from every earlier migration of the migrations folder (for a file outside
    that folder: every migration with a smaller version).

    Files are only rewritten when their content changes. A rollback file
    edited by hand (for instance to resolve a MANUAL STEP) is never
    overwritten without --force: the run then stops and writes nothing.

    A run after adding or editing the newest migration replays only that one:
    the catalog after the newest migrations and a hash of what was written for
    every migration are kept in ~/.cache/supabase-rollback/ (one file per
    project, shared with check). The output is the same as with --no-cache.

    Defaults for the output folder, the backup schema, backups on/off and
    statements to leave to a person come from supabase/rollback.toml when
    it exists; flags override it.

    \b
    Examples:
      # every migration, into supabase/rollbacks/
      supabase-rollback generate
      # one migration, from anywhere inside the project
      supabase-rollback generate 20250914000000
      # review the SQL without writing anything
      supabase-rollback generate 20250914000000 --stdout
      # keep rollbacks beside the migrations (they are not read as migrations)
      supabase-rollback generate --out-dir supabase/migrations
      # a migration that is not in the folder yet
      supabase-rollback generate ~/drafts/20250920000000_add_tags.sql --stdout
      # you know why the database differs from what the migration left
      supabase-rollback generate 20250914000000 --no-preflight

    The output folder also gets README.md, the index of every rollback
    (newest first, with dependencies, reversibility and risk).

    \b
    A migration that is not valid SQL (or not UTF-8) gets no rollback; the
    others are still written, those after it distrusting what it may have
    touched. Two migrations with the same version both get rollbacks (a
    warning: the Supabase CLI applies only the first; `check` fails on it).

    \b
    Exit status: 0 done; 1 a file edited by hand (use --force) or not writable
    (nothing is written); 2 bad input (unknown migration, bad option; a
    migration with an error: the other rollbacks are written first).
    """
    try:
        _generate(
            migration, project_dir, migrations_dir, out_dir, to_stdout, force, False if no_backup else None, backup_schema,
            preflight=False if no_preflight else None, assertions=False if no_assertions else None,
            use_cache=not no_cache,
        )
    except (InputError, ConfigError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    except Problem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_ACTION)


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def _note(message: str) -> None:
    click.echo(f"note: {message}", err=True)


def _folders(project_dir: Path | None, migrations_dir: Path | None, out_dir: Path | None) -> tuple[Path, Path]:
    """The migrations and output folders (flags, then supabase/rollback.toml, then defaults)."""
    folders = resolve_folders(project_dir, migrations_dir, out_dir)
    return folders.migrations_dir, folders.out_dir


def _select(args: tuple[str, ...], migrations: list[Migration], migrations_dir: Path) -> list[tuple[Migration, list[Migration]]]:
    """Each requested migration with its history (the migrations replayed before it, then it)."""
    if not args:
        return [(m, migrations[: i + 1]) for i, m in enumerate(migrations)]
    by_path: dict[Path, int] = {}  # (made when a path is given: resolving a thousand paths takes 0.1 s)
    chosen: dict[object, tuple[Migration, list[Migration]]] = {}
    for arg in args:
        path = Path(arg)
        if path.is_file():
            by_path = by_path or {m.path.resolve(): i for i, m in enumerate(migrations)}
            i = by_path.get(path.resolve())
            if i is None:
                target = read_migration(display_path(path))
                history = [m for m in migrations if m.version < target.version] + [target]
                chosen[path.resolve()] = (target, history)
                continue
        else:
            name = path.name
            matches = [i for i, m in enumerate(migrations) if arg in (m.version, m.stem, m.path.name) or name == m.path.name]
            if not matches:
                raise InputError(f"{arg}: no such migration in {migrations_dir} (give a version, a file name or a path)")
            for i in matches[1:]:  # a version shared by several files: all of them
                chosen[migrations[i].path.resolve()] = (migrations[i], migrations[: i + 1])
            i = matches[0]
        m = migrations[i]
        chosen[m.path.resolve()] = (m, migrations[: i + 1])
    return sorted(chosen.values(), key=lambda t: (t[0].version, t[0].path.name))


def _rollbacks(
    selected: list[tuple[Migration, list[Migration]]], migrations: list[Migration], manual_rule=None
) -> list[Rollback]:
    """Generate every selected rollback, in version order.

    Migrations of the folder share one replay (up to the last one selected); a file from
    outside the folder gets its own replay of the earlier migrations. ``manual_rule`` is
    the configuration's ``Config.manual_reason`` (statements the team undoes by hand).
    """
    out = list(_iter_rollbacks(selected, migrations, manual_rule))
    return sorted(out, key=lambda rb: (rb.migration.version, rb.migration.path.name))


def _iter_rollbacks(
    selected: list[tuple[Migration, list[Migration]]], migrations: list[Migration], manual_rule=None,
    unrecorded=None, resume: Resume | None = None,
) -> Iterator[Rollback]:
    """``_rollbacks`` one at a time, as each is replayed: the folder's in order, then the
    files from outside the folder. ``unrecorded`` (generator.oracle.status.Unrecorded):
    collects the folder's opaque statements without an entry in the oracle record.
    ``resume`` (generator.resume): the folder's replay starts at ``resume.start``, from its
    catalog (the rollbacks before it are not yielded), and keeps snapshots for the cache."""
    from .engine import iter_generate

    inside = {id(m): i for i, m in enumerate(migrations)}
    wanted = [t for t, _ in selected if id(t) in inside]
    if wanted:
        last = max(inside[id(t)] for t in wanted)
        ids = {id(t) for t in wanted}  # (a version can be shared by a file that was not asked for)
        extra: dict = {} if unrecorded is None else {"oracle": unrecorded.oracle, "observe": unrecorded.observe}
        start = 0
        if resume is not None:
            start = resume.start
            extra.update(catalog=resume.catalog, on_replayed=resume.on_replayed)
            if unrecorded is None:  # (a replay from a snapshot does not load the record itself)
                from .engine import load_oracle

                extra["oracle"] = load_oracle(migrations[: last + 1])
        if start <= last:
            yield from (rb for rb in iter_generate(migrations[start: last + 1], {t.version for t in wanted},
                                                   manual_rule, **extra)
                        if id(rb.migration) in ids)
    for target, history in selected:
        if id(target) not in inside:
            *_, rb = iter_generate(history, {target.version}, manual_rule)
            yield rb


def render_files(
    rb: Rollback, cfg: Config, preflight: bool | None = None, assertions: bool | None = None
) -> tuple[tuple[str, str], tuple[str, str]]:
    """(file name, text) of the rollback SQL and of its markdown document, as generate writes them.

    ``preflight``/``assertions`` None: as the configuration says (default: on).
    """
    from .render import render_markdown, render_sql, rollback_file_name

    sql_name = rollback_file_name(rb.migration)
    opts = dict(
        backup=cfg.backup,
        backup_schema=cfg.backup_schema,
        preflight=cfg.preflight if preflight is None else preflight,
        assertions=cfg.assertions if assertions is None else assertions,
    )
    sql = render_sql(rb, **opts)
    md = render_markdown(rb, sql_name=sql_name, **opts)
    return (sql_name, sql), (rollback_file_name(rb.migration, "md"), md)


@dataclass
class Output:
    path: Path
    text: str
    status: str  # "written" | "unchanged" | "refused" | "blocked"
    why: str = ""  # blocked: why the path cannot take the file


def _plan(path: Path, text: str, force: bool) -> Output:
    from .render import is_hand_edited

    problem = not_a_file(path, follow=False)
    if problem:  # a link would be replaced by a file (or written through); a folder cannot be
        return Output(path, text, "blocked", f"{path}: {problem}; generate writes regular files only and "
                                             "will not replace it: remove it (or choose another --out-dir)")
    if not path.exists():
        return Output(path, text, "written")
    try:
        old = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Problem(f"{path}: cannot read the existing file: {exc}") from None
    if old.replace("\r\n", "\n") == text:
        return Output(path, text, "unchanged")
    if is_hand_edited(old) and not force:
        return Output(path, text, "refused")
    return Output(path, text, "written")


def _file_mode(path: Path) -> int:
    """The mode a new file gets from the umask (0644 usually), or the mode of the file it replaces."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class _Staged:
    """Files written beside their targets under temporary names, renamed over the targets
    only when all are written (``commit``): every file of one ``generate`` or none."""

    def __init__(self) -> None:
        self.temps: list[tuple[str, Path]] = []
        self.made: list[Path] = []  # folders created for the files, removed again by discard

    def add(self, path: Path, text: str) -> None:
        # Each name is recorded before it is created, so that a signal arriving in between
        # still finds it to remove.
        try:
            self.made += [d for d in (path.parent, *path.parent.parents) if not d.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            while True:
                tmp = str(path.parent / f".{path.name}.{os.urandom(4).hex()}.tmp")
                self.temps.append((tmp, path))
                try:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    break
                except FileExistsError:
                    self.temps.pop()
        except OSError as exc:  # name the file, not a temporary one
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        try:
            os.fchmod(fd, _file_mode(path))  # created 0600 until written; a rollback is read by others
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                # No fsync: the rename makes the change atomic for readers; after a power cut a
                # file may be short, and `check` (body hash) and `down` refuse it until regenerated.
                # (fsync was 10 % of generate on a long history.)
                fh.write(text)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(path)) from None

    def discard(self) -> None:
        for tmp, _ in self.temps:
            Path(tmp).unlink(missing_ok=True)
        self.temps = []
        for d in self.made:  # deepest first
            try:
                d.rmdir()
            except OSError:
                pass
        self.made = []

    def commit(self) -> None:
        """Rename every file over its target. A rename that fails puts back the files
        already renamed (their old content was kept as a hard link) and removes the rest."""
        kept: list[tuple[str | None, Path]] = []  # (hard link to the old file or None, target) of the renamed ones
        path = Path()
        try:
            for tmp, path in self.temps:
                old = None
                if os.path.lexists(path):
                    old = tmp + ".old"
                    os.link(path, old)
                kept.append((old, path))
                os.replace(tmp, path)
        except BaseException:
            for old, done in reversed(kept):
                try:
                    if old is not None:
                        os.replace(old, done)
                    elif os.path.lexists(done):
                        os.unlink(done)
                except OSError:  # pragma: no cover - the folder changed under us
                    pass
            self.discard()
            exc = sys.exc_info()[1]
            if isinstance(exc, OSError) and exc.filename != str(path):  # name the file, not a temporary one
                raise OSError(exc.errno, exc.strerror, str(path)) from None
            raise
        for old, _ in kept:
            if old is not None:
                Path(old).unlink(missing_ok=True)
        self.temps, self.made = [], []


def _generate(
    args: tuple[str, ...],
    project_dir: Path | None,
    migrations_dir: Path | None,
    out_dir: Path | None,
    to_stdout: bool,
    force: bool,
    backup: bool | None,
    backup_schema: str | None = None,
    preflight: bool | None = None,
    assertions: bool | None = None,
    warn: Callable[[str], None] = _warn,
    use_cache: bool = True,
) -> None:
    """``backup``/``backup_schema``/``preflight``/``assertions`` None: as supabase/rollback.toml
    says (default: on, supabase_rollback_backup, on, on). ``warn`` prints the warnings (files
    skipped, comments ignored as rollback annotations). ``use_cache``: replay only what the
    project's cache does not know (generator/cache.py, generator/resume.py)."""
    folders = resolve_folders(project_dir, migrations_dir, out_dir)
    cfg = folders.config.override(backup=backup, backup_schema=backup_schema, preflight=preflight, assertions=assertions)
    migrations_dir, out_dir = folders.migrations_dir, folders.out_dir
    migrations = list_migrations(migrations_dir, warn=warn)
    selected = _select(args, migrations, migrations_dir)
    if to_stdout and len(selected) != 1:
        raise InputError(f"--stdout prints exactly one rollback, but {len(selected)} migrations are selected; name one")
    if not selected:
        click.echo(f"No migrations in {migrations_dir}: nothing to do.", err=True)
        return
    manual_rule = cfg.manual_reason if cfg.manual else None
    if to_stdout:
        rb = _rollbacks(selected, migrations, manual_rule)[0]
        for w in rb.warnings:
            warn(str(w))
        if rb.broken is not None:
            raise InputError(rb.broken)
        (_, sql), _ = render_files(rb, cfg)
        click.echo(sql, nl=False)
        return

    # Each rollback is rendered as soon as it is replayed and its files written to temporary
    # names; only a line of summary and what the index needs are kept (a rollback holds parse
    # trees and its rendered text: all of them at once is hundreds of MB on a long history).
    try:
        with _signals_raise():
            cache_file = None
            if use_cache:
                from .cache import cache_path

                cache_file = cache_path(folders.root if folders.root is not None else migrations_dir)
            _generate_files(selected, migrations, migrations_dir, out_dir, cfg, force, manual_rule, warn,
                            cache_file, _note)
    except KeyboardInterrupt:
        click.echo("Interrupted: nothing was written.", err=True)
        sys.exit(130)
    except SystemExit as exc:
        if isinstance(exc.code, int) and exc.code > 128:  # a signal
            click.echo("Stopped by a signal: nothing was written.", err=True)
        raise


@contextmanager
def _signals_raise():
    """SIGTERM and SIGHUP end the process through an exception (as Ctrl-C does), so that the
    temporary files of a ``generate`` that is stopped are removed: exit 128 + signal."""
    previous = {}

    def stop(signum, frame):  # noqa: ANN001, ARG001
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[sig] = signal.signal(sig, stop)
        except ValueError:  # not the main thread (the tests' CliRunner in a thread): leave it
            pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _generate_files(selected, migrations, migrations_dir: Path, out_dir: Path, cfg: Config, force: bool,
                    manual_rule, warn: Callable[[str], None] = _warn, cache_file: Path | None = None,
                    note: Callable[[str], None] | None = None) -> None:
    """The files of ``generate``: every rollback rendered as it is replayed, staged, then all
    renamed into place, or none. The comments ignored as rollback annotations are warned
    about as their migration is replayed. ``cache_file`` (generator/cache.py): replay only
    what the project's cache does not already know, and keep what this run learns; what is
    printed and written is the same (generator/resume.py)."""
    from .index import facts
    from .resume import facts_of

    inside = {id(m) for m in migrations}
    staged = _Staged()
    summary: list[tuple[tuple[str, str], str]] = []  # (sort key, line)
    index_facts = []
    problems: list[str] = []
    refused: list[str] = []
    write_error: OSError | None = None
    written = 0

    def stage(outs: list[Output]) -> None:
        """Write the files to their temporary names, unless the run already cannot succeed."""
        nonlocal write_error
        if write_error is None and not problems and not refused:
            try:
                for o in outs:
                    if o.status == "written":
                        staged.add(o.path, o.text)
            except OSError as exc:
                write_error = exc

    broken: list[str] = []  # the errors of the migrations that do not parse (no rollback)
    from .engine import load_oracle
    from .oracle.status import Unrecorded

    unrecorded = Unrecorded(load_oracle(migrations, warn))
    manual_reasons: list[tuple[str, list[str]]] = []  # (version, reasons): for the oracle's note
    resume = _resume(selected, migrations, migrations_dir, out_dir, cfg, cache_file, note) if cache_file else None
    try:
        if resume is not None:  # the migrations before the replay's start, from the cache: all unchanged
            for m, e, row in _from_cache(selected, migrations, resume, unrecorded):
                for w in e.warnings:
                    warn(w)
                index_facts.append(facts_of(row))
                if e.broken:
                    broken.append(e.broken)
                    summary.append(((m.version, m.path.name),
                                    f"{'error':<9}  {'no rollback (see the error below)':<34}  {m.path.name}"))
                    continue
                manual_reasons.append((m.version, [reason for _, reason, _ in e.manual]))
                summary.append(((m.version, m.path.name),
                                f"{'unchanged':<9}  risk {e.risk:<6}  {e.steps:>3} step{'s' if e.steps != 1 else ' '}  "
                                f"{len(e.manual):>2} manual  {e.sql_name}"))
        for rb in _iter_rollbacks(selected, migrations, manual_rule, unrecorded, resume):
            for w in rb.warnings:
                warn(str(w))
            rb_facts = facts(rb) if id(rb.migration) in inside else None
            if rb_facts is not None:
                index_facts.append(rb_facts)
            if rb.broken is not None:
                broken.append(rb.broken)
                summary.append(((rb.migration.version, rb.migration.path.name),
                                f"{'error':<9}  {'no rollback (see the error below)':<34}  {rb.migration.path.name}"))
                if resume is not None and rb_facts is not None:
                    resume.record(rb, None, unrecorded.of(rb.migration.path.name), rb_facts)
                continue
            rb.by_statement = []  # the parse trees: the largest part of a rollback, not needed to render
            (sql_name, sql), (md_name, md) = render_files(rb, cfg)
            if resume is not None and rb_facts is not None:
                resume.record(rb, ((sql_name, sql), (md_name, md)), unrecorded.of(rb.migration.path.name), rb_facts)
            outs = [_plan(out_dir / sql_name, sql, force), _plan(out_dir / md_name, md, force)]
            problems += [o.why for o in outs if o.status == "blocked"]
            refused += [str(o.path) for o in outs if o.status == "refused"]
            stage(outs)
            status = "written" if any(o.status == "written" for o in outs) else "unchanged"
            written += status == "written"
            n, manual = len(rb.steps), len(rb.manual_steps)
            if id(rb.migration) in inside:
                manual_reasons.append((rb.migration.version, [s.manual for s in rb.manual_steps]))
            summary.append((
                (rb.migration.version, rb.migration.path.name),
                f"{status:<9}  risk {rb.risk:<6}  {n:>3} step{'s' if n != 1 else ' '}  {manual:>2} manual  "
                f"{outs[0].path.name}",
            ))
            del rb, outs, sql, md
        if resume is not None:
            resume.save()
            if len(index_facts) != len(migrations):  # some migrations were not asked for: the cache may know them
                index_facts = _all_facts(index_facts, migrations, resume)
        index = _index_plan(index_facts, migrations, migrations_dir, out_dir, cfg, force)
        if index is not None:
            problems += [index.why] if index.status == "blocked" else []
            refused += [str(index.path)] if index.status == "refused" else []
            stage([index])
        lines = problems + [f"{p}: edited by hand since it was generated; not overwritten (use --force to replace it)"
                            for p in refused]
        if lines:
            lines += [f"error: {b}" for b in broken]
            lines.append("Nothing was written.")
            raise Problem("\n".join(lines))
        if write_error is not None:
            raise write_error
        staged.commit()
    except OSError as exc:
        staged.discard()
        raise Problem(f"cannot write {exc.filename or out_dir}: {exc.strerror or exc}\nNothing was written.") from None
    except BaseException:
        staged.discard()
        raise
    finally:
        if resume is not None:
            resume.cache.close()  # (the cache file, open for its snapshots; saved or not)

    if summary:  # (one write: a line each is a thousand writes on a long history)
        click.echo("\n".join(line for _, line in sorted(summary)))
    if index is not None and index.status == "written":
        click.echo(f"{'written':<9}  index of {len(migrations)} rollback{'s' if len(migrations) != 1 else ''}  {index.path.name}")
    click.echo(f"{written} written, {len(summary) - written - len(broken)} unchanged in {out_dir}"
               + (f"; {len(broken)} migration{'s' if len(broken) != 1 else ''} without a rollback (see below)"
                  if broken else ""))
    _oracle_notes(migrations_dir, migrations, unrecorded, manual_reasons)
    if broken:
        raise InputError("\nerror: ".join(broken) + "\n" + _BROKEN_NOTE)


def _resume(selected, migrations: list[Migration], migrations_dir: Path, out_dir: Path, cfg: Config,
            cache_file: Path, note: Callable[[str], None] | None) -> Resume | None:
    """Where the replay of the folder's migrations can start (generator/resume.py); None when
    no migration of the folder is asked for."""
    from .cache import Cache, cache_key
    from .chain import chain_hashes
    from .resume import plan

    inside = {id(m): i for i, m in enumerate(migrations)}
    wanted = {inside[id(t)] for t, _ in selected if id(t) in inside}
    if not wanted:
        return None
    cache = Cache.load(cache_file, cache_key(cfg, migrations_dir), note)
    return plan(cache, migrations, chain_hashes(migrations), wanted, max(wanted), out_dir)


def _from_cache(selected, migrations: list[Migration], resume: Resume, unrecorded):
    """(migration, cache entry) of each migration asked for before the replay's start; the
    opaque statements without an oracle entry of every migration before it go to ``unrecorded``."""
    inside = {id(m) for m in migrations}
    ids = {id(t) for t, _ in selected if id(t) in inside}
    last = max(i for i, m in enumerate(migrations) if id(m) in ids)
    for i, m in enumerate(migrations[: min(resume.start, last + 1)]):
        e, row = resume.entry(i)
        if e.unrecorded:
            unrecorded.found[m.path.name] = list(e.unrecorded)
        if id(m) in ids:
            yield m, e, row


def _all_facts(index_facts: list, migrations: list[Migration], resume: Resume) -> list:
    """The index rows of every migration: this run's, the cache's for the others (``index_facts``
    as it is when the cache does not know one)."""
    from .resume import facts_of

    ours = {(f.version, f.name): f for f in index_facts}
    out = []
    for m, h in zip(migrations, resume.hashes):
        f = ours.get((m.version, m.name))
        if f is None:
            row = resume.cache.rows.get(h)
            if row is None:
                return index_facts
            f = facts_of(row)
        out.append(f)
    return out


def _oracle_notes(migrations_dir: Path, migrations: list[Migration], unrecorded, manual_reasons) -> None:
    """The note on opaque statements the oracle record has no entry for (stderr; the exit
    status does not change: generator.oracle.status)."""
    from .oracle.record import record_path
    from .oracle.status import notes

    per_migration = [(m.path.name, unrecorded.of(m.path.name)) for m in migrations]
    for line in notes(record_path(migrations_dir), per_migration, manual_reasons):
        click.echo(f"note: {line}", err=True)


_BROKEN_NOTE = (
    "A migration with an error gets no rollback; the rollbacks of the other migrations were written. "
    "Those after a migration that is not valid SQL distrust every object it may have touched (their steps "
    "that depend on one are manual steps). Fix the file (SQL that is not valid fails on the server too), "
    "then run generate again."
)


def _index_plan(
    index_facts: list, migrations: list[Migration], migrations_dir: Path, out_dir: Path, cfg: Config, force: bool
) -> Output | None:
    """The project's rollback index (generator/index.py), over every migration of the folder.

    Not written when the rollbacks go into the migrations folder itself (a README.md
    there would be one more file the Supabase CLI skips with a warning)."""
    from .index import INDEX_NAME, facts, render_index

    if out_dir.resolve() == migrations_dir.resolve():
        return None
    ours = index_facts
    if len(ours) != len(migrations):
        try:
            ours = [facts(rb) for rb in _iter_rollbacks([(m, migrations[: i + 1]) for i, m in enumerate(migrations)],
                                                        migrations, cfg.manual_reason if cfg.manual else None)]
        except InputError as exc:  # a later migration does not parse: leave the index as it is
            _warn(f"{INDEX_NAME} not updated: {exc}")
            return None
    return _plan(out_dir / INDEX_NAME, render_index(ours), force)


cli.add_lazy_command("stats", "generator.commands.stats:stats")
cli.add_lazy_command("verify", "generator.commands.verify:verify")
cli.add_lazy_command("check", "generator.commands.check:check")
cli.add_lazy_command("down", "generator.commands.down:down")
cli.add_lazy_command("status", "generator.commands.status:status")
cli.add_lazy_command("report", "generator.commands.report:report")
cli.add_lazy_command("learn", "generator.commands.learn:learn")


def main() -> None:
    try:
        try:
            cli(prog_name="supabase-rollback")
        except RecursionError:  # a statement nested too deeply, met outside the replay (which names it)
            from .engine import TOO_DEEP

            click.echo(f"error: a migration has a statement that is nested too deeply: {TOO_DEEP.split(': ', 1)[1]}",
                       err=True)
            sys.exit(EXIT_INPUT)
    except SystemExit as done:
        _exit_now(done.code)


def _exit_now(code: object) -> None:
    """End the process as ``sys.exit(code)`` would, without freeing every object one by one:
    after a large history the catalog and verify's saved schema are millions of objects, and
    tearing them down took 0.2-0.5 s of a run that had nothing left to do. Output is flushed
    and the exit handlers run (the throwaway server's among them) first."""
    import atexit

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: as the interpreter would, end with what we have
        status = status or 120
    atexit._run_exitfuncs()
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
