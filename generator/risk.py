"""What PostgreSQL does to a table while a rollback step runs: lock and rewrite hazards.

Handlers know what data a step loses and whom it lets in; the locks and rewrites follow
from the SQL alone, so they are derived here, centrally, from each statement's parse
tree (``statement_hazards``) and added to every step that does not already carry the
code (``annotate``). Manual steps are skipped: their SQL is a suggestion, and they are
MEDIUM or worse anyway.

The lock table (PostgreSQL 15, "Explicit Locking" and the ALTER TABLE reference). Every
lock below is held until the rollback's transaction commits, not just while the step runs.

=====================================================  ==========================  ==========================
Statement                                              Lock on the table           Hazards
=====================================================  ==========================  ==========================
DROP TABLE / TRUNCATE                                  ACCESS EXCLUSIVE            ACCESS_EXCLUSIVE_LOCK (also
                                                                                   on tables its foreign keys
                                                                                   reference: their triggers go)
DROP INDEX (not CONCURRENTLY)                          ACCESS EXCLUSIVE            ACCESS_EXCLUSIVE_LOCK
DROP/CREATE INDEX CONCURRENTLY                         SHARE UPDATE EXCLUSIVE      none (reads and writes go on)
CREATE INDEX (not CONCURRENTLY)                        SHARE                       BLOCKS_WRITES
CREATE TRIGGER                                         SHARE ROW EXCLUSIVE         BLOCKS_WRITES
DROP TRIGGER, CREATE/ALTER/DROP POLICY, RULE           ACCESS EXCLUSIVE            ACCESS_EXCLUSIVE_LOCK
CREATE TABLE ... REFERENCES t                          SHARE ROW EXCLUSIVE on t    BLOCKS_WRITES
CREATE TABLE ... PARTITION OF p                        ACCESS EXCLUSIVE on p       ACCESS_EXCLUSIVE_LOCK
ALTER TABLE (most subcommands, RENAME, SET SCHEMA)     ACCESS EXCLUSIVE            ACCESS_EXCLUSIVE_LOCK
ALTER TABLE ADD FOREIGN KEY                            SHARE ROW EXCLUSIVE (both)  BLOCKS_WRITES
ALTER TABLE ENABLE/DISABLE TRIGGER                     SHARE ROW EXCLUSIVE         BLOCKS_WRITES
ALTER TABLE VALIDATE CONSTRAINT, SET STATISTICS,       SHARE UPDATE EXCLUSIVE      none
  CLUSTER ON, SET WITHOUT CLUSTER, DETACH ... FINALIZE,
  SET (fillfactor, autovacuum_*, ... storage parameters
  that need no more), ATTACH PARTITION (on the parent)
ALTER TABLE ALTER COLUMN TYPE                          ACCESS EXCLUSIVE            REWRITES_TABLE (unless the
                                                                                   types are binary coercible)
ALTER TABLE ADD COLUMN with a volatile default,        ACCESS EXCLUSIVE            REWRITES_TABLE
  identity or stored generated column; SET LOGGED /
  UNLOGGED; SET ACCESS METHOD
ALTER TABLE SET NOT NULL, ADD CHECK / FOREIGN KEY      (as above)                  + the reason says every row
  (without NOT VALID)                                                              is scanned
REFRESH MATERIALIZED VIEW (not CONCURRENTLY)           ACCESS EXCLUSIVE            ACCESS_EXCLUSIVE_LOCK
VACUUM FULL, CLUSTER                                   ACCESS EXCLUSIVE            ACCESS_EXCLUSIVE_LOCK,
                                                                                   REWRITES_TABLE
=====================================================  ==========================  ==========================

Locks on views, functions, types and sequences are not flagged: they hold no rows, and
their locks only delay statements that use them for the instant of the change.
"""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType, ObjectType
from pglast.parser import ParseError
from pglast.visitors import Visitor

from .catalog import Catalog
from .sqltext import qname, parsed
from .steps import Hazard, HazardNote, Step

_TABLE_KINDS = (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_MATVIEW, ObjectType.OBJECT_FOREIGN_TABLE)

# ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE.
_SHARE_UPDATE_EXCLUSIVE = {
    AT.AT_SetStatistics,
    AT.AT_ClusterOn,
    AT.AT_DropCluster,
    AT.AT_ValidateConstraint,
    AT.AT_DetachPartitionFinalize,
    AT.AT_AttachPartition,  # on the parent; the partition itself is only scanned
}
_SHARE_ROW_EXCLUSIVE = {
    AT.AT_EnableTrig,
    AT.AT_EnableAlwaysTrig,
    AT.AT_EnableReplicaTrig,
    AT.AT_DisableTrig,
    AT.AT_EnableTrigAll,
    AT.AT_DisableTrigAll,
    AT.AT_EnableTrigUser,
    AT.AT_DisableTrigUser,
}
# Storage parameters that ALTER TABLE SET/RESET changes under SHARE UPDATE EXCLUSIVE.
_LIGHT_RELOPTIONS = {
    "fillfactor",
    "toast_tuple_target",
    "parallel_workers",
    "log_autovacuum_min_duration",
    "vacuum_index_cleanup",
    "vacuum_truncate",
}
# Functions known to be volatile: a column default calling one is evaluated per row.
_VOLATILE = {"gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4", "random", "nextval",
             "clock_timestamp", "timeofday", "txid_current"}
# Functions known to be stable or immutable: evaluated once, no rewrite.
_NOT_VOLATILE = {"now", "timezone", "lower", "upper", "to_jsonb", "jsonb_build_object",
                 "json_build_object", "array_to_json", "make_interval", "current_setting"}
_SERIAL_TYPES = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}


def _rel(rv: ast.RangeVar) -> str:
    return qname(rv.schemaname or None, rv.relname)


def _names(obj) -> list[str]:
    if isinstance(obj, ast.String):
        return [obj.sval]
    if isinstance(obj, ast.TypeName):
        return [n.sval for n in obj.names]
    return [n.sval for n in obj]


class _Hazards:
    """Collects hazards per code, one reason per code (joined when several tables)."""

    def __init__(self) -> None:
        self.by_code: dict[Hazard, list[str]] = {}
        self.locked: dict[str, str] = {}  # table -> "ACCESS EXCLUSIVE" or the weaker lock

    def add(self, code: Hazard, reason: str) -> None:
        reasons = self.by_code.setdefault(code, [])
        if reason not in reasons:
            reasons.append(reason)

    def exclusive(self, what: str, table: str, extra: str = "") -> None:
        if not table.startswith("the table of "):
            self.locked[table] = "ACCESS EXCLUSIVE"
        self.add(Hazard.ACCESS_EXCLUSIVE_LOCK,
                 f"{what} takes an ACCESS EXCLUSIVE lock on {table}: reads and writes of it wait until the rollback commits{extra}")

    def blocks_writes(self, what: str, table: str, lock: str) -> None:
        for t in table.split(" and "):
            self.locked.setdefault(t, lock)
        self.add(Hazard.BLOCKS_WRITES,
                 f"{what} takes a {lock} lock on {table}: writes wait until the rollback commits (reads go on)")

    def notes(self) -> list[HazardNote]:
        return [HazardNote(code, "; ".join(reasons)) for code, reasons in self.by_code.items()]


