"""Running a rollback file against a database: the executor behind ``down``.

Rules implemented here:

- The file on disk (what was reviewed) is what runs, statement by statement, parsed with
  ``parse.parse_statements`` so every error names ``file:line``. The file's own
  ``BEGIN``/``COMMIT`` delimit its transactions ("parts"); statements outside them
  (``CONCURRENTLY``) run one by one in autocommit. A file that ends outside a transaction
  gets one more, empty, transaction for the history bookkeeping.
- Each rollback runs on a fresh connection (a fresh session, like ``psql -f``) with
  ``lock_timeout`` and ``statement_timeout`` set for the session and again with
  ``SET LOCAL`` inside each transaction, so a lock held by production traffic makes it
  fail fast instead of queueing (and making everyone else queue behind it).
- The first transaction starts by locking the migration's row of
  ``supabase_migrations.schema_migrations`` (``FOR UPDATE``): the migration must still be
  applied, and a second ``down`` of the same migration waits (up to lock_timeout). The
  last transaction ends by deleting that row (whatever the file did), so the schema
  change and the history change commit together.
- On any error the open transaction is rolled back, so the migration stays fully applied
  and recorded. A file of several parts (a ``CONCURRENTLY`` step between transactions)
  records each finished part in ``<backup schema>.down_progress`` in the same transaction
  (or, outside one, right after it); a later run skips finished parts of the same file
  (same sha256) and the last part deletes the records. Statements outside a transaction
  are idempotent (``IF [NOT] EXISTS``, see render.idempotent); an INVALID index that a
  failed ``CREATE INDEX CONCURRENTLY`` leaves behind is dropped before the statement is
  retried and right after it fails.
- A lost connection (``pg_terminate_backend``, network) is checked on a new connection:
  PostgreSQL rolled back whatever was open, and the history row and progress records say
  what had committed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from pglast import ast
from pglast.enums import ObjectType, TransactionStmtKind
from pglast.visitors import Visitor

from .parse import InputError, Statement, parse_statements
from .render import manual_raise_messages
from .sqltext import literal, qname, quote_ident, truncate_identifier

HISTORY_TABLE = "supabase_migrations.schema_migrations"
PROGRESS_TABLE = "down_progress"
APPLICATION_NAME = "supabase-rollback down"

_RISK = re.compile(r"^-- Data-loss risk: (\w+)\s*$", re.M)
_STEP = re.compile(r"^-- Step (\d+): ")
_HAZARD = re.compile(r"^-- hazard (\w+): (.*)$")


# -- the rollback file ----------------------------------------------------------------------


@dataclass
class Part:
    """A transaction of the file (``begin``/``commit`` are its own statements; None when
    the executor adds the transaction) or a run of statements outside any transaction."""

    transactional: bool
    statements: list[Statement] = field(default_factory=list)
    begin: Statement | None = None
    commit: Statement | None = None

    @property
    def label(self) -> str:
        return "a transaction" if self.transactional else "outside a transaction (CONCURRENTLY)"


@dataclass
class RollbackFile:
    path: Path
    text: str
    parts: list[Part]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def statements(self) -> list[Statement]:
        return [s for p in self.parts for s in p.statements]

    @property
    def risk(self) -> str:
        m = _RISK.search(self.text)
        return m.group(1) if m else "?"

    def hazards(self) -> list[str]:
        """``"step 14: DELETES_DATA: rows written to ..."`` for each hazard comment."""
        out, step = [], ""
        for line in self.text.splitlines():
            m = _STEP.match(line)
            if m:
                step = f"step {m.group(1)}: "
            h = _HAZARD.match(line)
            if h:
                out.append(f"{step}{h.group(1)}: {h.group(2).strip()}")
        return out

    def unresolved_manual_steps(self) -> list[str]:
        """``"line 40: MANUAL STEP 3 not resolved: ..."`` for each raising DO block left."""
        out = []
        for s in self.statements:
            if isinstance(s.node, ast.DoStmt):
                out.extend(f"line {s.line}: {message}" for message in manual_raise_messages(s.sql))
        return out

    def backups(self) -> list[tuple[int, str | None, str]]:
        """``(part number, schema, table)`` of each ``CREATE TABLE ... AS`` (the backups)."""
        out = []
        for n, p in enumerate(self.parts, 1):
            for s in p.statements:
                if isinstance(s.node, ast.CreateTableAsStmt) and s.node.objtype == ObjectType.OBJECT_TABLE:
                    rel = s.node.into.rel
                    out.append((n, rel.schemaname, rel.relname))
        return out


def read_rollback_file(path: Path) -> RollbackFile:
    """Parse ``path`` into parts; InputError for bad SQL or transactions it cannot follow."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None
    parts: list[Part] = []
    open_tx: Part | None = None
    for s in parse_statements(text, path):
        node = s.node
        if isinstance(node, ast.TransactionStmt):
            kind = node.kind
            if kind in (TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START):
                if open_tx is not None:
                    raise InputError(f"{s.where}: BEGIN inside the transaction opened at line {open_tx.begin.line}")
                open_tx = Part(True, begin=s)
                parts.append(open_tx)
                continue
            if kind == TransactionStmtKind.TRANS_STMT_COMMIT:
                if open_tx is None:
                    raise InputError(f"{s.where}: COMMIT without BEGIN")
                open_tx.commit, open_tx = s, None
                continue
            if kind not in (
                TransactionStmtKind.TRANS_STMT_SAVEPOINT,
                TransactionStmtKind.TRANS_STMT_RELEASE,
                TransactionStmtKind.TRANS_STMT_ROLLBACK_TO,
            ):
                raise InputError(f"{s.where}: `{s.sql}` is not supported in a rollback file run by `down`")
        if open_tx is not None:
            open_tx.statements.append(s)
        elif parts and not parts[-1].transactional:
            parts[-1].statements.append(s)
        else:
            parts.append(Part(False, [s]))
    if open_tx is not None:
        raise InputError(f"{open_tx.begin.where}: BEGIN without COMMIT")
    if not parts or not parts[-1].transactional:
        parts.append(Part(True))  # the history bookkeeping always runs in a transaction
    return RollbackFile(path, text, parts)


