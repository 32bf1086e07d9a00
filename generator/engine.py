"""parse → replay into catalog → invert.

Handlers are small functions registered per pglast node type (and, for the generic
statements such as ``DropStmt``, per object type). A handler receives the node and a
``Context``; it computes the inverse steps against the catalog *before* the statement,
then applies the statement to the catalog, and returns the steps in the order the
rollback must run them. Anything a handler cannot invert with certainty becomes a
manual step (``ctx.manual(...)``): never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from pglast import ast
from pglast.enums import ObjectType
from pglast.visitors import Visitor

from .annotations import Ignored, annotation_steps, read_annotation, stray_annotations
from .catalog import DEFAULT_SEARCH_PATH, Catalog, ObjRef
from .distrust import distrust, named_refs, reach, statement_names, uncertainty
from .oracle.record import Oracle, record_path
from .parse import InputError, Migration, Statement
from .sqltext import qname
from .steps import Hazard, Step, overall_risk

Handler = Callable[[ast.Node, "Context"], list[Step]]
DO_BLOCK = "DO block at "  # how a taint by a DO block the generator cannot follow is recorded
# how a taint by a statement PostgreSQL rejects is recorded: REJECTED + "path:line: why"
REJECTED = "rejected statement at "
RENAME = "rename at "  # generator.handlers.policy_follow: recorded text that could not follow a rename
_HANDLERS: dict[tuple[type, object], Handler] = {}


class Unsupported(Exception):
    """Raised by a handler for a form it does not know how to invert: becomes a manual step."""


def handles(node_type: type, *kinds: object) -> Callable[[Handler], Handler]:
    """Register a handler for ``node_type``; ``kinds`` narrows by the node's object type."""

    def deco(fn: Handler) -> Handler:
        for kind in kinds or (None,):
            key = (node_type, kind)
            if key in _HANDLERS:
                raise RuntimeError(f"two handlers for {key}")
            _HANDLERS[key] = fn
        return fn

    return deco


AlterHandler = Callable[[ast.AlterTableCmd, tuple[str, str], "Context"], list[Step]]
_ALTER_HANDLERS: dict[object, AlterHandler] = {}


def handles_alter(*subtypes: object) -> Callable[[AlterHandler], AlterHandler]:
    """Register a handler for ``ALTER TABLE`` subcommands (``AlterTableType`` values).

    The handler gets the subcommand, the table's key and the context; like statement
    handlers it returns the inverse steps and applies the subcommand to the catalog.
    """

    def deco(fn: AlterHandler) -> AlterHandler:
        for st in subtypes:
            if st in _ALTER_HANDLERS:
                raise RuntimeError(f"two ALTER TABLE handlers for {st}")
            _ALTER_HANDLERS[st] = fn
        return fn

    return deco


def find_alter_handler(cmd: ast.AlterTableCmd) -> AlterHandler | None:
    return _ALTER_HANDLERS.get(cmd.subtype)


# Attribute that tells generic statements apart, per node type.
_KIND_ATTR = {
    ast.DropStmt: "removeType",
    ast.RenameStmt: "renameType",
    ast.CommentStmt: "objtype",
    ast.GrantStmt: "objtype",
    ast.AlterObjectSchemaStmt: "objectType",
    ast.AlterOwnerStmt: "objectType",
    ast.DefineStmt: "kind",
    ast.AlterTableStmt: "objtype",
}


def find_handler(node: ast.Node) -> Handler | None:
    attr = _KIND_ATTR.get(type(node))
    if attr is not None:
        h = _HANDLERS.get((type(node), getattr(node, attr)))
        if h is not None:
            return h
    return _HANDLERS.get((type(node), None))


@dataclass
class Context:
    catalog: Catalog
    stmt: Statement
    migration: Migration | None = None

    def manual(self, reason: str, sql: Iterable[str] = (), title: str | None = None) -> list[Step]:
        """A step a person must carry out; ``sql`` is a suggestion shown commented out."""
        return [
            Step(
                title=title or f"Manual step for `{_first_line(self.stmt.sql)}`",
                group="Manual Steps",
                sql=list(sql),
                manual=reason,
            ).hazard(Hazard.MANUAL, reason)
        ]

    def taint(self, ref: ObjRef) -> None:
        self.catalog.tainted[ref] = self.stmt.where

    def tainted_reason(self, ref: ObjRef) -> str | None:
        where = self.catalog.tainted.get(ref)
        if where is None:
            return None
        if where.startswith(REJECTED):  # generator.rejects: a corrected version may have run in its place
            at, _, why = where[len(REJECTED):].partition(": ")
            return (f"{ref[0]} {ref[1]} may have been created or replaced by hand: {at} defines it in a way "
                    f"PostgreSQL rejects ({why}), so that migration cannot have run as written, and what it "
                    "left in its place (nothing, or a corrected version) is not known")
        if where.startswith(RENAME):  # generator.handlers.policy_follow
            at, _, why = where[len(RENAME):].partition(": ")
            return (f"{ref[0]} {ref[1]} names what the rename at {at} renamed: PostgreSQL keeps it bound to the "
                    f"renamed object, but the generator cannot rewrite its recorded text with certainty ({why}), "
                    "so its definition after the rename is not known")
        if where.startswith(DO_BLOCK):  # generator.handlers.doscope: may, not did
            return (f"{ref[0]} {ref[1]} may have been changed by the {where}, whose SQL the generator could not "
                    "analyse, so its earlier definition is not known")
        return f"{ref[0]} {ref[1]} was changed by a statement the generator could not analyse ({where}), so its earlier definition is not known"