class _Calls(Visitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_FuncCall(self, ancestors, node):  # noqa: N802 (pglast's naming)
        self.names.add(node.funcname[-1].sval.lower())


def _funcs(node: ast.Node) -> set[str]:
    """Names of the functions an expression calls."""
    v = _Calls()
    v(node)
    return v.names


def _add_column_rewrite(col: ast.ColumnDef) -> str | None:
    """Why ADD COLUMN ``col`` rewrites the table, or None when it does not."""
    tname = col.typeName.names[-1].sval.lower() if col.typeName else ""
    if tname in _SERIAL_TYPES:
        return "fills every existing row from a sequence"
    for c in col.constraints or ():
        if c.contype == ConstrType.CONSTR_IDENTITY:
            return "fills every existing row of the identity column"
        if c.contype == ConstrType.CONSTR_GENERATED:
            return "computes the stored generated column for every existing row"
        if c.contype == ConstrType.CONSTR_DEFAULT and c.raw_expr is not None:
            calls = _funcs(c.raw_expr)
            if calls & _VOLATILE:
                return f"evaluates the volatile default ({', '.join(sorted(calls & _VOLATILE))}) for every existing row"
            unknown = calls - _NOT_VOLATILE
            if unknown:
                return f"evaluates the default for every existing row if {', '.join(sorted(unknown))} is volatile"
    return None


def _alter_table(node: ast.AlterTableStmt, h: _Hazards, catalog: Catalog | None) -> None:
    if node.objtype not in _TABLE_KINDS:
        return
    t = _rel(node.relation)
    exclusive: list[str] = []
    scans: list[str] = []
    for cmd in node.cmds or ():
        st = cmd.subtype
        if st in _SHARE_UPDATE_EXCLUSIVE:
            continue
        if st in _SHARE_ROW_EXCLUSIVE:
            h.blocks_writes("ENABLE/DISABLE TRIGGER", t, "SHARE ROW EXCLUSIVE")
            continue
        if st in (AT.AT_SetRelOptions, AT.AT_ResetRelOptions):
            opts = {d.defname for d in cmd.def_ or ()}
            if opts and all(o in _LIGHT_RELOPTIONS or o.startswith(("autovacuum_", "toast.")) for o in opts):
                continue
        if st == AT.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            con = cmd.def_
            if con.contype == ConstrType.CONSTR_FOREIGN:
                ref = _rel(con.pktable)
                h.blocks_writes("ADD FOREIGN KEY", f"{t} and {ref}", "SHARE ROW EXCLUSIVE")
                if not con.skip_validation:
                    h.add(Hazard.BLOCKS_WRITES, f"every row of {t} is checked against {ref} while the lock is held")
                continue
            exclusive.append("ADD CONSTRAINT")
            if con.contype == ConstrType.CONSTR_CHECK and not con.skip_validation:
                scans.append(f"every row is checked against {con.conname or 'the new CHECK constraint'}")
            elif con.contype in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_EXCLUSION):
                scans.append("the constraint's index is built")
            continue
        if st == AT.AT_AlterColumnType:
            exclusive.append("ALTER COLUMN TYPE")
            h.add(Hazard.REWRITES_TABLE,
                  f"changing the type of {t}.{cmd.name} rewrites {t} and its indexes unless the old type is binary coercible to the new one")
            continue
        if st == AT.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            exclusive.append("ADD COLUMN")
            why = _add_column_rewrite(cmd.def_)
            if why:
                h.add(Hazard.REWRITES_TABLE, f"adding {t}.{cmd.def_.colname} rewrites {t}: it {why}")
            continue
        if st in (AT.AT_SetLogged, AT.AT_SetUnLogged, AT.AT_SetAccessMethod):
            exclusive.append("SET LOGGED/UNLOGGED/ACCESS METHOD")
            h.add(Hazard.REWRITES_TABLE, f"{t} and its indexes are rewritten")
            continue
        if st == AT.AT_SetNotNull:
            exclusive.append("SET NOT NULL")
            scans.append(f"every row is scanned to check {cmd.name} has no NULLs")
            continue
        if st == AT.AT_DetachPartition and getattr(cmd.def_, "concurrent", False):
            continue
        exclusive.append(_AT_WORDS.get(st, ""))
    if exclusive:
        words = [w for w in dict.fromkeys(exclusive) if w]
        what = "ALTER TABLE " + ", ".join(words) if words else "ALTER TABLE"
        extra = "; " + "; ".join(dict.fromkeys(scans)) + " while it is held" if scans else ""
        h.exclusive(what, t, extra)


