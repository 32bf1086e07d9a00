"""Proving rollbacks on a real PostgreSQL: the engine of ``supabase-rollback verify``.

A rollback is trusted once it has run. Two modes:

Fresh mode (``verify_fresh``), on a throwaway server (generator/server.py) and one
database holding the Supabase baseline. The history is replayed once, going forward;
for each migration under test::

    S0 = the schema now (the previous migration's S3)
    apply the migration                     -> S1
    apply its rollback                      -> S2, must equal S0, and the migration's
                                               row must be gone from schema_migrations
    apply the migration again               -> S3, must equal S1

so N migrations cost about 3N file executions, not N², and 3N snapshots that each re-read
only the objects changed since the previous one (``snapshot.IncrementalSnapshots``: the
throwaway database changes only through us). Only when a rollback fails or
leaves a different schema is the state rebuilt (a fresh clone of the baseline and a
forward replay of what was applied), so later migrations still start from the true
history. Migrations run like ``supabase db push`` runs them: the whole file and its
``schema_migrations`` row in one transaction (a file with its own transaction control
or with statements that cannot run in a transaction, such as CONCURRENTLY, runs
statement by statement as ``psql -f`` would). Rollbacks run as written (their own
BEGIN/COMMIT honoured), each in a new session, like ``psql -f``.

Live mode (``verify_live``), on a database whose migrations are already applied
(``supabase start``'s): everything runs in ONE transaction that is always rolled back.
Snapshot; roll back the newest migration(s), newest first, snapshotting after each;
re-apply them, oldest first, each compared with the schema before its rollback. Files
are executed statement by statement with their own BEGIN/COMMIT skipped; statements
that cannot run in a transaction are refused before anything runs.

Outcomes (``Status``): verified; verified except column order; failed (a difference,
or an error while applying, named by file, line, statement and PostgreSQL's message);
manual (the rollback still has unresolved MANUAL STEPs, so it cannot run unedited);
skipped (the server lacks something the migration or its rollback needs, such as an
extension Supabase installs but PostgreSQL's contrib does not ship, or an earlier
migration that it depends on was skipped).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg.sql
from pglast import ast
from pglast.enums import AlterTableType, TransactionStmtKind

from .engine import Rollback
from .parse import InputError, Migration, Statement, parse_statements
from .project import not_a_file
from .render import is_hand_edited, manual_raise_messages, render_sql, rollback_file_name
from .snapshot import BACKUP_SCHEMA, Diff, IncrementalSnapshots, Snapshot, diff, snapshot

HISTORY_TABLE = "supabase_migrations.schema_migrations"
# Set to 1 to compare every incremental snapshot of fresh mode with a full one (slow; for tests).
ENV_CHECK_SNAPSHOTS = "SUPABASE_ROLLBACK_CHECK_SNAPSHOTS"
LIVE_LOCK_TIMEOUT = "10s"

# -- statements and their errors ----------------------------------------------------------------


@dataclass
class SqlError(Exception):
    """A statement of a file failed on the server: where, what, and PostgreSQL's words."""

    path: Path
    line: int
    statement: str
    sqlstate: str | None
    message: str
    detail: str | None = None
    hint: str | None = None

    @classmethod
    def from_exc(cls, stmt: Statement, exc: psycopg.Error) -> SqlError:
        d = exc.diag
        line = stmt.line
        pos = d.statement_position
        if pos and pos.isdigit():
            line += stmt.sql[: int(pos) - 1].count("\n")
        message = d.message_primary or str(exc).strip().splitlines()[0]
        return cls(stmt.path, line, stmt.sql, d.sqlstate, message, d.message_detail, d.message_hint)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def one_line(self) -> str:
        return f"{self.where}: {' '.join(self.message.split())}"

    def lines(self) -> list[str]:
        """The error, its statement (first lines) and PostgreSQL's detail/hint."""
        first, *more = self.message.splitlines() or [""]
        out = [f"{self.where}: ERROR {self.sqlstate or ''}: {first}".replace("ERROR : ", "ERROR: ")]
        out.extend(f"  {m}" for m in more)
        text = self.statement.rstrip()
        stmt = (text if text.endswith(";") else text + ";").splitlines()
        shown = stmt[:4] + (["..."] if len(stmt) > 4 else [])
        out.extend(f"    {s}" for s in shown)
        if self.detail:
            out.append(f"  DETAIL: {self.detail}")
        if self.hint:
            out.append(f"  HINT: {self.hint}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def statements_of(text: str, path: Path) -> list[Statement]:
    return parse_statements(text, path)


_SKIPPED_TXN = {TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START,
                TransactionStmtKind.TRANS_STMT_COMMIT}
_ALLOWED_TXN = {TransactionStmtKind.TRANS_STMT_SAVEPOINT, TransactionStmtKind.TRANS_STMT_RELEASE,
                TransactionStmtKind.TRANS_STMT_ROLLBACK_TO}


def non_transactional(node: ast.Node, server_major: int = 99) -> str | None:
    """What makes ``node`` impossible inside a transaction block, or None.

    CONCURRENTLY (CREATE/DROP/REINDEX, DETACH PARTITION), VACUUM, CREATE/DROP DATABASE,
    ALTER SYSTEM, CREATE/DROP TABLESPACE, CREATE/DROP SUBSCRIPTION, CLUSTER of every
    table, REINDEX SYSTEM/DATABASE, and before PostgreSQL 12 ALTER TYPE ... ADD VALUE.
    """
    if isinstance(node, ast.IndexStmt) and node.concurrent:
        return "CREATE INDEX CONCURRENTLY"
    if isinstance(node, ast.DropStmt) and node.concurrent:
        return "DROP INDEX CONCURRENTLY"
    if isinstance(node, ast.ReindexStmt):
        if any(getattr(p, "defname", "") == "concurrently" for p in node.params or ()):
            return "REINDEX CONCURRENTLY"
        if node.kind is not None and node.kind.name in ("REINDEX_OBJECT_SYSTEM", "REINDEX_OBJECT_DATABASE"):
            return "REINDEX SYSTEM/DATABASE"
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            part = getattr(cmd, "def_", None)
            if cmd.subtype == AlterTableType.AT_DetachPartition and getattr(part, "concurrent", False):
                return "DETACH PARTITION CONCURRENTLY"
    if isinstance(node, ast.VacuumStmt) and node.is_vacuumcmd:
        return "VACUUM"
    if isinstance(node, ast.ClusterStmt) and node.relation is None:
        return "CLUSTER without a table"
    if isinstance(node, ast.AlterEnumStmt) and node.newVal and server_major < 12:
        return "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)"
    names = {
        ast.CreatedbStmt: "CREATE DATABASE", ast.DropdbStmt: "DROP DATABASE", ast.AlterSystemStmt: "ALTER SYSTEM",
        ast.CreateTableSpaceStmt: "CREATE TABLESPACE", ast.DropTableSpaceStmt: "DROP TABLESPACE",
        ast.CreateSubscriptionStmt: "CREATE SUBSCRIPTION", ast.DropSubscriptionStmt: "DROP SUBSCRIPTION",
    }
    for cls, name in names.items():
        if isinstance(node, cls):
            return name
    if isinstance(node, ast.TransactionStmt) and node.kind not in _SKIPPED_TXN | _ALLOWED_TXN:
        return f"transaction control ({node.kind.name.removeprefix('TRANS_STMT_').replace('_', ' ')})"
    return None


def _is_txn_control(s: Statement) -> bool:
    return isinstance(s.node, ast.TransactionStmt) and s.node.kind in _SKIPPED_TXN


# Session settings that newer PostgreSQL versions added and that `pg_dump` of those versions
# writes in its header (e.g. `SET transaction_timeout = 0;` since 17), with the first major
# version that has them. On an older test server such a SET is skipped: it changes no schema,
# and the project's own database (Supabase runs 15 and 17) is the one it was dumped from.
NEWER_SESSION_SETTINGS = {"transaction_timeout": 17}


def _newer_setting(s: Statement, server_major: int) -> bool:
    node = s.node
    return (isinstance(node, ast.VariableSetStmt) and (node.name or "").lower() in NEWER_SESSION_SETTINGS
            and server_major < NEWER_SESSION_SETTINGS[(node.name or "").lower()])


def run_statements(conn: psycopg.Connection, stmts: Iterable[Statement], *, skip_transaction_control: bool = False) -> None:
    """Execute ``stmts`` one by one; the first failure raises SqlError (file, line, message)."""
    server_major = conn.info.server_version // 10000
    for s in stmts:
        if skip_transaction_control and _is_txn_control(s) or _newer_setting(s, server_major):
            continue
        try:
            conn.execute(s.sql.encode())
        except psycopg.Error as exc:
            raise SqlError.from_exc(s, exc) from None


def _record(conn: psycopg.Connection, m: Migration, stmts: list[Statement]) -> None:
    # A file that shares its version with an earlier one is applied as on a database where
    # both ran (the Supabase CLI would stop at its schema_migrations_pkey): the row of the
    # version stays the first file's.
    conflict = " ON CONFLICT (version) DO NOTHING" if m.shares_version and not m.first_of_version else ""
    conn.execute(
        f"INSERT INTO {HISTORY_TABLE} (version, name, statements) VALUES (%s, %s, %s){conflict}",
        (m.version, m.name, [s.sql for s in stmts]),
    )


def apply_migration_fresh(conn: psycopg.Connection, m: Migration, stmts: list[Statement]) -> None:
    """Apply a migration the way ``supabase db push`` does: the file and its history row
    in one transaction. A file with its own transaction control or with statements that
    cannot run in a transaction runs statement by statement (``psql -f``), then its row."""
    as_written = any(non_transactional(s.node) or isinstance(s.node, ast.TransactionStmt) for s in stmts)
    if as_written:
        try:
            run_statements(conn, stmts)
        finally:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
        _record(conn, m, stmts)
        return
    conn.execute("BEGIN")
    try:
        run_statements(conn, stmts)
        _record(conn, m, stmts)
        conn.execute("COMMIT")
    except BaseException:
        if not conn.closed:
            conn.execute("ROLLBACK")
        raise


def apply_migration_live(conn: psycopg.Connection, m: Migration, stmts: list[Statement]) -> None:
    """Apply a migration inside the caller's transaction (its own BEGIN/COMMIT skipped)."""
    run_statements(conn, stmts, skip_transaction_control=True)
    _record(conn, m, stmts)


# -- what the server lacks ------------------------------------------------------------------------

_EXT_NOT_AVAILABLE = re.compile(r'extension "([^"]+)" is not available')
# What a stand-in extension (generator/standins) raises where the real one would act.
_STANDIN_LIMIT = re.compile(r'the stand-in for extension "([^"]+)" (cannot [^.\n]*)')
_CONTROL_FILE = re.compile(r'extension control file "[^"]*/([^"/]+)\.control"')
_LIB_FILE = re.compile(r'could not (?:access|load) (?:file|library) "([^"]+)"')
# Errors a migration gets when something an earlier, skipped migration would have created is absent.
_UNDEFINED = {"42704", "42883", "42P01", "3F000", "42703", "42P02"}


def environment_problem(err: SqlError) -> str | None:
    """``extension vector is not available on this server`` when ``err`` says so, else None."""
    text = f"{err.message} {err.detail or ''}"
    m = _EXT_NOT_AVAILABLE.search(text) or _CONTROL_FILE.search(text)
    if m and err.sqlstate in ("0A000", "58P01"):
        return f"extension {m.group(1)} is not available on this server"
    m = _STANDIN_LIMIT.search(text)
    if m and err.sqlstate == "0A000":
        return f"extension {m.group(1)} is a stand-in on this server, which {m.group(2).strip()}"
    m = _LIB_FILE.search(text)
    if m and err.sqlstate == "58P01":
        return f"library {m.group(1)} is not installed on this server"
    if err.sqlstate == "42601" and 'unrecognized privilege type "maintain"' in err.message:
        return "privilege MAINTAIN (PostgreSQL 17) is unknown to this server"
    if err.sqlstate == "55000" and "shared_preload_libraries" in text:
        return f"the server would need shared_preload_libraries: {err.message}"
    return None


# -- the rollback to verify -----------------------------------------------------------------------

@dataclass
class Candidate:
    """The rollback that is verified for one migration.

    ``source`` is "file" (the rollback file of the rollbacks folder: what production will
    run), "generated" (rendered in memory, when there is no file) or "none" (the migration
    is not valid SQL: ``problem`` says so). ``file_state`` says
    how a file compares with what ``generate`` would write now: "up to date", "stale"
    (generated, but from another migration text or tool version) or "edited by hand".
    ``manual`` lists the MANUAL STEPs that are still unresolved. ``problem``: the rollback
    file is there but cannot be used (a folder, a link, a FIFO, unreadable); the migration
    is then reported FAILED with this message, never verified with the generated rollback.
    """

    migration: Migration
    sql: str
    path: Path
    source: str
    file_state: str | None = None
    manual: list[str] = field(default_factory=list)
    problem: str | None = None
    broken: str | None = None  # the migration's error when it is not valid SQL (source "none")


def unresolved_manual_steps(stmts: list[Statement]) -> list[str]:
    """The ``MANUAL STEP n not resolved: ...`` raises still present in a rollback file."""
    out = []
    for s in stmts:
        if isinstance(s.node, ast.DoStmt):
            out.extend(manual_raise_messages(s.sql)[:1])
    return out


def candidate(rb: Rollback, rollbacks_dir: Path | None, use_files: bool = True) -> Candidate:
    """The file ``<rollbacks_dir>/rollback_<stem>.sql`` when it exists (and ``use_files``),
    else the rollback generated now.

    Something under that name that is not a readable regular file (a folder, a symbolic
    link, a FIFO, a file that cannot be read) is never replaced by the generated rollback:
    production would run the file, so the candidate carries the ``problem`` (the path, what
    is wrong, what to do) and is not verified. It is never opened unless it is a regular
    file (reading a FIFO would wait forever)."""
    if rb.broken is not None:
        return Candidate(rb.migration, "", Path(f"<no rollback of {rb.migration.path.name}>"), "none",
                         problem=f"it has no rollback: {rb.broken.splitlines()[0]}",
                         broken=rb.broken)
    generated = render_sql(rb)
    path = (rollbacks_dir / rollback_file_name(rb.migration)) if rollbacks_dir is not None else None
    problem = not_a_file(path, follow=False) if use_files and path is not None else None
    text = None
    if problem is None and use_files and path is not None and path.is_file():
        try:
            text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        except OSError as exc:
            problem = f"cannot read: {exc.strerror or exc}"
        except UnicodeDecodeError as exc:
            problem = f"cannot read: not UTF-8 text (byte {exc.start})"
    if problem is not None:
        regen = f"`supabase-rollback generate {rb.migration.version}`"
        fix = (f"make it readable, or remove it and run {regen}" if problem.startswith("cannot read")
               else f"remove it, then run {regen}")
        return Candidate(rb.migration, "", path, "file", "unusable", problem=(
            f"{path}: {problem}; verify checks only the file production would run and will not use the "
            f"generated rollback instead: {fix}"))
    if text is not None:
        if text in (generated, render_sql(rb, backup=False)):
            state = "up to date"
        elif is_hand_edited(text):
            state = "edited by hand"
        else:
            state = "stale"
        c = Candidate(rb.migration, text, path, "file", state)
        try:
            c.manual = unresolved_manual_steps(statements_of(text, path))
        except InputError as exc:  # run as it is, it fails: reported for this migration only
            c.problem = f"the rollback file is not valid SQL: {exc}"
        return c
    shown = Path(f"<generated rollback of {rb.migration.path.name}>")
    c = Candidate(rb.migration, generated, shown, "generated")
    c.manual = [f"MANUAL STEP {i}: {s.manual}" for i, s in enumerate(rb.steps, 1) if s.manual]
    return c


# -- results ----------------------------------------------------------------------------------------


class Status(str, Enum):
    VERIFIED = "verified"
    COLUMN_ORDER = "column_order"
    FAILED = "failed"
    MANUAL = "manual"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        return {
            "verified": "verified", "column_order": "verified (column order only)", "failed": "FAILED",
            "manual": "manual steps", "skipped": "skipped",
        }[self.value]


@dataclass
class Result:
    """The verdict on one migration's rollback. ``reason`` is one line; ``details`` are the
    differences (reviewer sentences) or the error (file:line, statement, message)."""

    migration: Migration
    candidate: Candidate | None
    status: Status
    reason: str = ""
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in (Status.VERIFIED, Status.COLUMN_ORDER)


_AFTER_ROLLBACK = "after the rollback the schema differs from the one before the migration:"
_AFTER_REAPPLY = "re-applying the migration after the rollback gives a different schema than the first time:"
_AFTER_LIVE = "after the rollback and re-applying the migration, the schema differs from the one before the rollback:"
_SHORT = {
    _AFTER_ROLLBACK: "the rollback does not restore the schema",
    _AFTER_REAPPLY: "re-applying the migration gives another schema",
    _AFTER_LIVE: "rollback + re-apply does not give the schema back",
}


def _verdict(checks: list[tuple[str, Diff]]) -> tuple[Status, str, list[str]]:
    """Combine the comparisons of a round trip into a status, a reason and the details."""
    details: list[str] = []
    failed = [(what, d) for what, d in checks if d.differences]
    if failed:
        for what, d in failed:
            details.append(what)
            details.extend(f"  {x}" for x in d.differences + d.order_differences)
        what, d = failed[0]
        n = len(d.differences)
        reason = f"{_SHORT.get(what, what)} ({n} difference{'s' if n != 1 else ''}): {d.differences[0]}"
        return Status.FAILED, reason, details
    order = [(what, d) for what, d in checks if d.order_differences]
    if order:
        for what, d in order:
            details.extend(d.order_differences)
        return Status.COLUMN_ORDER, "a column was recreated at the end of its table", details
    return Status.VERIFIED, "", []


def _history_left(conn: psycopg.Connection, version: str, m: Migration | None = None) -> Diff:
    """The migration's row must be gone (for a version several files share: its own row,
    render.history_condition)."""
    if m is not None and m.shares_version:
        from .render import history_condition

        row = conn.execute(f"SELECT count(*) FROM {HISTORY_TABLE} WHERE {history_condition(m)}").fetchone()
    else:
        row = conn.execute(f"SELECT count(*) FROM {HISTORY_TABLE} WHERE version = %s", (version,)).fetchone()
    d = Diff()
    if row and row[0]:
        d.differences.append(f"version {version} is still recorded in {HISTORY_TABLE}")
    return d


Progress = Callable[[Migration], None]


# -- fresh mode ---------------------------------------------------------------------------------------


class _Fresh:
    """One working database on the throwaway server, moved forward migration by migration."""

    def __init__(self, server, dbname: str, adopt: bool = False) -> None:  # server: generator.server.Server
        self.server = server
        self.db = dbname
        # statements None: not parsed yet (a prefix restored from a saved state), parsed by rebuild()
        self.applied: list[tuple[Migration, list[Statement] | None]] = []
        self.unapplied: list[Migration] = []  # earlier migrations that could not be applied here
        self.base_roles: list[str] = []  # the cluster's roles before the history ran (rebuild() keeps only them)
        if not adopt:  # adopt: the database is there already (restored with the server's data folder)
            self.server.drop_database(dbname)
            self.server.baseline_database(dbname)
            with self.server.connect() as conn:
                self.base_roles = sorted(r[0] for r in conn.execute("SELECT rolname FROM pg_roles"))
        self._observer: psycopg.Connection | None = None
        self._snapshots: IncrementalSnapshots | None = None
        self._kept: Any = None  # the snapshotter's state for the next session (``close_observer(keep=True)``)
        self.check_snapshots = os.environ.get(ENV_CHECK_SNAPSHOTS, "") not in ("", "0")

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.server.dsn(self.db), autocommit=True)

    def applied_migrations(self) -> list[Migration]:
        return [m for m, _ in self.applied]

    @property
    def observer(self) -> psycopg.Connection:
        """One session kept open for snapshots and checks (files run in their own sessions)."""
        if self._observer is None or self._observer.closed:
            self._observer = self.connect()
        return self._observer

    def close_observer(self, keep: bool = False) -> None:
        """``keep``: the database stays as it is (the server may be restarted meanwhile), so the
        next session's first snapshot re-reads only what changed from here."""
        if not keep:
            self._kept = None
        elif self._snapshots is not None:
            self._kept = self._snapshots.state
        if self._observer is not None:
            self._observer.close()
            self._observer = None
        self._snapshots = None

    def snap(self) -> Snapshot:
        """The schema now: what ``snapshot()`` gives, re-reading only the objects changed since
        the previous call (``IncrementalSnapshots``: this database changes only through us)."""
        if self._snapshots is None or self._snapshots.conn is not self.observer:
            self._snapshots = IncrementalSnapshots(self.observer, check=self.check_snapshots)
            self._snapshots.state, self._kept = self._kept, None
        return self._snapshots.take()

    def look(self) -> tuple[Snapshot, Any]:
        """The schema now and what the incremental snapshotter knows of it (to be saved with
        the database); the session is closed after, the snapshotter's state kept."""
        s = self.snap()
        assert self._snapshots is not None
        state = self._snapshots.state
        self.close_observer(keep=True)
        return s, state

    def go_on_from(self, state: Any) -> None:
        """The next ``snap()`` re-reads only what changed since ``state`` was taken of this very
        database (``look()``; the same data folder, restarted or restored byte for byte)."""
        self.close_observer()
        self._kept = state

    def apply(self, m: Migration, stmts: list[Statement]) -> None:
        with self.connect() as conn:
            apply_migration_fresh(conn, m, stmts)

    def run_rollback(self, c: Candidate) -> None:
        """The rollback as written, in a new session (like ``psql -f``)."""
        try:
            stmts = statements_of(c.sql, c.path)
        except InputError as exc:  # the rollback is not valid SQL: its migration fails, the others go on
            raise SqlError(c.path, 1, "", "42601", f"the rollback is not valid SQL: {exc}") from None
        with self.connect() as conn:
            run_statements(conn, stmts)

    def rebuild(self) -> None:
        """A fresh clone of the baseline with everything applied so far replayed."""
        self.close_observer()
        self.server.drop_database(self.db)
        self._drop_new_roles()
        self.server.baseline_database(self.db)
        for m, stmts in self.applied:
            self.apply(m, stmts if stmts is not None else statements_of(m.text, m.path))

    def _drop_new_roles(self) -> None:
        """Roles live in the cluster, not in the dropped database: those the history created
        go too, so that replaying it creates them again (as on a fresh server)."""
        if not self.base_roles:
            return
        with self.server.connect() as conn:
            for (name,) in conn.execute("SELECT rolname FROM pg_roles WHERE NOT (rolname = ANY(%s))",
                                        (self.base_roles,)).fetchall():
                try:
                    conn.execute(psycopg.sql.SQL("DROP ROLE {}").format(psycopg.sql.Identifier(name)))
                except psycopg.Error:  # still used elsewhere in the cluster: the replay says so if it matters
                    pass

    def drop(self) -> None:
        self.close_observer()
        self.server.drop_database(self.db)