def _first_line(sql: str, width: int = 72) -> str:
    line = " ".join(sql.split())
    return line if len(line) <= width else line[: width - 1] + "…"


class _Relations(Visitor):
    def __init__(self) -> None:
        self.names: list[tuple[str | None, str]] = []

    def visit_RangeVar(self, ancestors, node):  # noqa: N802 (pglast's naming)
        self.names.append((node.schemaname, node.relname))


def _created_relation(node: ast.Node) -> tuple[str, ast.RangeVar] | None:
    """The relation a CREATE statement makes, with the kind it is distrusted as."""
    if isinstance(node, ast.CreateForeignTableStmt):
        node = node.base
    if isinstance(node, ast.CreateStmt):
        return ("table", node.relation)
    if isinstance(node, ast.ViewStmt):
        return ("view", node.view)
    if isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        return ("materialized view" if node.objtype == ObjectType.OBJECT_MATVIEW else "table", node.into.rel)
    return None


def _taint_referenced(node: ast.Node, ctx: Context) -> None:
    """After an opaque statement, distrust what we know of every relation it names, and the
    relation it may have created (which the catalog then does not know at all: whatever asks
    which columns or dependents exist must not take the catalog's word for it)."""
    v = _Relations()
    try:
        v(node)
    except Exception:  # pragma: no cover - visitor is best effort
        return
    for schema, name in v.names:
        key = ctx.catalog.resolve_relation(schema, name)
        kind = ctx.catalog.relation_kind(key)
        if kind:
            ctx.taint(("view" if "view" in kind else "table", qname(*key)))
    created = _created_relation(node)
    if created is not None and created[1].relpersistence != "t":
        kind, rv = created
        key = (rv.schemaname or ctx.catalog.creation_schema(), rv.relname)
        if not ctx.catalog.relation_kind(key):
            ctx.taint((kind, qname(*key)))


_DATA_STATEMENTS = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.TruncateStmt, ast.CopyStmt)


ManualRule = Callable[[Statement], "str | None"]  # config.Config.manual_reason: a reason, or None


def _as_manual(ctx: Context, steps: list[Step], reason: str) -> list[Step]:
    """The team's configuration wants this statement undone by hand: one manual step that
    suggests the inferred SQL and keeps its hazards, losses and backups for the document."""
    if any(s.manual for s in steps):
        return steps  # already manual, with the generator's own (more specific) reason
    step = ctx.manual(reason, sql=[sql for s in steps for sql in s.sql])[0]
    for s in steps:
        step.hazards.extend(h for h in s.hazards if h not in step.hazards)
        step.lost.extend(s.lost)
        step.backups.extend(s.backups)
    return [step]


def _observed_steps(ctx: Context, undo: tuple[str, ...]) -> list[Step]:
    """The steps of a statement the generator could not invert, from what ``learn`` saw it do
    on a replay of the history (the SQL is read under ``search_path`` = ``pg_catalog``: every
    name in it is qualified), then a manual step for the rows a DO block changed
    (``oracle.blind``: learn judged it because those changes could not steer it)."""
    stmt = ctx.stmt
    return _observed_schema_steps(stmt, undo) + _observed_row_steps(ctx)


def _observed_row_steps(ctx: Context) -> list[Step]:
    from .handlers.doblocks import parse_do
    from .oracle.blind import row_changes

    if not isinstance(ctx.stmt.node, ast.DoStmt):
        return []
    changes = row_changes(parse_do(ctx.stmt.node))
    if not changes:
        return []
    shown = "; ".join(f"`{_first_line(sql, 70)}`" for sql in changes)
    reason = (f"the DO block also changed rows ({shown}): the previous data is not in the migration history; "
              "restore it from a backup taken before the migration")
    steps = ctx.manual(reason, title="Restore the rows the DO block changed")
    steps[0].hazard(Hazard.DATA_NOT_RESTORED, "the DO block changed rows; the rollback cannot bring the old rows back")
    steps[0].lost.append("rows changed by the DO block")
    return steps


