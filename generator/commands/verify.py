"""``supabase-rollback verify``: run every rollback on a real PostgreSQL and compare schemas.

The checks themselves live in generator/verify.py; this module chooses the server or the
database, selects migrations and rollbacks, shows progress and prints the report (text or
``--format json``, schema in ``json_report``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .options import migrations_dir_option, project_dir_option

from ..config import Config, Folders, resolve_folders
from ..parse import InputError, Migration
from ..project import list_migrations
from ..server import ServerError, baseline_extensions, install_handlers, start
from ..verify_state import Store

# generator.verify (the engine, psycopg) is imported where it is used: a restore of a saved
# database state starts in a child process while it is imported (commands/verify._verify).
if TYPE_CHECKING:
    from ..verify import Candidate, LiveReport, Result

ENV_DB_URL = "SUPABASE_ROLLBACK_DB_URL"
EXIT_ACTION = 1
EXIT_INPUT = 2
JSON_SCHEMA_VERSION = 1


def _order() -> tuple:
    from ..verify import Status

    return Status.VERIFIED, Status.COLUMN_ORDER, Status.FAILED, Status.MANUAL, Status.SKIPPED


@click.command()
@click.argument("migration", nargs=-1, metavar="[MIGRATION]...")
@click.option("--db-url", envvar=ENV_DB_URL, metavar="URL",
              help=f"Live mode: a database whose migrations are applied (also ${ENV_DB_URL}). "
                   "Everything runs in one transaction that is rolled back.")
@click.option("--last", type=click.IntRange(min=1), metavar="N",
              help="Live mode: verify the newest N applied migrations (default 1).")
@project_dir_option
@migrations_dir_option
@click.option("--rollbacks-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the rollback files. Default: <project>/supabase/rollbacks.")
@click.option("--generated", is_flag=True,
              help="Verify the rollbacks as generate would write them now, ignoring the files on disk.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format (json: one object on stdout).")
@click.option("--no-cache", is_flag=True,
              help="Replay the whole history; do not read or save database states or catalog snapshots "
                   "(~/.cache/supabase-rollback/).")
def verify(
    migration: tuple[str, ...],
    db_url: str | None,
    last: int | None,
    project_dir: Path | None,
    migrations_dir: Path | None,
    rollbacks_dir: Path | None,
    generated: bool,
    fmt: str,
    no_cache: bool,
) -> None:
    """Prove rollbacks on a real PostgreSQL: apply, roll back, compare, apply again.

    Fresh mode (default): a throwaway PostgreSQL is started (local binaries if
    found, else the embedded server of `pip install 'supabase-rollback[verify]'`)
    and removed afterwards. On the Supabase baseline the history is replayed
    once; for each MIGRATION (default: all) the migration is applied, then its
    rollback, and the schema must equal the one before; then the migration is
    applied again and must give the same schema as the first time.

    Live mode (--db-url or $SUPABASE_ROLLBACK_DB_URL): on a database whose
    migrations are applied (e.g. `supabase start`'s), the newest migration(s)
    are rolled back and re-applied inside ONE transaction that is always
    rolled back: the database is left exactly as it was.

    The rollback verified is the file in the rollbacks folder (what production
    will run) when there is one, else the one generate would write.

    Verifying the newest migration(s) of a long history: the database state
    reached just before them is saved in the user's cache folder, and the
    next verify of later migrations starts from it instead of replaying the
    history; the rollbacks generated in memory start from the catalog
    snapshots generate keeps (--no-cache: always replay).

    \b
    Examples:
      supabase-rollback verify
      supabase-rollback verify 20250914000000
      supabase-rollback verify supabase/migrations/20250914000000_phase1_trd_alignment.sql
      supabase-rollback verify --format json > verify.json
      supabase-rollback verify --db-url postgresql://postgres:postgres@127.0.0.1:54322/postgres
      supabase-rollback verify --db-url "$DATABASE_URL" --last 3

    \b
    Exit status: 0 every rollback verified (a column recreated at the end of
    its table counts, and is reported; migrations skipped because the server
    lacks an extension are reported, not failures); 1 a rollback failed or
    still has MANUAL STEPs (live mode: a version two files share); 2 bad
    input (unknown migration, a migration that is not valid SQL: the others
    are still verified, those that fail to apply after it are skipped; live
    mode asked to run statements that cannot run in a transaction).
    """
    out = _Output(fmt)
    try:
        code = _verify(migration, db_url, last, project_dir, migrations_dir, rollbacks_dir, generated, out,
                       use_cache=not no_cache)
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    except ServerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ACTION)
    except Exception as exc:  # (psycopg is imported only where it is used)
        if type(exc).__module__.split(".")[0] != "psycopg" or not _cannot_connect(exc):
            raise
        from ..verify import mask_url

        click.echo(f"error: cannot connect: {mask_url(str(exc).strip())}", err=True)
        sys.exit(EXIT_ACTION)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: nothing was changed (the throwaway server is removed, a live "
                   "transaction is rolled back)", err=True)
        sys.exit(130)
    sys.exit(code)


# -- selection ------------------------------------------------------------------------------------


def _candidates(selected, migrations, rollbacks_dir: Path, generated: bool,
                snapshots: Snapshots | None = None) -> dict[Path, Candidate]:
    """The rollback verified for each selected migration. ``snapshots``: the project's cache
    of catalog snapshots (the one ``generate`` and ``check`` keep): the in-memory replay of
    the folder starts from the newest one before the first migration asked for, and the
    snapshots after the newest migrations it replays are kept for next time."""
    from ..cli import _iter_rollbacks  # the generate command's selection helpers (imported late: cli imports us)
    from ..verify import candidate

    resume = None
    known: dict[Path, Candidate] = {}
    if snapshots is not None:
        from ..cache import Cache, cache_key
        from ..chain import chain_hashes
        from ..cli import _note
        from ..resume import plan_replay

        inside = {id(m): i for i, m in enumerate(migrations)}
        if any(id(t) in inside for t, _ in selected):
            cache = Cache.load(snapshots.path, cache_key(snapshots.config, snapshots.migrations_dir), _note)
            hashes = chain_hashes(migrations)
            if not generated and rollbacks_dir is not None:
                for t, _ in selected:
                    c = _up_to_date(cache, hashes[inside[id(t)]], t, rollbacks_dir) if id(t) in inside else None
                    if c is not None:
                        known[t.path.resolve()] = c
                selected = [(t, h) for t, h in selected if t.path.resolve() not in known]
            wanted = [inside[id(t)] for t, _ in selected if id(t) in inside]
            if wanted:
                resume = plan_replay(cache, migrations, hashes, min(wanted))
            else:
                cache.close()
    if not selected:
        return known
    cands = {c.migration.path.resolve(): c for c in (
        candidate(rb, rollbacks_dir, use_files=not generated)
        for rb in _iter_rollbacks(selected, migrations, None, None, resume)
    )}
    if resume is not None:
        resume.save()
    return {**known, **cands}


def _up_to_date(cache, chain: str, m: Migration, rollbacks_dir: Path) -> Candidate | None:
    """The rollback file of ``m`` when the project's cache (the one ``check`` reads) says it
    is exactly what ``generate`` writes now for ``m`` after its history (chain hash ``chain``),
    as ``candidate()`` would find it after generating it again: verify then need not
    generate it (after a large history, unpickling a catalog and replaying the migration).
    None: it must be generated (no entry, no such file, another text)."""
    from ..cache import same_text
    from ..render import rollback_file_name
    from ..verify import Candidate, statements_of, unresolved_manual_steps

    e = cache.entries.get(chain)
    if e is None or e.broken or e.sql_name != rollback_file_name(m):
        return None
    path = rollbacks_dir / e.sql_name
    same, _ = same_text(cache, path, e.sql_sha)
    if not same:
        return None
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        manual = unresolved_manual_steps(statements_of(text, path))
    except (OSError, UnicodeDecodeError, InputError):
        return None
    return Candidate(m, text, path, "file", "up to date", manual=manual)


@dataclass(frozen=True)
class Snapshots:
    """Where the project's cache of catalog snapshots is (generator/cache.py) and what its key
    is made of besides the migrations (``generate``'s: the configuration, the oracle record)."""

    path: Path | None
    config: Config
    migrations_dir: Path

    @classmethod
    def of(cls, folders: Folders) -> Snapshots:
        from ..cache import cache_path

        return cls(cache_path(folders.root if folders.root is not None else folders.migrations_dir),
                   folders.config, folders.migrations_dir)


def _verify(args, db_url, last, project_dir, migrations_dir, rollbacks_dir, generated, out: _Output,
            use_cache: bool = True) -> int:
    from ..cli import _select, _warn

    folders = resolve_folders(project_dir, migrations_dir, rollbacks_dir)
    migrations_dir, rollbacks_dir = folders.migrations_dir, rollbacks_dir or folders.out_dir
    snapshots = Snapshots.of(folders) if use_cache else None
    migrations = list_migrations(migrations_dir, warn=_warn)
    if db_url:
        return _live(args, db_url, last, migrations, migrations_dir, rollbacks_dir, generated, out, snapshots)
    if last is not None:
        raise InputError("--last is for live mode (with --db-url); in fresh mode name the migrations instead")
    selected = _select(args, migrations, migrations_dir)
    if not selected:
        out.info(f"No migrations in {migrations_dir}: nothing to verify.")
        out.finish({"mode": "fresh", "server": None, "results": [], "notes": [], "seconds": 0.0})
        return 0
    inside = {id(m) for m in migrations}
    folder_targets = [t for t, _ in selected if id(t) in inside]
    histories: list[tuple[list[Migration], list[Migration]]] = []  # (history, targets) per plan
    if folder_targets:
        last_i = max(migrations.index(t) for t in folder_targets)
        histories.append((migrations[: last_i + 1], folder_targets))
    histories += [(history, [t]) for t, history in selected if id(t) not in inside]

    began = time.monotonic()
    store = None
    if use_cache and folder_targets:  # the folder's plan (plans[0]) starts from a saved state when it can
        store = Store(migrations_dir, histories[0][0], min(migrations.index(t) for t in folder_targets), _dbname(0))
    # The server starts on a thread (restoring a saved state: its files written by a child
    # process, outside the GIL), and the rollbacks are generated on another; the first round
    # trip starts as soon as the server is up and waits for its rollback only when it runs it
    # (verify.Later). The engine is imported once the child has started.
    install_handlers()
    pool = ThreadPoolExecutor(max_workers=2)
    starting = pool.submit(start, store.seed if store else None)
    if store is not None:  # importing, then unpickling a catalog, hold the GIL: let the child start first
        store.launched.wait(timeout=2.0)
    import psycopg

    from ..verify import Later, verify_fresh

    generating = pool.submit(_candidates, selected, migrations, rollbacks_dir, generated, snapshots)
    pool.shutdown(wait=False)
    try:
        server = starting.result()
    except BaseException:
        error = generating.exception()  # bad input is told first, as when the rollbacks came before the server
        if isinstance(error, InputError):
            raise error from None
        raise
    plans = [(history, Later({t.stem: t.path.resolve() for t in targets}, generating))
             for history, targets in histories]
    try:
        out.info(f"Server: throwaway {server.kind} (data in {server.tmpdir}, removed when done)")
        notes: list[str] = []
        if store is not None:
            store.check_started(server)
            notes.extend(store.notes)
            if store.prefix is not None:
                out.info(f"Database state: saved after {store.resumed_after} ({store.prefix.count} migrations "
                         "not replayed; --no-cache replays them)")
        missing = _baseline_missing_extensions(server)
        if missing:
            notes.append("the Supabase baseline is loaded without extension(s) this server lacks: " + ", ".join(missing))
        results: list[Result] = []
        broken: list[str] = []
        try:
            with out.progress(sum(len(c) for _, c in plans)) as step:
                for i, (history, targets) in enumerate(plans):
                    own = store if i == 0 else None
                    results += verify_fresh(server, history, targets, dbname=_dbname(i),
                                            progress=step, notes=notes, broken=broken,
                                            resume=own.prefix if own else None, drop_after=i < len(plans) - 1,
                                            on_prefix=(lambda p, look, own=own: own.save(server, p, look)) if own else None)
        except psycopg.Error:
            if server.postmaster_pid() is None or not server.datadir.exists():
                raise KeyboardInterrupt from None  # Ctrl-C/SIGTERM stopped the server under a running query
            raise
        server_info = {"kind": server.kind, "version": server.version, "embedded": server.embedded, "url": None,
                       "standins": list(server.standins)}
    finally:
        server.stop(remove_later=True)
    code = out.finish({"mode": "fresh", "server": server_info, "results": results, "notes": notes,
                       "seconds": time.monotonic() - began})
    broken += [c.broken for c in generating.result().values() if c.broken]  # (also: a statement nested too deeply)
    if broken:  # the others are verified and reported; a migration that is not valid SQL is bad input
        click.echo("error: " + "\nerror: ".join(dict.fromkeys(broken)), err=True)
        return EXIT_INPUT
    return code


def _dbname(i: int) -> str:
    return f"supabase_rollback_verify_{i}"


def _baseline_missing_extensions(server) -> list[str]:
    wanted = baseline_extensions()
    with server.connect() as conn:
        available = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions")}
    return [w for w in wanted if w not in available]


def _live(args, db_url, last, migrations, migrations_dir, rollbacks_dir, generated, out: _Output,
          snapshots: Snapshots | None = None) -> int:
    from ..cli import _select
    import psycopg

    from ..verify import applied_versions, mask_url, verify_live

    shown_url = mask_url(db_url)
    by_version = {m.version: m for m in migrations}
    with psycopg.connect(db_url, autocommit=True, connect_timeout=15) as conn:
        applied = applied_versions(conn)
    if not applied:
        raise InputError(f"{shown_url}: no migrations recorded in supabase_migrations.schema_migrations; "
                         "live mode verifies applied migrations (use fresh mode, without --db-url, otherwise)")
    if args and last is not None:
        raise InputError("give either MIGRATION arguments or --last, not both")
    if args:
        chosen = sorted({t.version for t, _ in _select(args, migrations, migrations_dir)})
        newest = applied[-len(chosen):]
        if chosen != newest:
            raise InputError(
                "live mode can only verify the newest applied migrations, newest first; "
                f"the newest {len(chosen)} applied: {', '.join(newest)}; asked for: {', '.join(chosen)}"
            )
    else:
        n = last or 1
        if n > len(applied):
            raise InputError(f"--last {n}: only {len(applied)} migrations are applied on {shown_url}")
        chosen = applied[-n:]
    unknown = [v for v in chosen if v not in by_version]
    if unknown:
        raise InputError(f"{', '.join(unknown)}: applied on {shown_url} but not found in {migrations_dir}")
    shared = [by_version[v] for v in chosen if by_version[v].shares_version]
    if shared:
        m = shared[0]
        click.echo(f"error: version {m.version} belongs to {' and '.join([m.path.name, *m.shares_version])}: which "
                   "of them this database ran is not certain, so live mode will not guess; verify them in fresh mode "
                   "(without --db-url), or rename one of them to a new version", err=True)
        return EXIT_ACTION
    notes = []
    folder_upto = [m.version for m in migrations if m.version <= chosen[-1]]
    if folder_upto != [v for v in applied if v <= chosen[-1]]:
        notes.append("the migrations applied on the database differ from the migrations folder; "
                     "rollbacks are generated from the folder")
    targets = [by_version[v] for v in chosen]
    selected = [(t, migrations[: migrations.index(t) + 1]) for t in targets]
    cands = _candidates(selected, migrations, rollbacks_dir, generated, snapshots)
    out.info(f"Live database: {shown_url} (one transaction, rolled back at the end)")
    began = time.monotonic()
    with out.progress(len(targets)) as step:
        report: LiveReport = verify_live(db_url, [(t, cands[t.path.resolve()]) for t in targets], progress=step)
    if report.untouched:
        notes.append("the database's schema after the final ROLLBACK is exactly the one found (checked)")
    else:
        notes.append("WARNING: the database's schema after the final ROLLBACK differs from the one found; "
                     "something else changed it meanwhile")
    return out.finish({
        "mode": "live", "server": {"kind": f"PostgreSQL {report.server_version}", "version": report.server_version,
                                   "embedded": False, "url": shown_url},
        "results": report.results, "notes": notes, "seconds": time.monotonic() - began,
    })


# -- output ---------------------------------------------------------------------------------------


def _rollback_label(c: Candidate | None) -> str:
    if c is None:
        return ""
    if c.source == "generated":
        return "generated in memory"
    if c.source == "none":
        return "no rollback"
    return c.path.name + ("" if c.file_state == "up to date" else f" ({c.file_state})")


def _result_json(r: Result) -> dict[str, Any]:
    c = r.candidate
    return {
        "version": r.migration.version,
        "name": r.migration.name,
        "file": str(r.migration.path),
        "status": r.status.value,
        "reason": r.reason,
        "details": r.details,
        "rollback": None if c is None else {
            "source": c.source,
            "file": str(c.path) if c.source == "file" else None,
            "state": c.file_state,
            "manual_steps": c.manual,
        },
        "seconds": round(r.seconds, 3),
    }


def summary(results: list[Result]) -> dict[str, int]:
    counts = {s.value: 0 for s in _order()}
    for r in results:
        counts[r.status.value] += 1
    counts["total"] = len(results)
    return counts


def _cannot_connect(exc: BaseException) -> bool:
    import psycopg

    return isinstance(exc, psycopg.OperationalError)


def exit_code(results: list[Result]) -> int:
    from ..verify import Status

    return EXIT_ACTION if any(r.status in (Status.FAILED, Status.MANUAL) for r in results) else 0


class _Output:
    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.tty = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"

    def info(self, line: str) -> None:
        click.echo(line, err=self.fmt == "json")

    @contextmanager
    def progress(self, n: int) -> Iterator[Any]:
        """A callback taking the migration about to be verified: a progress bar on a
        terminal, else one line per migration on stderr for long runs in CI logs."""
        if not self.tty or n < 2:
            yield lambda m: None
            return
        with click.progressbar(length=n, label="Verifying", file=sys.stderr, show_pos=True,
                               item_show_func=lambda s: s or "") as bar:
            seen = [0]

            def step(m: Migration) -> None:
                bar.update(1 if seen[0] else 0, current_item=m.stem)
                seen[0] += 1

            yield step
            bar.update(n - seen[0] + 1 if seen[0] else n)

    def finish(self, report: dict[str, Any]) -> int:
        from ..verify import Status

        results: list[Result] = report["results"]
        code = exit_code(results)
        if self.fmt == "json":
            doc = {
                "schema_version": JSON_SCHEMA_VERSION,
                "mode": report["mode"],
                "server": report["server"],
                "migrations": [_result_json(r) for r in results],
                "summary": summary(results),
                "notes": report["notes"],
                "seconds": round(report["seconds"], 3),
                "exit_code": code,
            }
            click.echo(json.dumps(doc, indent=2))
            return code
        width = max((len(r.migration.stem) for r in results), default=0)
        for r in results:
            click.echo(f"{r.status.label:<28} {r.migration.stem:<{width}}  {_rollback_label(r.candidate)}  "
                       f"{r.seconds:.2f}s")
            if r.status is not Status.VERIFIED and r.reason:
                click.echo(f"    {r.reason}")
            for d in r.details:
                click.echo(f"    {d}")
        for n in report["notes"]:
            click.echo(f"note: {n}")
        counts = summary(results)
        click.echo("")
        click.echo("Summary")
        for status in _order():
            label = {"skipped": "skipped (environment)", "manual": "manual steps (not verifiable until resolved)"}.get(
                status.value, status.label)
            click.echo(f"  {label:<46}{counts[status.value]:>4}")
        click.echo(f"  {'total':<46}{counts['total']:>4}   in {report['seconds']:.1f}s")
        return code