@dataclass
class Prefix:
    """What replaying the first ``count`` migrations of a history recorded (by file name):
    enough, with a database holding them, to go on as if they had just been replayed."""

    count: int
    applied: list[str]
    unapplied: list[str]
    notes: list[str]
    broken: list[str]
    blocker: tuple[str, str] | None
    base_roles: list[str] = field(default_factory=list)  # the cluster's roles before the history ran
    # The schema of the database holding them, with what the incremental snapshotter knows of
    # it (``_Fresh.look``): the first snapshot after a restore is then incremental, not a full
    # read. None: not known (the first snapshot reads everything). Not part of the JSON record.
    schema: tuple[Snapshot, Any] | None = field(default=None, repr=False, compare=False)

    def record(self) -> dict[str, Any]:
        """The JSON-able part (generator/verify_state.py saves it)."""
        return {"count": self.count, "applied": self.applied, "unapplied": self.unapplied, "notes": self.notes,
                "broken": self.broken, "blocker": self.blocker, "base_roles": self.base_roles}


@dataclass
class Blocker:
    """An earlier migration that could not be applied: later errors are put down to it
    (``apply_failure``; ``learn`` skips migrations the same way)."""

    stem: str
    why: str


def verify_fresh(
    server,
    history: list[Migration],
    candidates: Mapping[str, Candidate],
    *,
    dbname: str = "supabase_rollback_verify",
    progress: Progress | None = None,
    notes: list[str] | None = None,
    broken: list[str] | None = None,
    resume: Prefix | None = None,
    on_prefix: Callable[[Prefix, Callable[[], tuple[Snapshot, Any]]], None] | None = None,
    drop_after: bool = True,
) -> list[Result]:
    """Verify the rollbacks in ``candidates`` (by migration stem, ``Migration.stem``) along
    ``history``.

    ``history`` is replayed once, in order, in one database of ``server``; migrations
    without a candidate are only applied. Problems with those (and other remarks) go to
    ``notes``. A migration that is not valid SQL fails on the server too: it is reported
    (FAILED when it is a candidate, a note otherwise; its error goes to ``broken``) and not
    applied, and the later
    migrations that then fail to apply are SKIPPED as depending on it.

    ``resume``: the database ``dbname`` already holds the first ``resume.count`` migrations
    (a saved state, generator/verify_state.py), which are then not replayed; what their
    replay recorded (applied, not applied, notes, errors, the blocker) is taken from it.
    ``on_prefix`` is called once with the same record when the replay reaches the first
    migration to verify (the database then holds exactly the migrations before it), with
    no session open, so that the state can be saved, and a function that takes the schema
    there (``_Fresh.look``, to be saved with it). ``resume.schema``: that schema, as saved;
    the first snapshot is then incremental. ``drop_after=False`` leaves the database on the
    server (that is about to be thrown away: dropping thousands of files is not free).
    """
    notes = notes if notes is not None else []
    broken = broken if broken is not None else []
    notes_from, broken_from = len(notes), len(broken)
    run = _Fresh(server, dbname, adopt=resume is not None)
    results: list[Result] = []
    blocker: Blocker | None = None
    current: Snapshot | None = None
    start = 0
    if resume is not None:
        start = resume.count
        by_name = {m.path.name: m for m in history[:start]}
        run.applied = [(by_name[n], None) for n in resume.applied]
        run.unapplied = [by_name[n] for n in resume.unapplied]
        run.base_roles = list(resume.base_roles)
        notes.extend(resume.notes)
        broken.extend(resume.broken)
        blocker = Blocker(*resume.blocker) if resume.blocker else None
        if resume.schema is not None:
            current = resume.schema[0]
            run.go_on_from(resume.schema[1])
    try:
        for i, m in enumerate(history[start:], start):
            wanted = m.stem in candidates
            if wanted and on_prefix is not None:
                looked: list[tuple[Snapshot, Any]] = []

                def look() -> tuple[Snapshot, Any]:
                    looked.append(run.look())
                    return looked[-1]

                run.close_observer(keep=True)
                on_prefix(Prefix(i, [a.path.name for a, _ in run.applied], [u.path.name for u in run.unapplied],
                                 notes[notes_from:], broken[broken_from:],
                                 (blocker.stem, blocker.why) if blocker else None, run.base_roles), look)
                on_prefix = None
                if looked:  # the schema here is known: the round trip starts from it
                    current = looked[-1][0]
            if wanted and current is None and not ready(candidates):
                # the rollback is still being generated (``Later``): the schema before the
                # migration, which its round trip starts from, is taken meanwhile
                current = run.snap()
            c = candidates.get(m.stem)
            if c is not None and progress:
                progress(m)
            started = time.monotonic()
            try:
                if m.unreadable:
                    raise InputError(m.unreadable)
                stmts = statements_of(m.text, m.path)
            except InputError as exc:
                broken.append(str(exc))
                why = f"not valid SQL, so it fails on the server too and has no rollback: {str(exc).splitlines()[0]}"
                blocker = blocker or Blocker(m.path.name, why)
                if c is None:
                    notes.append(f"{m.path.name} (history only) is {why}; not applied")
                else:
                    results.append(Result(m, c, Status.FAILED, why, str(exc).splitlines()[1:],
                                          time.monotonic() - started))
                current = None
                continue
            if m.shares_version and c is not None:
                notes.append(f"{m.path.name} shares version {m.version} with {', '.join(m.shares_version)}: verified "
                             "as on a database where both ran (`supabase db push` applies only the first of them)")
            if c is None or c.manual or c.problem:
                try:
                    run.apply(m, stmts)
                    run.applied.append((m, stmts))
                    current = None
                except SqlError as err:
                    status, reason, blocker = apply_failure(m, err, blocker)
                    run.unapplied.append(m)
                    if c is None:
                        notes.append(f"{m.path.name} (history only) could not be applied: {reason}")
                    else:
                        results.append(Result(m, c, status, reason, err.lines(), time.monotonic() - started))
                    current = None
                    continue
                if c is not None and c.problem:
                    results.append(Result(m, c, Status.FAILED, c.problem, [], time.monotonic() - started))
                elif c is not None:
                    results.append(Result(
                        m, c, Status.MANUAL, "not verifiable until resolved: " + "; ".join(c.manual),
                        [], time.monotonic() - started,
                    ))
                continue
            result, current = _round_trip(run, m, stmts, c, current, blocker)
            if result.status is Status.SKIPPED or (result.status is Status.FAILED and result.reason.startswith("the migration")):
                if m not in run.applied_migrations():
                    run.unapplied.append(m)
                if blocker is None:
                    blocker = Blocker(m.path.name, result.reason)
            result.seconds = time.monotonic() - started
            results.append(result)
    finally:
        if drop_after:
            run.drop()
        else:
            run.close_observer()
    return results