def _observed_schema_steps(stmt: Statement, undo: tuple[str, ...]) -> list[Step]:
    if not undo:
        return []  # it changed nothing on the schema
    step = Step(title=f"Undo what `{_first_line(stmt.sql, 50)}` was observed to do (recorded by `learn`)",
                group="Undo What Learn Observed", sql=list(undo), search_path=("pg_catalog",))
    if any(sql.startswith(("ALTER TABLE", "DROP TRIGGER", "DROP POLICY", "CREATE TRIGGER", "CREATE POLICY")) for sql in undo):
        step.hazard(Hazard.ACCESS_EXCLUSIVE_LOCK, "the tables it changes are locked against reads and writes until "
                    "the rollback commits")
    if any(" DROP COLUMN " in sql or sql.startswith(("DROP TABLE", "DROP MATERIALIZED VIEW")) for sql in undo):
        step.hazard(Hazard.DELETES_DATA, "drops the tables and columns the statement added, with the rows and values "
                    "written to them since")
    return [step]


def handle_statement(
    stmt: Statement,
    catalog: Catalog,
    migration: Migration | None,
    manual_rule: ManualRule | None = None,
    warnings: list[Ignored] | None = None,
    observed: tuple[str, ...] | None = None,
) -> list[Step]:
    """The inverse steps of ``stmt`` (and its effect on ``catalog``).

    An inline ``-- rollback:`` annotation (generator.annotations) replaces the inferred
    steps, but the handler still runs first so the catalog follows the forward statement
    (an opaque statement still taints what it names). Without an annotation, a statement
    matching the team's ``manual_rule`` (supabase/rollback.toml) becomes a manual step.
    A comment that looks like an annotation but is not a well-formed one is ignored and
    added to ``warnings``. ``observed``: the statement's own rollback from what ``learn``
    saw it do (generator/oracle/undo.py), used when the inferred steps are all manual.
    """
    annotation = read_annotation(stmt)
    if isinstance(annotation, Ignored):
        if warnings is not None:
            warnings.append(annotation)
        annotation = None
    search_path = catalog.search_path
    ctx = Context(catalog, stmt, migration)
    if not isinstance(stmt.node, ast.AlterEnumStmt):
        catalog.enum_run = None  # a run of ADD VALUE ends at any other statement
    handler = find_handler(stmt.node)
    if handler is None:
        steps = ctx.manual(
            f"the generator does not know how to invert {type(stmt.node).__name__} statements",
            title=f"Manual step for `{_first_line(stmt.sql)}`",
        )
        if not isinstance(stmt.node, _DATA_STATEMENTS):  # rows change, structure does not
            _taint_referenced(stmt.node, ctx)
    else:
        try:
            steps = handler(stmt.node, ctx)
        except Unsupported as exc:
            steps = ctx.manual(str(exc))
            _taint_referenced(stmt.node, ctx)
    if observed is not None and steps and all(s.manual for s in steps):
        steps = _observed_steps(ctx, observed)
    if catalog.unparsed:
        doubt = uncertainty(catalog, stmt.node)
        if doubt:
            steps = _as_manual(ctx, steps, doubt)
            for ref in named_refs(catalog, frozenset(statement_names(stmt.node))):
                ctx.taint(ref)
    if annotation is not None:
        steps = annotation_steps(annotation, stmt, search_path, steps)
    elif manual_rule is not None:
        reason = manual_rule(stmt)
        if reason:
            steps = _as_manual(ctx, steps, reason)
    run = catalog.enum_run
    if run is not None and steps and run.steps is not steps:  # the rebuild was not kept: nothing to fold into
        catalog.enum_run = None
    for s in steps:
        s.source = s.source or stmt.where
    return steps


@dataclass
class Rollback:
    migration: Migration
    steps: list[Step] = field(default_factory=list)
    notify_pgrst: bool = False
    # each forward statement with the steps that undo it (in the order replay met them)
    by_statement: list[tuple[Statement, list[Step]]] = field(default_factory=list)
    # what the rollback's pre-flight block checks (generator.preflight), set by generate()
    preflight: list = field(default_factory=list)
    # comments of the migration that look like rollback annotations but are not well-formed
    # ones: ignored, reported by generate and check as warnings
    warnings: list[Ignored] = field(default_factory=list)
    # the migration has an error (not valid PostgreSQL, not UTF-8, a statement nested too
    # deeply), as ``path:line[:col]: message``. It gets no rollback; after SQL that could not
    # be read the catalog distrusts what it may have done.
    broken: str | None = None

    @property
    def risk(self) -> str:
        return overall_risk(self.steps)

    @property
    def manual_steps(self) -> list[Step]:
        return [s for s in self.steps if s.manual]


