"""``supabase-rollback check``: are the committed rollbacks complete and up to date?

Offline and fast, for pre-commit hooks and CI. For every migration it computes what
``generate`` would write (nothing is written) and compares it with the files on disk.
Problems, one line each, exit 1:

- *missing*: no rollback file (or no markdown document) for a migration;
- *stale*: the file differs from what ``generate`` would write now and was not edited by
  hand (the migration, an earlier migration, the configuration or the generator changed);
- *edited by hand*: the file's ``body-sha256`` no longer matches (render.is_hand_edited);
- *unresolved manual step*: the rollback has a MANUAL STEP that is still there (a file
  that is up to date has all of the generated rollback's manual steps; a file edited by
  hand is judged by the ``MANUAL STEP n not resolved`` raises left in it);
- *orphan*: a ``rollback_<version>_<name>`` file whose migration no longer exists;
- *duplicate*: a migration whose version an earlier file of the folder already has (the
  Supabase CLI applies the first and fails on the others): rename it;
- *broken*: a migration that is not valid SQL (or not UTF-8), so it has no rollback; the
  other migrations are still checked, and the exit status is 2 (bad input), as for
  ``generate``.

Steps acknowledged with ``-- rollback: irreversible <reason>`` are resolved. Comments
that look like rollback annotations but are not well-formed ones (generator.annotations)
are printed as ``warning:`` lines on stderr, as ``generate`` prints them; they do not
make ``check`` fail: the rollback is complete without them. Neither does the ``note:``
line on statements the generator cannot follow that have no entry in the oracle record
(``supabase/rollback-oracle.json`` missing or stale: generator.oracle.status): without the
record every rollback is complete and honest, the record only makes more of it automatic.
The cached entries keep those statements' locations, so a fully cached run prints it too. All fine:
one line (``ok: 4 rollbacks up to date``), exit 0. ``--fix`` runs ``generate`` for what
is missing or stale (files edited by hand only with ``--force``), then checks again.

Speed. Results are cached in the project's cache file (generator/cache.py: the user's
cache folder, one file per project, shared with ``generate``): for each migration's chain
hash (generator.chain: editing a migration changes the hash of it and of every later one),
the sha256 of the files ``generate`` would write and their manual steps, under a key made
of the tool version, the generator's source files, the migrations folder, the
configuration and the oracle record; and catalog snapshots after the newest migrations, so
a run after editing or adding the newest migration replays only that one. A ``generate``
fills the cache for ``check`` and the other way round. With everything cached, ``check``
imports neither the handlers nor jinja2 nor psycopg: it reads the migrations, hashes them
and compares hashes with the files on disk. A cache file that cannot be used is ignored
with one ``note:`` line and rewritten.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from .options import migrations_dir_option, project_dir_option
from ..cache import KEEP_FILES, Cache, Expected, cache_key, cache_path, expected_of, index_row, same_text, sha
from ..chain import chain_hashes
from ..config import Config, ConfigError, Folders, resolve_folders

__all__ = ["Expected", "cache_path", "expected_files", "run_check"]

EXIT_ACTION = 1
EXIT_INPUT = 2
_KEEP_FILES = KEEP_FILES  # (the tests read it here)
_RAISE = re.compile(r"MANUAL STEP (\d+) not resolved")
_SOURCE = re.compile(r"^-- Source sha256: ([0-9a-f]{64})$|^<!-- supabase-rollback .*? \(sha256 ([0-9a-f]{64})\)", re.M)
_OUR_FILE = re.compile(r"^rollback_([0-9]+_.*)\.(sql|md)$")


@dataclass
class Finding:
    path: Path
    kind: str  # "missing" | "stale" | "edited" | "manual" | "orphan" | "invalid" (a folder or link, not a file)
    message: str
    version: str = ""

    def line(self) -> str:
        if self.kind == "broken":
            return f"error: {self.message}"
        return f"{self.path}: {self.message}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)
    replayed: int = 0  # migrations replayed (0: everything came from the cache)
    notes: list[str] = field(default_factory=list)  # the oracle record is missing or stale: never a problem

    @property
    def warnings(self) -> list[str]:
        """The comments of the migrations ignored as rollback annotations (path:line: why)."""
        return [w for e in self.expected for w in e.warnings]


_sha = sha


# -- what generate would write ---------------------------------------------------------


def _expected_of(rb, cfg: Config, unrecorded: tuple[str, ...]) -> Expected:
    from ..cli import render_files

    if rb.broken is not None:
        return expected_of(rb, None, unrecorded)
    return expected_of(rb, render_files(rb, cfg), unrecorded)


def _index_row(rb) -> tuple:
    from ..index import facts

    return index_row(facts(rb))


def expected_files(migrations: list, cfg: Config, migrations_dir: Path, cache_file: Path | None,
                   note=None) -> tuple[list[Expected], int]:
    """What ``generate`` would write for every migration, from the cache where it can.

    Returns the expectations and how many migrations had to be replayed. ``note`` gets the
    one line on a cache file that cannot be used (generator.cache).
    """
    expected, replayed, _ = _expected_files(migrations, cfg, migrations_dir, cache_file, note)
    return expected, replayed


def _expected_files(migrations: list, cfg: Config, migrations_dir: Path, cache_file: Path | None,
                    note=None) -> tuple[list[Expected], int, Cache]:
    """``expected_files``, and the cache (for what it knows of the files on disk)."""
    # the oracle record (generator.oracle) changes what generate writes: its content is in the key
    cache = Cache.load(cache_file, cache_key(cfg, migrations_dir), note)
    hashes = chain_hashes(migrations)
    first_missing = next((i for i, h in enumerate(hashes) if h not in cache.entries), len(hashes))
    replayed = 0
    if first_missing < len(hashes):
        from ..cache import forget_others, keep_snapshots, pickle_catalog, wants_snapshot
        from ..engine import generate, load_oracle
        from ..oracle.status import Unrecorded

        # start from the latest snapshot before the first migration to compute
        start, catalog = 0, None
        for j in range(first_missing - 1, -1, -1):
            if hashes[j] in cache.snapshots:
                catalog = cache.catalog(hashes[j])  # (None: damaged, and the cache is now empty)
                start = j + 1 if catalog is not None else 0
                break
        if not cache.entries:
            first_missing = 0
        chain = dict(zip((id(m) for m in migrations), hashes))
        made: dict[str, bytes] = {}

        def keep_snapshot(m, cat) -> None:
            if wants_snapshot(cache, hashes, chain[id(m)], start > 0):
                made[chain[id(m)]] = pickle_catalog(cat)

        todo = migrations[start:]
        unrecorded = Unrecorded(load_oracle(migrations, _warn))  # built on the FULL history: todo may start mid-way
        rollbacks = generate(
            todo,
            {m.version for m in migrations[first_missing:]},
            cfg.manual_reason if cfg.manual else None,
            catalog=catalog,
            on_replayed=keep_snapshot,
            oracle=unrecorded.oracle,
            observe=unrecorded.observe,
        )
        replayed = len(todo)
        entries, rows = cache.entries, cache.rows
        for rb in rollbacks:
            entries[chain[id(rb.migration)]] = _expected_of(rb, cfg, unrecorded.of(rb.migration.path.name))
            rows[chain[id(rb.migration)]] = _index_row(rb)  # (generate's index: what it needs of the rollback)
        forget_others(cache, hashes)
        keep_snapshots(cache, hashes, hashes[start - 1] if start else None, made)
        cache.save()
    else:
        cache.close()
    entries = cache.entries
    return [entries[h] for h in hashes], replayed, cache


# -- comparing with the files on disk ----------------------------------------------------


def _read(path: Path, expected_sha: str, cache: Cache | None = None) -> tuple[bool, str | None]:
    """(whether ``path`` holds the text of sha256 ``expected_sha``, once CRLF line ends are
    read as LF; its text, None when it cannot be read as UTF-8). The text of a file that
    matches is not decoded (it is not needed): "" stands for it. ``cache``: a file it saw
    unchanged since it read it is not read again (generator.cache.same_text)."""
    same, data = same_text(cache, path, expected_sha)
    if same:
        return True, ""
    try:
        return False, None if data is None else data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return False, None


def _compare(m, e: Expected, out_dir: Path, cache: Cache | None = None) -> list[Finding]:
    from ..project import not_a_file

    found: list[Finding] = []
    sql_text: str | None = None
    sql_edited = False
    for name, sha in ((e.sql_name, e.sql_sha), (e.md_name, e.md_sha)):
        path = out_dir / name
        problem = not_a_file(path, follow=False)
        if problem:
            found.append(Finding(path, "invalid", f"{problem}: generate will not replace it; remove it, then run "
                                                  f"`supabase-rollback generate {m.version}`", m.version))
            continue
        if not path.exists():
            found.append(Finding(path, "missing", f"no rollback for {m.path.name}: run `supabase-rollback generate {m.version}`", m.version))
            continue
        same, text = _read(path, sha, cache)
        if name == e.sql_name:
            sql_text = text
        if same:
            continue
        from ..render import is_hand_edited

        if text is None or is_hand_edited(text):
            if name == e.sql_name:
                sql_edited = True
            found.append(
                Finding(
                    path,
                    "edited",
                    "edited by hand since it was generated, so it cannot be kept up to date: move the change into "
                    f"{m.path.name} as a `-- rollback:` annotation, then run `supabase-rollback generate {m.version} --force`",
                    m.version,
                )
            )
        else:
            src = _SOURCE.search(text)
            why = (
                f"{m.path.name} changed since it was generated"
                if src and (src.group(1) or src.group(2)) != m.sha256
                else "an earlier migration, the configuration or the generator changed since it was generated"
            )
            found.append(Finding(path, "stale", f"stale ({why}): run `supabase-rollback generate {m.version}`", m.version))
    sql_path = out_dir / e.sql_name
    if sql_text is None:
        return found
    if sql_edited:
        # judged by what is left in the file: the person may have resolved some steps
        left = [int(n) for n in _RAISE.findall(sql_text)]
        manual = [(n, reason, src) for n, reason, src in e.manual if n in left]
        manual += [(n, "", "") for n in left if n not in {x[0] for x in e.manual}]
    elif any(f.kind == "stale" and f.path == sql_path for f in found):
        manual = []  # regenerating comes first; its manual steps are reported then
    else:
        manual = list(e.manual)
    for n, reason, src in manual:
        where = f" at {Path(src.rpartition(':')[0]).name}:{src.rpartition(':')[2]}" if src else ""
        why = f" ({reason})" if reason else ""
        found.append(
            Finding(
                sql_path,
                "manual",
                f"MANUAL STEP {n} not resolved{why}: resolve it, or annotate the statement{where} "
                "with `-- rollback: <sql>` (or `-- rollback: none` / `-- rollback: irreversible <reason>`) and regenerate",
                m.version,
            )
        )
    return found


def _orphans(migrations: list, out_dir: Path) -> list[Finding]:
    stems = {m.stem for m in migrations}
    found = []
    try:
        names = sorted(os.listdir(out_dir))
    except OSError:
        return []
    for name in names:
        mm = _OUR_FILE.match(name)
        if mm and mm.group(1) not in stems:
            found.append(Finding(out_dir / name, "orphan", f"no migration {mm.group(1)}.sql any more: delete this file if the migration was renamed or removed"))
    return found


def run_check(folders: Folders, use_cache: bool = True, warn=None, note=None) -> Report:
    """Everything ``check`` reports, without printing."""
    from ..project import list_migrations

    migrations = list_migrations(folders.migrations_dir, warn=warn, warn_duplicates=False)  # a finding here
    project = folders.root if folders.root is not None else folders.migrations_dir
    path = cache_path(project) if use_cache else None
    expected, replayed, cache = _expected_files(migrations, folders.config, folders.migrations_dir, path, note)
    report = Report(expected=expected, replayed=replayed, notes=_oracle_notes(folders.migrations_dir, migrations, expected))
    for m, e in zip(migrations, expected):
        if e.broken:  # printed as the error generate gives (path:line:column, the line, a caret)
            report.findings.append(Finding(m.path, "broken", e.broken, m.version))
            continue
        report.findings.extend(_compare(m, e, folders.out_dir, cache))
    report.findings.extend(_duplicates(migrations))
    report.findings.extend(_orphans(migrations, folders.out_dir))
    return report


def _oracle_notes(migrations_dir: Path, migrations: list, expected: list[Expected]) -> list[str]:
    """The note on opaque statements without an entry in the oracle record, from the
    (cached) expectations alone: no replay, no server (generator.oracle.status)."""
    if not any(e.unrecorded for e in expected):
        return []
    from ..oracle.record import record_path
    from ..oracle.status import notes

    per_migration = [(m.path.name, e.unrecorded) for m, e in zip(migrations, expected)]
    manual = [(m.version, [reason for _, reason, _ in e.manual]) for m, e in zip(migrations, expected)]
    return notes(record_path(migrations_dir), per_migration, manual)


def _duplicates(migrations: list) -> list[Finding]:
    """A problem per version that several files share (on the files the CLI cannot apply)."""
    from ..project import duplicate_versions

    out = []
    for group in duplicate_versions(migrations):
        first = group[0].path.name
        for m in group[1:]:
            out.append(Finding(
                m.path, "duplicate",
                f"version {m.version} is also used by {first}: `supabase db push` / `db reset` applies {first}, then "
                f'fails on this file (duplicate key value violates unique constraint "schema_migrations_pkey"); '
                "rename it to a new, unused version (e.g. the next free timestamp) and regenerate its rollback",
                m.version,
            ))
    return out


# -- the command ---------------------------------------------------------------------------


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def _note(message: str) -> None:
    click.echo(f"note: {message}", err=True)


@click.command()
@project_dir_option
@migrations_dir_option
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the rollback files. Default: out_dir of supabase/rollback.toml, else <project>/supabase/rollbacks.",
)
@click.option("--fix", is_flag=True, help="Run generate for the rollbacks that are missing or stale, then check again.")
@click.option("--force", is_flag=True, help="With --fix: also replace rollbacks edited by hand.")
@click.option("--no-cache", is_flag=True, help="Recompute everything; do not read or write the cache (~/.cache/supabase-rollback/).")
def check(project_dir: Path | None, migrations_dir: Path | None, out_dir: Path | None, fix: bool, force: bool, no_cache: bool) -> None:
    """Check that every migration has an up-to-date rollback (offline, fast).

    Lists each problem on its own line, with what to do: a migration without
    a rollback, a stale rollback (generate would now write something else,
    because the migration or an earlier one changed), a rollback edited by
    hand, a MANUAL STEP nobody resolved, a rollback whose migration is gone.
    Statements annotated `-- rollback: irreversible <reason>` count as resolved.
    Comments that look like rollback annotations but are not well-formed ones
    are printed as warnings (as generate prints them) and do not fail the check.
    Nothing is written (except a cache in ~/.cache/supabase-rollback/) unless --fix.

    When statements the generator cannot follow (DO blocks with dynamic SQL...)
    have no entry in supabase/rollback-oracle.json, one note line says so and
    to run `supabase-rollback learn`; it never fails the check (the rollbacks
    are complete without the record: those steps are manual, with the reason).

    --fix writes the missing and stale rollbacks (never a file edited by hand
    unless --force) and exits 1 when it wrote anything, so that a pre-commit
    hook stops the commit until the new files are reviewed and added.

    \b
    Examples:
      supabase-rollback check
      # regenerate what is missing or stale, then check again
      supabase-rollback check --fix
      # in CI, from the repository root, rollbacks kept beside the migrations
      supabase-rollback check --out-dir supabase/migrations

    \b
    Exit status: 0 everything up to date (one line); 1 problems listed
    (including two migrations with the same version), or --fix wrote files;
    2 bad input (a migration that is not valid SQL or not UTF-8: the other
    migrations are still checked and listed; bad
    supabase/rollback.toml).
    """
    from ..parse import InputError

    try:
        folders = resolve_folders(project_dir, migrations_dir, out_dir)
        report = run_check(folders, use_cache=not no_cache, warn=_warn, note=_note)
        for w in report.warnings:
            _warn(w)
        written: list[Path] = []
        if fix:
            fixable = ("missing", "stale", "edited") if force else ("missing", "stale")
            targets = sorted({f.version for f in report.findings if f.kind in fixable})
            if targets:
                _fix(targets, folders, force, not no_cache)
                before = {f.path for f in report.findings if f.kind in fixable}
                report = run_check(folders, use_cache=not no_cache, warn=None)
                written = sorted(before - {f.path for f in report.findings if f.kind in fixable})
    except (InputError, ConfigError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    for line in report.notes:  # the oracle record is missing or stale: a note, never a failure
        click.echo(f"note: {line}", err=True)
    if written:
        # pre-commit's convention: a hook that changed files fails, so the change is reviewed
        _echo_findings(report.findings)
        click.echo(f"{len(written)} rollback file{'s' if len(written) != 1 else ''} written: review and `git add` them", err=True)
        sys.exit(EXIT_ACTION)
    if report.findings:
        _echo_findings(report.findings)
        if any(f.kind == "broken" for f in report.findings):
            click.echo("A migration with an error has no rollback; fix it (SQL that is not valid fails on the server "
                       "too), then run `supabase-rollback generate`.", err=True)
        n = len({f.path for f in report.findings})
        click.echo(f"{len(report.findings)} problem{'s' if len(report.findings) != 1 else ''} in {n} file{'s' if n != 1 else ''}", err=True)
        # a migration that is not valid SQL is bad input, as it is for generate
        sys.exit(EXIT_INPUT if any(f.kind == "broken" for f in report.findings) else EXIT_ACTION)
    n = len(report.expected)
    extra = sum(e.irreversible for e in report.expected)
    tail = f" ({extra} irreversible step{'s' if extra != 1 else ''} acknowledged)" if extra else ""
    click.echo(f"ok: {n} rollback{'s' if n != 1 else ''} up to date{tail}")


def _echo_findings(findings: list[Finding]) -> None:
    """A line per finding (a broken migration's on stderr), in order: one write for each run of
    lines that go to the same stream (a project can have thousands of findings)."""
    run: list[str] = []
    for i, f in enumerate(findings):
        run.append(f.line())
        if i + 1 == len(findings) or (findings[i + 1].kind == "broken") != (f.kind == "broken"):
            click.echo("\n".join(run), err=f.kind == "broken")
            run = []


def _fix(versions: list[str], folders: Folders, force: bool, use_cache: bool = True) -> None:
    """Run the generate command's logic for ``versions`` (it prints its own lines)."""
    from ..cli import Problem, _generate

    try:
        # check printed the warnings already
        _generate(tuple(versions), folders.root, folders.migrations_dir, folders.out_dir, False, force, None,
                  warn=lambda _message: None, use_cache=use_cache)
    except Problem as exc:
        click.echo(str(exc), err=True)