class Later(Mapping[str, Candidate]):
    """Candidates being generated by ``future`` (a dict), by migration stem: ``keys`` maps each
    stem to its key in that dict. Which migrations have one is known at once; a candidate
    itself is waited for (and an error of the generation raised) when it is looked at."""

    def __init__(self, keys: dict[str, Any], future: Future[dict[Any, Candidate]]) -> None:
        self.key_of = keys
        self.future = future

    def __contains__(self, stem: object) -> bool:
        return stem in self.key_of

    def __getitem__(self, stem: str) -> Candidate:
        key = self.key_of[stem]  # (KeyError at once for a migration without one)
        return self.future.result()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.key_of)

    def __len__(self) -> int:
        return len(self.key_of)


def ready(candidates: Mapping[str, Candidate]) -> bool:
    return not isinstance(candidates, Later) or candidates.future.done()


def apply_failure(m: Migration, err: SqlError, blocker: Blocker | None) -> tuple[Status, str, Blocker | None]:
    """Why ``m`` did not apply (``err``): SKIPPED for the environment (the server lacks an
    extension, a library...) or for an earlier migration that could not be applied
    (``blocker``), FAILED when the migration itself fails; the reason, and the blocker that
    later failures are put down to. ``m`` is then not applied, and the history goes on."""
    env = environment_problem(err)
    if env:
        return Status.SKIPPED, f"environment: {env}", blocker or Blocker(m.path.name, env)
    if blocker is not None:
        return Status.SKIPPED, f"depends on {blocker.stem}, which could not be applied ({err.one_line()})", blocker
    return Status.FAILED, f"the migration itself fails: {err.one_line()}", Blocker(m.path.name, err.one_line())