# -- what runs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    lock_timeout: str = "5s"
    statement_timeout: str = "0"
    backup_schema: str = "supabase_rollback_backup"


@dataclass
class Action:
    sql: str
    stmt: Statement | None = None  # the file's statement; None when the executor adds it
    note: str = ""  # why the executor adds it (a comment in --dry-run)
    guard: bool = False  # must return one row (the history row)


@dataclass
class Step:
    """One part of the file as it will run."""

    number: int  # 1-based part number in the file
    part: Part
    actions: list[Action]


def _progress(settings: Settings) -> str:
    return qname(settings.backup_schema, PROGRESS_TABLE)


def session_sql(settings: Settings, local: bool = False) -> list[str]:
    scope = "SET LOCAL" if local else "SET"
    return [
        f"{scope} lock_timeout = {literal(settings.lock_timeout)}",
        f"{scope} statement_timeout = {literal(settings.statement_timeout)}",
    ]


def program(rf: RollbackFile, version: str, settings: Settings, done: frozenset[int] = frozenset()) -> list[Step]:
    """The parts of ``rf`` still to run (``done``: part numbers finished by an earlier run)
    with everything the executor adds around the file's statements."""
    v = literal(version)
    several = len(rf.parts) > 1
    guarded = False
    out: list[Step] = []
    for n, part in enumerate(rf.parts, 1):
        if n in done:
            continue
        acts: list[Action] = []
        if part.transactional:
            acts.append(Action(part.begin.sql if part.begin else "BEGIN", part.begin,
                               "" if part.begin else "the history bookkeeping runs in a transaction"))
            local = session_sql(settings, True)
            acts.append(Action(local[0], note="fail fast instead of queueing behind other sessions"))
            acts += [Action(s) for s in local[1:]]
            if not guarded:
                acts.append(Action(
                    f"SELECT version FROM {HISTORY_TABLE} WHERE version = {v} FOR UPDATE",
                    note="the migration must still be applied; holds its history row until COMMIT", guard=True,
                ))
                guarded = True
        acts += [Action(s.sql, s) for s in part.statements]
        if n == len(rf.parts):
            acts.append(Action(f"DELETE FROM {HISTORY_TABLE} WHERE version = {v}",
                               note="remove the migration from the history, in the rollback's own transaction"))
            if several:
                acts.append(Action(f"DELETE FROM {_progress(settings)} WHERE version = {v}",
                                   note="this rollback is complete: forget its finished parts"))
        elif several:
            acts += [
                Action(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(settings.backup_schema)}",
                       note=f"record that part {n} is done, so a re-run after a failure skips it"),
                Action(f"CREATE TABLE IF NOT EXISTS {_progress(settings)} (version text NOT NULL, part integer NOT NULL,"
                       " file_sha256 text NOT NULL, done_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (version, part))"),
                Action(f"INSERT INTO {_progress(settings)} (version, part, file_sha256) VALUES ({v}, {n}, {literal(rf.sha256)})"),
            ]
        if part.transactional:
            acts.append(Action(part.commit.sql if part.commit else "COMMIT", part.commit))
        out.append(Step(n, part, acts))
    return out