TOO_DEEP = ("the statement is nested too deeply for supabase-rollback to analyse (its expressions or "
            "subqueries nest hundreds of levels deep): split or simplify it")


def replay(
    migration: Migration,
    catalog: Catalog,
    statements: list[Statement] | None = None,
    manual_rule: ManualRule | None = None,
    salvage: bool = True,
    oracle: Oracle | None = None,
    observe: Callable[[Statement, Catalog, list[Step]], None] | None = None,
) -> Rollback:
    """Apply ``migration`` to ``catalog`` and return its rollback (steps in run order).

    A migration that does not parse gets a rollback with ``broken`` set; its readable part
    is replayed (``_replay_broken``) unless ``salvage`` is false (nothing replays after it:
    the catalog is then left as it was). ``oracle`` (generator.oracle): after a statement
    it has an entry for, the distrust it proved needless is taken back."""
    catalog.search_path = DEFAULT_SEARCH_PATH  # each file runs in a fresh session
    catalog.notify_pgrst = False
    catalog.file_start_relations = frozenset(catalog.tables) | frozenset(catalog.views)
    catalog.file_created = set()
    catalog.file_constraints = {}
    catalog.enum_run = None
    per_stmt: list[list[Step]] = []
    warnings: list[Ignored] = []
    if statements is None:
        try:
            if migration.unreadable:
                raise InputError(migration.unreadable)
            stmts = migration.statements()
        except InputError as exc:
            if not salvage:
                return Rollback(migration=migration, broken=str(exc))
            return _replay_broken(migration, catalog, manual_rule, str(exc))
        stray = stray_annotations(migration.text, migration.path, stmts)
        warnings += [stray] if stray is not None else []
    else:
        stmts = statements
    too_deep: str | None = None
    for stmt in stmts:
        entry = oracle.at(migration.path.name, stmt.line) if oracle is not None and oracle.entries else None
        saved = entry.before(catalog) if entry is not None else None
        try:
            per_stmt.append(handle_statement(stmt, catalog, migration, manual_rule, warnings,
                                             entry.undo if entry is not None else None))
            if entry is not None and saved is not None:
                entry.untaint(catalog, stmt.where, saved)
                if entry.created:  # tables it made that the catalog does not know (oracle/created.py)
                    from .oracle.created import replay

                    replay(catalog, entry.created, stmt, migration)
            if observe is not None:  # generator.oracle.learn: what this statement left distrusted
                observe(stmt, catalog, per_stmt[-1])
        except RecursionError:  # e.g. `select 1 + 1 + ... + 1` with thousands of terms
            if statements is not None:
                raise InputError(f"{stmt.where}: {TOO_DEEP}") from None
            # the file gets no rollback, like one that does not parse; the rest is replayed
            too_deep = too_deep or f"{stmt.where}: {TOO_DEEP}"
            from .salvage import token_names

            names = token_names(stmt.sql)
            distrust(catalog, stmt.where, reach(stmt.sql, frozenset(names) if names is not None else None))
    catalog.search_path = DEFAULT_SEARCH_PATH
    catalog.enum_run = None
    if too_deep is not None:
        return Rollback(migration=migration, broken=too_deep)
    steps = [s for group in reversed(per_stmt) for s in group]
    return Rollback(migration=migration, steps=steps, notify_pgrst=catalog.notify_pgrst,
                    by_statement=list(zip(stmts, per_stmt)), warnings=sorted(warnings, key=lambda w: w.line))


def _replay_broken(migration: Migration, catalog: Catalog, manual_rule: ManualRule | None, error: str) -> Rollback:
    """A migration that does not parse (``error``): its statements that parse are replayed
    (a database where the later migrations ran had this file applied with its broken part
    corrected by hand), each piece that does not is distrusted (generator/distrust.py).
    Not UTF-8: nothing of it is read, and everything is distrusted."""
    from .salvage import Opaque, Rejected, salvage

    if migration.unreadable:
        items: list = [Opaque(migration.unreadable.split(": ", 1)[0], "", None)]
    else:
        items = salvage(migration.text, migration.path).items
    for item in items:
        if isinstance(item, Opaque):
            distrust(catalog, item.where, reach(item.sql, item.names, item.rest))
            continue
        try:
            if isinstance(item, Rejected):
                _replay_rejected(item, catalog, migration, manual_rule)
            else:
                handle_statement(item, catalog, migration, manual_rule)
        except RecursionError:
            distrust(catalog, item.where, None)
    catalog.search_path = DEFAULT_SEARCH_PATH
    return Rollback(migration=migration, broken=error)