def _round_trip(
    run: _Fresh, m: Migration, stmts: list[Statement], c: Candidate, s0: Snapshot | None, blocker: Blocker | None,
) -> tuple[Result, Snapshot | None]:
    """Migration, rollback, migration again; returns the result and the schema now."""
    if s0 is None:
        s0 = run.snap()
    try:
        run.apply(m, stmts)
    except SqlError as err:
        status, reason, _ = apply_failure(m, err, blocker)
        return Result(m, c, status, reason, err.lines()), None
    run.applied.append((m, stmts))
    s1 = run.snap()

    try:
        run.run_rollback(c)
    except SqlError as err:
        env = environment_problem(err)
        if env:  # e.g. recreating pg_graphql, which Supabase has and this server does not ship
            res = Result(m, c, Status.SKIPPED, f"environment: {env} (the rollback needs it)", err.lines())
        elif blocker is not None and (err.sqlstate in _UNDEFINED or _self_check_explained(err, run.unapplied)):
            res = Result(m, c, Status.SKIPPED, f"depends on {blocker.stem}, which could not be applied "
                         f"(the rollback fails: {err.one_line()})", err.lines())
        elif _needs_data(err):  # its own guard: the rows the migration deleted must come back first
            res = Result(m, c, Status.MANUAL, f"the rollback stops: {err.message.splitlines()[0]}", err.lines())
        else:
            res = Result(m, c, Status.FAILED, f"the rollback fails: {err.one_line()}", err.lines())
        return res, _restore(run, s1)
    s2 = run.snap()
    left = _history_left(run.observer, m.version, m)
    run.observer.execute(f"DROP SCHEMA IF EXISTS {BACKUP_SCHEMA} CASCADE")
    back = diff(s0, s2)
    back.differences.extend(left.differences)
    checks = [(_AFTER_ROLLBACK, back)]

    try:
        run.apply(m, stmts)
    except SqlError as err:
        status, reason, details = _verdict(checks)
        res = Result(m, c, Status.FAILED, f"after the rollback the migration cannot be applied again: {err.one_line()}",
                     err.lines() + details)
        return res, _restore(run, s1)
    s3 = run.snap()
    checks.append((_AFTER_REAPPLY, diff(s1, s3)))
    status, reason, details = _verdict(checks)
    if status is Status.FAILED and blocker is not None:
        unexplained = [d for _, diff_ in checks for d in diff_.differences if not _names_unapplied(d, run.unapplied)]
        if not unexplained:
            # every difference is about an object an earlier migration that did not apply here
            # names: the server's history is not the project's, so this proves nothing either way
            status, reason = Status.SKIPPED, (f"depends on {blocker.stem}, which could not be applied "
                                              f"(every difference names an object of a migration not applied here: "
                                              f"{checks[0][1].differences[0] if checks[0][1].differences else reason})")
        else:
            details.append(f"note: {blocker.stem} was skipped earlier ({blocker.why}); this result may depend on it")
    now = s3 if s3 == s1 else _restore(run, s1)
    return Result(m, c, status, reason, details), now