def dry_run_sql(rf: RollbackFile, version: str, settings: Settings, done: frozenset[int] = frozenset()) -> str:
    """The exact statements ``run`` would send, in order, as a script."""
    lines = [f"-- new session: {', '.join(session_sql(settings))}"]
    lines += [f"{s};" for s in session_sql(settings)]
    for n in sorted(done):
        lines.append(f"-- part {n} of {len(rf.parts)} was finished by an earlier run: skipped")
    for step in program(rf, version, settings, done):
        lines.append("")
        lines.append(f"-- part {step.number} of {len(rf.parts)}: {step.part.label}")
        for a in step.actions:
            if a.note:
                lines.append(f"-- added by supabase-rollback: {a.note}")
            elif a.stmt is not None and not isinstance(a.stmt.node, ast.TransactionStmt):
                lines.append(f"-- {rf.path.name}:{a.stmt.line}")
            lines.append(a.sql if a.sql.rstrip().endswith(";") else f"{a.sql};")
    return "\n".join(lines) + "\n"


# -- reading the database's state -----------------------------------------------------------


def finished_parts(conn: psycopg.Connection, version: str, settings: Settings) -> dict[int, str]:
    """``{part: file_sha256}`` recorded by earlier runs for ``version``."""
    table = _progress(settings)
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    if not row or not row[0]:
        return {}
    return dict(conn.execute(f"SELECT part, file_sha256 FROM {table} WHERE version = %s", (version,)).fetchall())


def is_applied(conn: psycopg.Connection, version: str) -> bool:
    return conn.execute(f"SELECT EXISTS (SELECT FROM {HISTORY_TABLE} WHERE version = %s)", (version,)).fetchone()[0]


def existing_tables(conn: psycopg.Connection, qualified: list[str]) -> list[str]:
    return [q for q in qualified if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (q,)).fetchone()[0]]


# -- running --------------------------------------------------------------------------------


@dataclass
class Failure(Exception):
    """A rollback that stopped. ``state`` says what the database holds now."""

    rf: RollbackFile
    version: str
    what: str  # what happened, one or more lines
    action: Action | None = None
    finished: list[int] = field(default_factory=list)  # part numbers committed (this run or earlier)
    completed: bool = False  # the rollback committed after all (connection lost after COMMIT)
    in_transaction: bool = True  # the failed part was a transaction (else CONCURRENTLY statements)

    def where(self) -> str:
        if self.action is None:
            return ""
        if self.action.stmt is None:
            return f"(statement added by supabase-rollback) {_first_line(self.action.sql)}"
        return f"{self.action.stmt.where}: {_first_line(self.action.sql)}"

    def state(self) -> str:
        failed = ("the failed transaction was rolled back" if self.in_transaction else
                  "the statements of the failed part that ran before the error stay done; they are idempotent")
        if not self.finished and self.in_transaction:
            return (f"Nothing of this rollback was kept: {failed}, so migration {self.version} "
                    f"is still fully applied and recorded in {HISTORY_TABLE}.")
        done = (f"Parts {', '.join(str(n) for n in self.finished)} of {len(self.rf.parts)} of the file had finished "
                f"(recorded in the backup schema's {PROGRESS_TABLE} table); " if self.finished else "")
        return (f"{done}{failed}. Migration {self.version} is still recorded in {HISTORY_TABLE}; "
                "running down again continues from there.")


def _first_line(sql: str, width: int = 100) -> str:
    text = sql.strip()
    line = text.split("\n", 1)[0][: width - 3]
    return line if line == text else line + "..."


Connect = Callable[[], psycopg.Connection]


def connector(conninfo: str, connect_timeout: int = 10) -> Connect:
    """A function opening autocommit connections to ``conninfo`` for ``run``."""
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    params.setdefault("connect_timeout", connect_timeout)
    params["application_name"] = APPLICATION_NAME
    return lambda: psycopg.connect(**params, autocommit=True)