def _replay_rejected(item, catalog: Catalog, migration: Migration, manual_rule: ManualRule | None) -> None:
    """A statement PostgreSQL rejects (``generator.rejects``) changed nothing as written; what
    may have run in its place is distrusted. For a function, that signature
    (``handlers.functions.rejected``; every function of its name when the signature cannot
    be resolved). A ``DO`` block goes to its handler, which distrusts what a body it cannot
    read may have done, as for any DO block whose body does not parse."""
    from .handlers.functions import rejected

    st = item.stmt
    if not isinstance(st.node, ast.CreateFunctionStmt):
        handle_statement(st, catalog, migration, manual_rule)
        return
    try:
        rejected(st.node, Context(catalog, st, migration), item.why)
    except Unsupported:
        distrust(catalog, st.where, frozenset({st.node.funcname[-1].sval}))


@lru_cache(maxsize=1)
def _baseline() -> Catalog:
    from . import baseline

    return baseline.build_catalog()


def baseline_catalog() -> Catalog:
    """A fresh copy of the catalog of a Supabase database before any migration."""
    return _baseline().copy()


def generate(
    history: list[Migration],
    targets: set[str] | None = None,
    manual_rule: ManualRule | None = None,
    catalog: Catalog | None = None,
    on_replayed: Callable[[Migration, Catalog], None] | None = None,
    oracle: Oracle | None | bool = True,
    observe: Callable[[Statement, Catalog, list[Step]], None] | None = None,
) -> list[Rollback]:
    """Replay ``history`` in order and return the rollbacks of ``targets`` (versions).

    With ``targets`` None, every migration's rollback is returned. ``manual_rule`` (the
    configuration's ``Config.manual_reason``) names the statements the team undoes by hand.
    ``catalog``: start from this state (as some earlier migrations left it; ``history``
    then holds only the later ones) instead of the baseline; it is changed in place.
    ``on_replayed(migration, catalog)`` runs after each migration (``check`` keeps
    snapshots of the catalog to replay less next time).
    ``oracle``: what ``supabase-rollback learn`` proved (generator.oracle); True (default):
    the record beside the history's migrations folder, when ``history`` starts from the
    baseline (``catalog`` None); None/False: none.
    """
    return list(iter_generate(history, targets, manual_rule, catalog, on_replayed, oracle, observe))


def iter_generate(
    history: list[Migration],
    targets: set[str] | None = None,
    manual_rule: ManualRule | None = None,
    catalog: Catalog | None = None,
    on_replayed: Callable[[Migration, Catalog], None] | None = None,
    oracle: Oracle | None | bool = True,
    observe: Callable[[Statement, Catalog, list[Step]], None] | None = None,
) -> Iterator[Rollback]:
    """``generate``, one rollback at a time: each is yielded as soon as its migration is
    replayed, so a caller that renders and forgets it holds one rollback, not all."""
    from . import event_guards, handlers, preflight, risk  # noqa: F401  (handlers registers every handler)

    if oracle is True:
        oracle = load_oracle(history) if catalog is None else None
    catalog = catalog if catalog is not None else baseline_catalog()
    last = history[-1] if history else None
    for m in history:
        # (a broken last file is salvaged only when the catalog after it is kept)
        rb = replay(m, catalog, manual_rule=manual_rule, salvage=m is not last or on_replayed is not None,
                    oracle=oracle or None, observe=observe)
        if rb.broken is not None:
            if targets is None or m.version in targets:
                yield rb
        elif targets is None or m.version in targets:
            # the catalog is now as the migration left it: derive lock hazards and drift checks
            risk.annotate(rb.steps, catalog)
            rb.steps = event_guards.annotate(rb.steps, catalog)
            rb.preflight = preflight.expectations(rb.steps, catalog, m.path.name)
            yield rb
        if on_replayed is not None:
            on_replayed(m, catalog)


def load_oracle(history: list[Migration], warn: Callable[[str], None] | None = None) -> Oracle | None:
    """The oracle record of the folder ``history`` comes from (None: no history or no record)."""
    if not history:
        return None
    path = record_path(history[0].path.parent)
    if not path.exists():
        return None
    if warn is None:
        import sys

        def warn(message: str) -> None:
            print(f"warning: {message}", file=sys.stderr)

    return Oracle.load(path, history, warn)