_DIFF_NAMES = re.compile(r'"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)\s*\(|\.([A-Za-z_][A-Za-z0-9_$]*)')


def _names_unapplied(difference: str, unapplied: list[Migration]) -> bool:
    """Whether the object a difference sentence is about (``function public.f(...) exists
    but should not``, ``policy "p" on public.t is missing``) is named by a migration that
    could not be applied on this server. Only the sentence's subject (before its first
    colon or verb) is read."""
    subject = re.split(r": | is missing| exists but should not| does not exist| is gone| is back", difference,
                       maxsplit=1)[0]
    names = {next(g for g in m.groups() if g).replace('""', '"') for m in _DIFF_NAMES.finditer(subject)}
    if not names:  # "extension pg_trgm", "schema app": the last word is the name
        names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_$]*$", subject.strip()))
    names.discard("public")
    if not names or not unapplied:
        return False
    generated = subject.startswith(("index ", "constraint ")) or " constraint " in subject
    return all(any(named_in(n, m.text, generated) for m in unapplied) for n in names)


def named_in(name: str, text: str, generated: bool = False) -> bool:
    """Whether ``text`` names ``name``; for an index or constraint (``generated``) also a
    name PostgreSQL derives from a table's (``t_pkey``, ``t_email_key``, ``t_a_idx``)."""
    if re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text, re.I):
        return True
    if not generated:
        return False
    parts = name.split("_")
    return any(re.search(rf"(?<![\w$]){re.escape('_'.join(parts[:i]))}(?![\w$])", text, re.I)
               for i in range(len(parts) - 1, 0, -1) if len("_".join(parts[:i])) >= 3)