def run(connect: Connect, rf: RollbackFile, version: str, settings: Settings,
        done: frozenset[int] = frozenset()) -> list[str]:
    """Run what is left of ``rf`` on a new connection; return the backup tables it created.

    Raises Failure (saying what the database holds now) on any error; the open
    transaction has then been rolled back.
    """
    finished = sorted(done)
    try:
        conn = connect()
    except psycopg.Error as exc:
        raise Failure(rf, version, f"cannot connect: {pg_message(exc)}", finished=finished) from None
    created: list[str] = []
    try:
        try:
            for s in session_sql(settings):
                conn.execute(s)
        except psycopg.Error as exc:
            raise Failure(rf, version, f"cannot set the timeouts: {pg_message(exc)}", finished=finished) from None
        for step in program(rf, version, settings, done):
            _run_step(conn, connect, rf, version, settings, step, finished)
            finished.append(step.number)
            created += [qname(schema, name) for n, schema, name in rf.backups() if n == step.number]
    finally:
        conn.close()
    return created


def _in_transaction(conn: psycopg.Connection) -> bool:
    return not (conn.closed or conn.broken) and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def _run_step(conn: psycopg.Connection, connect: Connect, rf: RollbackFile, version: str,
              settings: Settings, step: Step, finished: list[int]) -> None:
    action: Action | None = None
    try:
        for action in step.actions:
            if not step.part.transactional and action.stmt is not None:
                _drop_invalid_index(conn, action.stmt.node)
            cur = conn.execute(action.sql.encode())
            if action.guard and cur.fetchone() is None:
                conn.execute("ROLLBACK")
                raise Failure(rf, version, f"migration {version} is no longer in {HISTORY_TABLE}: another session "
                              "rolled it back or deleted its history row meanwhile; nothing was done",
                              action, finished)
    except psycopg.Error as exc:
        if conn.closed or conn.broken:
            failure = _lost(connect, exc, rf, version, settings, action, finished)
            failure.in_transaction = step.part.transactional
            if failure.completed:
                return  # the last COMMIT went through before the connection dropped
            raise failure from None
        if _in_transaction(conn):
            conn.execute("ROLLBACK")
        if not step.part.transactional and action is not None and action.stmt is not None:
            _drop_invalid_index(conn, action.stmt.node)
        raise Failure(rf, version, explain(conn, exc, action, settings), action, finished,
                      in_transaction=step.part.transactional) from None
    except KeyboardInterrupt:
        if _in_transaction(conn):
            conn.execute("ROLLBACK")
        raise Failure(rf, version, "interrupted (Ctrl-C); the statement was cancelled", action, finished,
                      in_transaction=step.part.transactional) from None


def _lost(connect: Connect, exc: psycopg.Error, rf: RollbackFile, version: str, settings: Settings,
          action: Action | None, finished: list[int]) -> Failure:
    """After a lost connection, ask the database (on a new connection) what committed."""
    what = (f"the connection to the database was lost ({pg_message(exc)}); PostgreSQL rolled back the "
            "transaction that was open")
    try:
        with connect() as conn:
            if not is_applied(conn, version):
                return Failure(rf, version, what, action, finished, completed=True)
            recorded = finished_parts(conn, version, settings)
    except psycopg.Error:
        return Failure(rf, version, what + "; reconnecting to check what had committed failed too: run down "
                       "again once the database is reachable, it starts from what is recorded there",
                       action, finished)
    done = sorted(n for n, sha in recorded.items() if sha == rf.sha256)
    return Failure(rf, version, what, action, done)


def _drop_invalid_index(conn: psycopg.Connection, node: ast.Node) -> None:
    """Before (re)running ``CREATE INDEX CONCURRENTLY``, and after it failed: drop the
    INVALID index of that name that a failed attempt leaves behind (IF NOT EXISTS would
    otherwise keep the broken index)."""
    if not (isinstance(node, ast.IndexStmt) and node.concurrent and node.idxname):
        return
    name = qname(node.relation.schemaname, node.idxname)
    row = conn.execute(
        "SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)", (name,)
    ).fetchone()
    if row and row[0]:
        conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}".encode())


# -- error messages -------------------------------------------------------------------------


