"""``supabase-rollback learn``: ask PostgreSQL what the opaque statements did not change.

1. A static replay (the engine, without any record) finds the opaque statements: those
   after which objects carry that statement's location in ``Catalog.tainted``
   (``record.caused_by``) or default privileges became uncertain
   (``Catalog.uncertain_defaults``), and DO blocks and ``SELECT`` statements whose own
   rollback is all manual steps (``status.undone_by_hand``: a block that names nothing the
   catalog knows still did something; what it did may be its rollback).
2. The history is applied to a throwaway server holding the Supabase baseline (as
   ``verify`` does). A migration with an opaque statement runs statement by statement in
   its own transaction; right before and right after each opaque statement the schema is
   snapshotted (``snapshot.snapshot`` on the migration's own session, so inside its
   transaction; the incremental snapshots cannot run inside one).
3. Every distrusted ref whose footprint (``footprint``) is present and identical before
   and after is recorded as unchanged; so is "default privileges unchanged" when the
   ``default_acl`` category is identical. A statement whose effect may depend on more
   than the schema (``reads``) gets an entry that proves nothing and says why.
4. Up to four more passes, each on a fresh database, with what was learned in place
   (``learn``, ``_relearn``): the statements whose distrust shows only once an entry took
   back what hid it are learned too.

The static replay runs in step with the server's (``iter_generate``'s ``on_replayed``):
each migration is replayed statically, then applied on the server. A migration the
server cannot apply is skipped, with those that then fail because of it, classified as
``verify`` does (``verify.apply_failure``); the replay goes on, and what a skipped
migration would have touched is not learned (``skipped``: its rules). A migration applies
whole or not at all (one transaction); one with its own transaction control may stop
half-way, and it is skipped the same way (what it left is named by its text, so rule 1
keeps it out). ``stop_at_first_error`` keeps the older behaviour: stop there, keep what
was learned before and the entries of an earlier record for the migrations after it that
still match the history. The record is written whole (temporary file, then rename).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
from pglast import ast

from ..catalog import Catalog, ObjRef
from ..chain import chain_hashes
from ..parse import InputError, Migration, Statement
from ..snapshot import Snapshot, snapshot
from ..refs import function_ref
from ..sqltext import qname
from . import imports, record, skipped
from .footprint import unchanged
from .blind import server_targets
from .callees import server_callee
from .reads import why_not
from .status import undone_by_hand
from .undo import observed_undo


@dataclass
class Opaque:
    stmt: Statement
    refs: list[ObjRef]
    defaults: bool  # it made default privileges uncertain
    known: frozenset[str] = frozenset()  # the types, relations and functions the catalog knows right after it


@dataclass
class Outcome:
    entries: list[record.Entry] = field(default_factory=list)
    stopped: str | None = None  # stop_at_first_error: "path:line: SQLSTATE message" of the migration that did not apply
    skipped: list[skipped.Skipped] = field(default_factory=list)  # migrations not applied on the server
    report: list[tuple[str, str]] = field(default_factory=list)  # per skipped migration: its error, why skipped
    failed: bool = False  # a migration failed by itself (not for the environment nor an earlier one)
    migrations: int = 0  # applied
    opaque: int = 0
    proven: int = 0  # refs proven unchanged
    imported: int = 0  # refs whose changes were imported
    seconds: float = 0.0
    done: set[str] = field(default_factory=set)  # migrations replayed (stop_at_first_error: those before the stop)


def opaque_statements(migrations: list[Migration]) -> dict[str, list[Opaque]]:
    """Per migration file name, its opaque statements (static replay, no record)."""
    from ..engine import iter_generate

    found: dict[str, list[Opaque]] = {}

    def observe(stmt: Statement, cat: Catalog, steps: list) -> None:
        refs = [r for r, w in cat.tainted.items() if record.caused_by(w, stmt.where)]
        defaults = any(v.endswith(f" at {stmt.where}") for v in cat.uncertain_defaults.values())
        if refs or defaults or undone_by_hand(stmt, steps):
            found.setdefault(stmt.path.name, []).append(Opaque(stmt, sorted(refs), defaults))

    for _ in iter_generate(migrations, set(), oracle=None, observe=observe):
        pass
    return found


def _predicates(conn: psycopg.Connection) -> tuple[Callable[[str | None, str], bool], Callable[[str | None, str], bool]]:
    cache: dict[tuple[str, str | None, str], bool] = {}

    def ask(kind: str, schema: str | None, name: str) -> bool:
        key = (kind, schema, name)
        if key not in cache:
            if kind == "rel":
                q = ("SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE c.relname = %s AND n.nspname = ANY(%s))")
            else:
                q = ("SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                     "WHERE p.proname = %s AND n.nspname = ANY(%s) AND p.oid < 16384)")
            allowed = ["pg_catalog", "information_schema"] if kind == "rel" else ["pg_catalog"]
            if schema is not None and schema not in allowed:
                cache[key] = False
            else:
                schemas = [schema] if schema else ["pg_catalog"]
                cache[key] = bool(conn.execute(q, (name, schemas)).fetchone()[0])  # type: ignore[index]
        return cache[key]

    return (lambda s, n: ask("rel", s, n)), (lambda s, n: ask("fn", s, n))


def learn(server, migrations: list[Migration], old: record.Oracle | None = None,
          progress: Callable[[str], None] | None = None, stop_at_first_error: bool = False) -> Outcome:
    """Replay ``migrations`` (the folder's full history) on ``server``; the record's entries.

    A migration the server cannot apply is skipped, with the later ones that fail because
    of it, as ``verify`` does (``verify.apply_failure``), and the replay goes on; what the
    skipped ones would have touched is not learned (``skipped``). ``stop_at_first_error``:
    stop there instead, keeping an earlier record's entries for the migrations after it.

    Then again with what was learned in place (at most ``PASSES`` in all): once an entry
    writes back a table a statement moved, a later statement may distrust it, which the
    static replay without the record could not see (it did not know the table): a DO block
    that drops the moved table's policies, an ``ALTER TABLE`` on it. ``_relearn`` finds them
    (no entry, or an entry that did not consider what they now distrust); the next pass,
    on a fresh database, learns just those (every entry applied in its static replay), and
    what it learns of each is merged with its earlier entry."""
    started = time.monotonic()
    out = _pass(server, migrations, None, progress, stop_at_first_error)
    tries: Counter[tuple[str, int]] = Counter()
    for n in range(2, PASSES + 1):
        if out.stopped is not None:
            break
        learned = {(e.migration, e.line): e for e in out.entries}
        # A few times at most: learned again in the same pass as an earlier statement whose
        # entry uncovers its distrust (a chain), a statement needs another time; one whose
        # objects learn cannot look at (a skipped migration's) gains nothing from more.
        again = {k for k in _relearn(migrations, record.Oracle(learned)) if tries[k] < TRIES}
        if not again:
            break
        tries.update(again)
        if progress:
            progress(f"pass {n}: {len(again)} statement(s) whose distrust shows once the record is in place")
        # every entry is applied in this pass's static replay, those to learn again too: a
        # statement learned again may be what makes a later one's distrust show (a table it
        # moved, written back by its entry), and the later one is learned in the same pass
        more = {(e.migration, e.line): e
                for e in _pass(server, migrations, record.Oracle(learned), progress, False, again).entries}
        # a statement learned again keeps what it learned before: the server did the same,
        # only the objects the static replay saw it distrust may differ
        out.entries = [_merged(e, more.pop(k)) if k in more else e for k, e in learned.items()]
        out.entries += more.values()
        out.opaque += len(more)
    if out.stopped is not None and old is not None:  # what an earlier run proved after the stop still holds
        out.entries += [e for (name, _), e in old.entries.items() if name not in out.done]
    out.entries.sort(key=lambda e: (e.migration, e.line))
    out.proven = sum(len(e.unchanged) for e in out.entries)
    out.imported = sum(len(e.imported) for e in out.entries)
    out.seconds = time.monotonic() - started
    return out


PASSES = 5
TRIES = 3  # times a statement is learned again at most


def _merged(old: record.Entry, new: record.Entry) -> record.Entry:
    """What two passes learned of one statement, together (the same server run, each pass
    asked about the objects its static replay saw the statement distrust)."""
    if new.not_learned or old.not_learned:
        return new
    known = old.settled() | new.settled()
    changes = {imports.sort_key(c): c for c in (*old.changes, *new.changes)}
    created = {c["name"]: c for c in (*old.created, *new.created)}
    return replace(
        new,
        unchanged=tuple(sorted(set(old.unchanged) | set(new.unchanged))),
        imported=tuple(sorted(set(old.imported) | set(new.imported))),
        changes=tuple(changes[k] for k in sorted(changes)),
        defaults_unchanged=old.defaults_unchanged or new.defaults_unchanged,
        defaults_imported=old.defaults_imported or new.defaults_imported,
        not_imported=tuple(sorted((k, v) for k, v in {**dict(old.not_imported), **dict(new.not_imported)}.items()
                                  if k not in known)),
        undo=new.undo if new.undo is not None else old.undo,
        created=tuple(created[k] for k in sorted(created)))


def _relearn(migrations: list[Migration], oracle: record.Oracle) -> set[tuple[str, int]]:
    """The statements to learn again with ``oracle`` in place (a static replay, as
    ``generate`` makes it): opaque ones without an entry, and those whose entry left
    distrusted what it never looked at."""
    from ..engine import iter_generate

    again: set[tuple[str, int]] = set()

    def observe(stmt: Statement, cat: Catalog, steps: list) -> None:
        entry = oracle.at(stmt.path.name, stmt.line)
        refs = [r for r, w in cat.tainted.items() if record.caused_by(w, stmt.where)]
        if entry is None:
            defaults = any(v.endswith(f" at {stmt.where}") for v in cat.uncertain_defaults.values())
            if refs or defaults or undone_by_hand(stmt, steps):
                again.add((stmt.path.name, stmt.line))
        elif not entry.not_learned:
            looked = entry.settled() | dict(entry.not_imported).keys()
            if any(f"{kind} {ident}" not in looked for kind, ident in refs):
                again.add((stmt.path.name, stmt.line))

    for _ in iter_generate(migrations, set(), oracle=oracle, observe=observe):
        pass
    return again


def _pass(server, migrations: list[Migration], known: record.Oracle | None,
          progress: Callable[[str], None] | None, stop_at_first_error: bool,
          again: Collection[tuple[str, int]] = ()) -> Outcome:
    """One replay of the history (static and on the server, in step). ``known``: the entries
    learned by the passes before, applied as ``generate`` applies them; only statements
    opaque without an entry there are learned, and those in ``again`` (file name, line),
    which are learned for what their entry left distrusted."""
    from ..engine import iter_generate
    from ..verify import _Fresh

    out = Outcome()
    hashes = dict(zip((m.path.name for m in migrations), chain_hashes(migrations)))
    run = _Fresh(server, "supabase_rollback_learn")
    found: list[Opaque] = []

    def observe(stmt: Statement, cat: Catalog, steps: list) -> None:
        if known is not None and (stmt.path.name, stmt.line) not in again \
                and known.at(stmt.path.name, stmt.line) is not None:
            return
        refs = [r for r, w in cat.tainted.items() if record.caused_by(w, stmt.where)]
        defaults = any(v.endswith(f" at {stmt.where}") for v in cat.uncertain_defaults.values())
        if refs or defaults or undone_by_hand(stmt, steps):
            names = frozenset(qname(*k) for k in (*cat.types, *cat.tables, *cat.views)) | frozenset(
                function_ref(f.schema, f.name, f.identity_args, f.kind)[1] for f in cat.functions.values())
            found.append(Opaque(stmt, sorted(refs), defaults, names))
            why = skipped.depends(stmt.sql, cat, out.skipped)  # rule 2
            if why:
                blocked[stmt.line] = why

    blocked: dict[int, str] = {}  # line -> why an opaque statement of the migration is not learned
    try:
        with psycopg.connect(server.dsn(run.db), autocommit=True) as probe:
            is_catalog, is_builtin = _predicates(probe)
            state = _State(run, out, hashes, is_catalog, is_builtin, progress, stop_at_first_error)

            def on_replayed(m: Migration, cat: Catalog) -> None:
                opaque = {o.stmt.line: o for o in found}
                why = dict(blocked)
                found.clear()
                blocked.clear()
                state.migration(m, opaque, why, cat)
                out.done.add(m.path.name)

            try:
                for _ in iter_generate(migrations, set(), oracle=known, observe=observe, on_replayed=on_replayed):
                    pass
            except _Stop:
                pass
    finally:
        run.drop()
    return out


class _Stop(Exception):
    """``stop_at_first_error``: a migration did not apply."""


@dataclass
class _State:
    run: object  # verify._Fresh
    out: Outcome
    hashes: dict[str, str]
    is_catalog: Callable[[str | None, str], bool]
    is_builtin: Callable[[str | None, str], bool]
    progress: Callable[[str], None] | None
    stop_at_first_error: bool
    blocker: object = None  # verify.Blocker: the first migration that could not be applied

    def migration(self, m: Migration, opaque: dict[int, Opaque], blocked: dict[int, str], cat: Catalog) -> None:
        """Apply ``m`` on the server (learning around its opaque statements), or skip it."""
        from ..verify import Blocker, SqlError, apply_failure, statements_of

        out, chain = self.out, self.hashes[m.path.name]
        try:
            if m.unreadable:
                raise InputError(m.unreadable)
            stmts = statements_of(m.text, m.path)
        except InputError as exc:
            first = str(exc).splitlines()[0]
            if self.stop_at_first_error:
                out.stopped = f"{first} (not valid SQL)"
                raise _Stop from None
            why = f"not valid SQL: {first}"
            self.blocker = self.blocker or Blocker(m.path.name, why)
            self._skip(m, opaque, chain, cat, first, why, failed=True)
            return
        try:
            if not opaque:
                self.run.apply(m, stmts)  # type: ignore[attr-defined]
            else:
                if self.progress:
                    self.progress(m.path.name)
                out.entries += _learn_file(self.run, m, stmts, opaque, chain, self.is_catalog, self.is_builtin,
                                           blocked, out.skipped)
                out.opaque += len(opaque)
        except SqlError as err:
            out.entries = [e for e in out.entries if e.migration != m.path.name]
            if self.stop_at_first_error:
                out.stopped = err.lines()[0]
                raise _Stop from None
            status, reason, self.blocker = apply_failure(m, err, self.blocker)
            reason = reason.removesuffix(f" ({err.one_line()})").removesuffix(f": {err.one_line()}")
            self._skip(m, opaque, chain, cat, err.lines()[0], reason, failed=status.value == "failed")
            return
        out.migrations += 1

    def _skip(self, m: Migration, opaque: dict[int, Opaque], chain: str, cat: Catalog, error: str, why: str,
              failed: bool) -> None:
        """Rule 3: its opaque statements are not learned; rules 1 and 2 for the later ones."""
        self.run.unapplied.append(m)  # type: ignore[attr-defined]
        self.out.skipped.append(skipped.skipped(m, why, cat))
        self.out.report.append((error, why))
        self.out.failed = self.out.failed or failed
        here = f"in {m.path.name}, which could not be applied here"
        self.out.entries += [record.Entry(m.path.name, line, chain, not_learned=here) for line in sorted(opaque)]
        self.out.opaque += len(opaque)


def _learn_file(run, m: Migration, stmts: list[Statement], opaque: dict[int, Opaque], chain: str,
                is_catalog, is_builtin, blocked: dict[int, str] | None = None,
                skipped_: list[skipped.Skipped] | None = None) -> list[record.Entry]:
    """Apply ``m`` statement by statement (in one transaction, as ``supabase db push``
    does, unless the file controls its own), snapshotting around its opaque statements."""
    from ..verify import _record, non_transactional, run_statements

    entries: list[record.Entry] = []
    as_written = any(non_transactional(s.node) or isinstance(s.node, ast.TransactionStmt) for s in stmts)
    with run.connect() as conn:
        if not as_written:
            conn.execute("BEGIN")
        try:
            after: Snapshot | None = None
            for s in stmts:
                o = opaque.get(s.line)
                why = ((blocked or {}).get(s.line)
                       or why_not(s.node, is_catalog, is_builtin, server_callee(conn, is_catalog, is_builtin),
                                  server_targets(conn, is_builtin))
                       ) if o is not None else None
                if o is None or why:
                    run_statements(conn, [s])
                    after = None
                    if o is not None:
                        entries.append(record.Entry(m.path.name, s.line, chain, not_learned=why or ""))
                    continue
                before = after if after is not None else _snapshot(conn)
                run_statements(conn, [s])
                after = _snapshot(conn)
                if skipped_:  # rule 1: what a skipped migration names may differ here from the project's
                    o = replace(o, refs=[r for r in o.refs if not skipped.touches(r, skipped_)])
                proven = tuple(r for r in o.refs if unchanged(before, after, r))
                same_defaults = o.defaults and before["default_acl"] == after["default_acl"]
                entry = _imported(record.Entry(m.path.name, s.line, chain, proven, same_defaults), o, before, after)
                undo = observed_undo(before, after)
                entries.append(_created(replace(entry, undo=None if undo is None else tuple(undo)), o, before, after))
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and as_written:
                conn.execute("ROLLBACK")
            _record(conn, m, stmts)
            if not as_written:
                conn.execute("COMMIT")
        except BaseException:
            if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
            raise
    run.applied.append((m, stmts))
    return entries


def _snapshot(conn: psycopg.Connection) -> Snapshot:
    """``snapshot(conn)`` read with ``search_path`` = ``pg_catalog``: every name PostgreSQL
    prints in a policy expression or a function definition is qualified, so the imported
    text means the same under any path. The migration's own path is put back after."""
    with conn.transaction():
        (path,) = conn.execute("SELECT current_setting('search_path')").fetchone()  # type: ignore[misc]
        conn.execute("SELECT set_config('search_path', 'pg_catalog', true)")
        try:
            return snapshot(conn)
        finally:
            conn.execute("SELECT set_config('search_path', %s, true)", (path,))


def _imported(entry: record.Entry, o: Opaque, before: Snapshot, after: Snapshot) -> record.Entry:
    """``entry`` with what the statement changed that the catalog can take over (imports)."""
    changes: dict[str, dict] = {}
    trusted: list[ObjRef] = []
    skipped: list[tuple[str, str]] = []
    for ref in o.refs:
        if ref in entry.unchanged:
            continue
        try:
            got = imports.observe(before, after, ref)
        except imports.NotImportable as exc:
            skipped.append((f"{ref[0]} {ref[1]}", str(exc)))
            continue
        trusted.append(ref)
        changes.update((imports.sort_key(c), c) for c in got)
    defaults = False
    if o.defaults and not entry.defaults_unchanged:
        try:
            changes.update((imports.sort_key(c), c) for c in imports.defaults(before, after))
            defaults = True
        except imports.NotImportable as exc:
            skipped.append(("default privileges", str(exc)))
    return replace(entry, imported=tuple(trusted), changes=tuple(changes[k] for k in sorted(changes)),
                   defaults_imported=defaults, not_imported=tuple(sorted(skipped)))


def _created(entry: record.Entry, o: Opaque, before: Snapshot, after: Snapshot) -> record.Entry:
    """``entry`` with what the statement created that the catalog does not know (``created``:
    types, then functions, then tables, then views, the order the DDL can run in), or why
    each one is not imported."""
    from ..catalog import CURRENT_USER
    from .created import synthesize, synthesize_function, synthesize_type

    made, skipped = [], dict(entry.not_imported)
    for key, t in sorted(after.get("type", {}).items()):  # first: functions and tables may use them
        if key in before.get("type", {}) or key in o.known:
            continue
        try:
            made.append(synthesize_type(key, t, CURRENT_USER))
        except imports.NotImportable as exc:
            skipped[f"type {key}"] = str(exc)
    for key, fn in sorted(after.get("function", {}).items()):
        if key in before.get("function", {}) or key in o.known:
            continue
        try:
            made.append(synthesize_function(key, fn, CURRENT_USER))
        except imports.NotImportable as exc:
            skipped[f"{fn.get('kind')} {key}"] = str(exc)
    for key, rel in sorted(after["relation"].items(), key=lambda kv: (kv[1].get("kind") != "table", kv[0])):
        if key in before["relation"] or key in o.known or rel.get("kind") not in ("table", "view"):
            continue
        try:
            made.append(synthesize(key, after, CURRENT_USER))
        except imports.NotImportable as exc:
            skipped[f"{rel['kind']} {key}"] = str(exc)
    return replace(entry, created=tuple(made), not_imported=tuple(sorted(skipped.items())))


def record_file(migrations_dir: Path) -> Path:
    return record.record_path(migrations_dir)