_SELF_CHECK = ("pre-flight check failed", "post-rollback assertion failed")


def _needs_data(err: SqlError) -> bool:
    """Whether the rollback stopped at its own guard because data the migration deleted must
    be restored first (``steps.DATA_FIRST``): a step for a person, not a wrong rollback."""
    from .steps import DATA_FIRST

    return err.sqlstate == "P0001" and err.message.startswith(DATA_FIRST)


def _self_check_explained(err: SqlError, unapplied: list[Migration]) -> bool:
    """Whether a rollback stopped by its own pre-flight check or post-rollback assertion
    only because of objects that migrations not applied on this server name: each listed
    item (``- table public.t does not exist, but ... left it``) names such an object."""
    if err.sqlstate != "P0001" or not err.message.startswith(_SELF_CHECK):
        return False
    items = [line.strip()[2:] for line in err.message.splitlines()[1:] if line.strip().startswith("- ")]
    return bool(items) and all(_names_unapplied(item, unapplied) for item in items)


def _restore(run: _Fresh, expected: Snapshot) -> Snapshot:
    """Make the database hold ``expected`` (the schema right after the migration) again."""
    now = run.snap()
    if now != expected:
        run.rebuild()
        now = run.snap()
    return now


# -- live mode ------------------------------------------------------------------------------------------