_AT_WORDS = {
    AT.AT_DropColumn: "DROP COLUMN",
    AT.AT_DropConstraint: "DROP CONSTRAINT",
    AT.AT_DropNotNull: "DROP NOT NULL",
    AT.AT_ColumnDefault: "ALTER COLUMN DEFAULT",
    AT.AT_EnableRowSecurity: "ENABLE ROW LEVEL SECURITY",
    AT.AT_DisableRowSecurity: "DISABLE ROW LEVEL SECURITY",
    AT.AT_ForceRowSecurity: "FORCE ROW LEVEL SECURITY",
    AT.AT_NoForceRowSecurity: "NO FORCE ROW LEVEL SECURITY",
    AT.AT_ChangeOwner: "OWNER TO",
    AT.AT_ReplicaIdentity: "REPLICA IDENTITY",
    AT.AT_AddIdentity: "ADD IDENTITY",
    AT.AT_DropIdentity: "DROP IDENTITY",
    AT.AT_SetIdentity: "SET IDENTITY",
    AT.AT_DetachPartition: "DETACH PARTITION",
    AT.AT_AddInherit: "INHERIT",
    AT.AT_DropInherit: "NO INHERIT",
}


def _fk_targets(catalog: Catalog | None, table: str, schema: str | None, name: str) -> list[str]:
    if catalog is None or schema is None:
        return []
    t = catalog.tables.get((schema, name))
    if t is None:
        return []
    return list(dict.fromkeys(qname(*c.references) for c in t.constraints.values()
                              if c.kind == "f" and c.references and c.references != t.key))


def _drop(node: ast.DropStmt, h: _Hazards, catalog: Catalog | None) -> None:
    kind = node.removeType
    for obj in node.objects or ():
        names = _names(obj) if not isinstance(obj, ast.ObjectWithArgs) else []
        if kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_MATVIEW, ObjectType.OBJECT_FOREIGN_TABLE):
            t = qname(*names)
            h.exclusive("DROP TABLE" if kind == ObjectType.OBJECT_TABLE else "DROP", t)
            schema, name = (names[-2] if len(names) > 1 else None), names[-1]
            for ref in _fk_targets(catalog, t, schema, name):
                h.exclusive(f"dropping the foreign keys of {t}", ref)
        elif kind == ObjectType.OBJECT_INDEX and not node.concurrent:
            idx = qname(*names)
            table = None
            if catalog is not None and len(names) == 2:
                i = catalog.indexes.get((names[0], names[1]))
                table = qname(*i.table) if i else None
            h.exclusive("DROP INDEX", table or f"the table of {idx}")
        elif kind in (ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_POLICY, ObjectType.OBJECT_RULE):
            word = {ObjectType.OBJECT_TRIGGER: "DROP TRIGGER", ObjectType.OBJECT_POLICY: "DROP POLICY",
                    ObjectType.OBJECT_RULE: "DROP RULE"}[kind]
            h.exclusive(word, qname(*names[:-1]))


def _create_table(node: ast.CreateStmt, h: _Hazards) -> None:
    refs: list[str] = []
    for elt in node.tableElts or ():
        cons = elt.constraints if isinstance(elt, ast.ColumnDef) else [elt]
        for c in cons or ():
            if isinstance(c, ast.Constraint) and c.contype == ConstrType.CONSTR_FOREIGN and c.pktable is not None:
                refs.append(_rel(c.pktable))
    for ref in dict.fromkeys(refs):
        h.blocks_writes(f"creating the foreign key of {_rel(node.relation)}", ref, "SHARE ROW EXCLUSIVE")
    if node.partbound is not None and node.inhRelations:
        h.exclusive("CREATE TABLE ... PARTITION OF", _rel(node.inhRelations[0]))


def statement_hazards(node: ast.Node, catalog: Catalog | None = None) -> list[HazardNote]:
    """The lock and rewrite hazards of one statement (see the module's table)."""
    return _statement(node, catalog).notes()