def pg_message(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return (primary or str(exc).strip().split("\n", 1)[0]).strip()


class _Relations(Visitor):
    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_RangeVar(self, ancestors, node):  # noqa: N802 (pglast's naming)
        self.names.append(qname(node.schemaname, node.relname))


_RELATION_DROPS = {ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW,
                   ObjectType.OBJECT_SEQUENCE, ObjectType.OBJECT_INDEX, ObjectType.OBJECT_FOREIGN_TABLE}
_ON_TABLE_DROPS = {ObjectType.OBJECT_POLICY, ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_RULE}


def relations(node: ast.Node) -> list[str]:
    """Tables (and other relations) a statement names, qualified, in order, without repeats."""
    v = _Relations()
    v(node)
    names = v.names
    if isinstance(node, ast.DropStmt) and node.removeType in _RELATION_DROPS | _ON_TABLE_DROPS:
        for obj in node.objects or ():
            parts = [p.sval for p in obj] if isinstance(obj, (list, tuple)) else []
            if node.removeType in _ON_TABLE_DROPS:
                parts = parts[:-1]
            if parts:
                names.append(".".join(quote_ident(p) for p in parts))
    return list(dict.fromkeys(names))


def _with_tables(conn: psycopg.Connection, rels: list[str]) -> list[str]:
    """``rels`` with each index replaced by its table (what DROP INDEX has to lock)."""
    out = []
    for rel in rels:
        try:
            row = conn.execute(
                "SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE i.indexrelid = to_regclass(%s)", (rel,)
            ).fetchone()
        except psycopg.Error:
            row = None
        out.append(row[0] if row else rel)
    return list(dict.fromkeys(out))


def _lock_holders(conn: psycopg.Connection, rels: list[str]) -> list[tuple[str, str]]:
    """``(relation, who holds a lock on it)`` for the other sessions locking ``rels``."""
    out: list[tuple[str, str]] = []
    for rel in rels:
        try:
            rows = conn.execute(
                "SELECT DISTINCT a.pid, a.usename, a.application_name, a.state,"
                " extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::int, l.mode"
                " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE l.locktype = 'relation' AND l.granted AND l.relation = to_regclass(%s)"
                " AND l.pid <> pg_backend_pid() ORDER BY 1",
                (rel,),
            ).fetchall()
        except psycopg.Error:
            return out
        for pid, user, app, state, secs, mode in rows:
            who = f"pid {pid}, user {user}" + (f", application {app!r}" if app else "")
            out.append((rel, f"{mode} held by {who}, {state or 'active'} for {secs}s"))
    return out


def explain(conn: psycopg.Connection, exc: psycopg.Error, action: Action | None, settings: Settings) -> str:
    """What happened, in words a person can act on (the connection is usable)."""
    message = pg_message(exc)
    node = action.stmt.node if action is not None and action.stmt is not None else None
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        rels = _with_tables(conn, relations(node)) if node is not None else []
        holders = _lock_holders(conn, rels)
        if action is not None and action.guard:
            head = (f"could not lock the migration's row of {HISTORY_TABLE} within {settings.lock_timeout}: "
                    "another session holds it (another `down` running?)")
        else:
            named = list(dict.fromkeys(rel for rel, _ in holders)) or rels
            on = f" on {', '.join(named)}" if named else ""
            head = f"could not get a lock{on} within {settings.lock_timeout}: another session holds it"
        lines = [head + "; retry later or raise --lock-timeout"]
        lines += [f"  {rel}: {who}" for rel, who in holders]
        return "\n".join(lines)
    if isinstance(exc, psycopg.errors.QueryCanceled):
        if "statement timeout" in message:
            return (f"the statement ran longer than statement_timeout ({settings.statement_timeout}) and was "
                    "cancelled; raise --statement-timeout (0: no limit) or run it when the database is quieter")
        return f"the statement was cancelled ({message})"
    if isinstance(exc, psycopg.errors.DuplicateTable) and isinstance(node, ast.CreateTableAsStmt):
        rel = node.into.rel
        return backup_exists_message(rel.schemaname, rel.relname)
    lines = [f"PostgreSQL said: {message}"]
    diag = getattr(exc, "diag", None)
    for label, value in (("detail", getattr(diag, "message_detail", None)), ("hint", getattr(diag, "message_hint", None))):
        if value:
            lines.append(f"  {label}: {value}")
    return "\n".join(lines)


def backup_exists_message(schema: str | None, name: str) -> str:
    """A backup table is already there: left by an earlier rollback of this migration,
    which was applied again since. Its data is not ours to drop."""
    table = qname(schema, name)
    old = quote_ident(truncate_identifier(name)[:59] + "_old")
    return (
        f"backup table {table} already exists: an earlier rollback of this migration saved data there "
        "(the migration was applied again since). Keep it under another name:\n"
        f"    ALTER TABLE {table} RENAME TO {old};\n"
        f"  or drop it if that data is no longer needed (DROP TABLE {table};); then run the command again"
    )