class LiveRefused(InputError):
    """Live mode cannot run these files inside a transaction (exit 2)."""


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (URLs and key=value conninfo)."""
    if "://" in url:
        parts = urlsplit(url)
        if parts.password is not None:
            host = parts.hostname or ""
            if ":" in host:
                host = f"[{host}]"
            netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
            parts = parts._replace(netloc=netloc)
        query = re.sub(r"(password=)[^&]*", r"\1***", parts.query)
        return urlunsplit(parts._replace(query=query))
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", url)


def applied_versions(conn: psycopg.Connection) -> list[str]:
    """Versions recorded in ``supabase_migrations.schema_migrations``, oldest first."""
    row = conn.execute("SELECT to_regclass(%s)", (HISTORY_TABLE,)).fetchone()
    if row is None or row[0] is None:
        return []
    return [r[0] for r in conn.execute(f"SELECT version FROM {HISTORY_TABLE} ORDER BY version")]


def check_live_files(files: list[tuple[Path, list[Statement]]], server_major: int) -> None:
    """Refuse (LiveRefused) any statement that cannot run inside the live transaction."""
    bad = []
    for path, stmts in files:
        for s in stmts:
            why = non_transactional(s.node, server_major)
            if why:
                bad.append(f"  {path}:{s.line}: {why}")
    if bad:
        raise LiveRefused(
            "live mode runs everything in one transaction that is rolled back at the end, and these "
            "statements cannot run inside a transaction:\n" + "\n".join(bad)
            + "\nVerify these migrations in fresh mode instead (run verify without --db-url)."
        )


@dataclass
class LiveReport:
    results: list[Result]
    untouched: bool  # the database's schema after the final ROLLBACK equals the one found
    server_version: str


def verify_live(
    url: str,
    targets: list[tuple[Migration, Candidate]],
    *,
    progress: Progress | None = None,
    lock_timeout: str = LIVE_LOCK_TIMEOUT,
) -> LiveReport:
    """Roll back ``targets`` (the newest applied migrations, oldest first) and re-apply
    them inside one transaction that is always rolled back."""
    parsed = [(m, statements_of(m.text, m.path), c, statements_of(c.sql, c.path)) for m, c in targets]
    results: dict[str, Result] = {}
    conn = psycopg.connect(url, autocommit=True)
    try:
        major = conn.info.server_version // 10000
        version = str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]  # type: ignore[index]
        check_live_files([(p.path, s) for m, ms, c, cs in parsed for p, s in ((m, ms), (c, cs))], major)
        conn.execute("BEGIN")
        conn.execute(f"SET LOCAL lock_timeout = '{lock_timeout}'")
        found = snapshot(conn)
        expected: dict[str, Snapshot] = {}
        current = found
        rolled_back: list[tuple[Migration, list[Statement], Candidate]] = []
        spent = {m.version: 0.0 for m, _, _, _ in parsed}
        blocked_by: str | None = None
        for m, mstmts, c, cstmts in reversed(parsed):  # newest first
            if progress:
                progress(m)
            if blocked_by:
                results[m.version] = Result(m, c, Status.SKIPPED, f"not run: the rollback of {blocked_by} did not succeed")
                continue
            if c.problem:
                results[m.version] = Result(m, c, Status.FAILED, c.problem)
                blocked_by = m.path.name
                continue
            if c.manual:
                results[m.version] = Result(m, c, Status.MANUAL, "not verifiable until resolved: " + "; ".join(c.manual))
                blocked_by = m.path.name
                continue
            conn.execute("SAVEPOINT supabase_rollback_verify")
            t0 = time.monotonic()
            try:
                run_statements(conn, cstmts, skip_transaction_control=True)
                left = _history_left(conn, m.version, m)
            except SqlError as err:
                conn.execute("ROLLBACK TO SAVEPOINT supabase_rollback_verify")
                results[m.version] = Result(m, c, Status.FAILED, f"the rollback fails: {err.one_line()}", err.lines())
                blocked_by = m.path.name
                continue
            if left.differences:
                conn.execute("ROLLBACK TO SAVEPOINT supabase_rollback_verify")
                results[m.version] = Result(m, c, Status.FAILED, left.differences[0], left.differences)
                blocked_by = m.path.name
                continue
            expected[m.version] = current
            current = snapshot(conn)
            spent[m.version] += time.monotonic() - t0
            rolled_back.append((m, mstmts, c))
        for m, mstmts, c in reversed(rolled_back):  # oldest first
            t0 = time.monotonic()
            try:
                apply_migration_live(conn, m, mstmts)
            except SqlError as err:
                results[m.version] = Result(
                    m, c, Status.FAILED, f"after the rollback the migration cannot be applied again: {err.one_line()}",
                    err.lines(),
                )
                break
            d = diff(expected[m.version], snapshot(conn))
            status, reason, details = _verdict([(_AFTER_LIVE, d)])
            results[m.version] = Result(m, c, status, reason, details)
            spent[m.version] += time.monotonic() - t0
        for m, _, c, _ in parsed:
            if m.version not in results:
                results[m.version] = Result(m, c, Status.SKIPPED, "not run: an earlier step of this live run failed")
            results[m.version].seconds = spent[m.version]
    finally:
        _rollback_and_close(conn)
    with psycopg.connect(url, autocommit=True) as check:
        untouched = snapshot(check) == found
    return LiveReport([results[m.version] for m, _ in targets], untouched, version)


def _rollback_and_close(conn: psycopg.Connection) -> None:
    """Always ROLLBACK (also after errors and Ctrl-C); closing the session would too."""
    try:
        if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.execute("ROLLBACK")
    except psycopg.Error:
        pass
    finally:
        conn.close()