def _statement(node: ast.Node, catalog: Catalog | None) -> _Hazards:
    h = _Hazards()
    if isinstance(node, ast.DropStmt):
        _drop(node, h, catalog)
    elif isinstance(node, ast.TruncateStmt):
        for rv in node.relations:
            h.exclusive("TRUNCATE", _rel(rv))
    elif isinstance(node, ast.AlterTableStmt):
        _alter_table(node, h, catalog)
    elif isinstance(node, ast.IndexStmt) and not node.concurrent:
        h.blocks_writes("CREATE INDEX", _rel(node.relation), "SHARE")
    elif isinstance(node, ast.CreateTrigStmt):
        h.blocks_writes("CREATE TRIGGER", _rel(node.relation), "SHARE ROW EXCLUSIVE")
    elif isinstance(node, (ast.CreatePolicyStmt, ast.AlterPolicyStmt)):
        word = "CREATE POLICY" if isinstance(node, ast.CreatePolicyStmt) else "ALTER POLICY"
        h.exclusive(word, _rel(node.table))
    elif isinstance(node, ast.RuleStmt):
        h.exclusive("CREATE RULE", _rel(node.relation))
    elif isinstance(node, ast.CreateStmt):
        _create_table(node, h)
    elif isinstance(node, ast.RenameStmt) and node.renameType in (
        ObjectType.OBJECT_TABLE, ObjectType.OBJECT_COLUMN, ObjectType.OBJECT_TABCONSTRAINT,
        ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_POLICY, ObjectType.OBJECT_RULE,
    ) and node.relation is not None and node.relationType != ObjectType.OBJECT_VIEW:
        h.exclusive("RENAME", _rel(node.relation))
    elif isinstance(node, ast.AlterObjectSchemaStmt) and node.objectType == ObjectType.OBJECT_TABLE:
        h.exclusive("SET SCHEMA", _rel(node.relation))
    elif isinstance(node, ast.RefreshMatViewStmt) and not node.concurrent:
        h.exclusive("REFRESH MATERIALIZED VIEW", _rel(node.relation))
    elif isinstance(node, ast.ClusterStmt) and node.relation is not None:
        h.exclusive("CLUSTER", _rel(node.relation))
        h.add(Hazard.REWRITES_TABLE, f"CLUSTER rewrites {_rel(node.relation)} and its indexes")
    elif isinstance(node, ast.VacuumStmt) and any(getattr(o, "defname", "") == "full" for o in node.options or ()):
        for rel in node.rels or ():
            t = _rel(rel.relation)
            h.exclusive("VACUUM FULL", t)
            h.add(Hazard.REWRITES_TABLE, f"VACUUM FULL rewrites {t} and its indexes")
    return h


def locked_tables(steps: Iterable[Step], catalog: Catalog | None = None) -> dict[str, str]:
    """Table -> the strongest lock the non-manual steps take on it ("ACCESS EXCLUSIVE",
    "SHARE ROW EXCLUSIVE", "SHARE"), in order of first appearance. Without ``catalog``
    the tables only known from it (the table of a dropped index, the tables a dropped
    table's foreign keys reference) are left out."""
    rank = {"SHARE": 1, "SHARE ROW EXCLUSIVE": 2, "ACCESS EXCLUSIVE": 3}
    out: dict[str, str] = {}
    for step in steps:
        if step.manual:
            continue
        for sql in step.sql:
            try:
                raws = parsed(sql)
            except ParseError:
                continue
            for raw in raws:
                for table, lock in _statement(raw.stmt, catalog).locked.items():
                    if rank.get(lock, 0) > rank.get(out.get(table, ""), 0):
                        out[table] = lock
    return out


def sql_hazards(statements: Iterable[str], catalog: Catalog | None = None) -> list[HazardNote]:
    """The lock and rewrite hazards of SQL text, merged per code."""
    h = _Hazards()
    for sql in statements:
        try:
            raws = parsed(sql)
        except ParseError:
            continue
        for raw in raws:
            for note in statement_hazards(raw.stmt, catalog):
                h.add(note.code, note.reason)
    return h.notes()


def annotate(steps: Iterable[Step], catalog: Catalog | None = None) -> None:
    """Add the lock and rewrite hazards each non-manual step's SQL implies and the step
    does not carry yet (a handler's own reason for a code wins)."""
    for step in steps:
        if step.manual:
            continue
        have = {h.code for h in step.hazards}
        for note in sql_hazards(step.sql, catalog):
            if note.code not in have:
                step.hazards.append(note)
