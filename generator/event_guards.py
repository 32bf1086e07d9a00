"""The project's event triggers fire on the rollback's own DDL.

A migration may install ``CREATE EVENT TRIGGER ... ON ddl_command_start`` (or
``ddl_command_end``, ``sql_drop``, ``table_rewrite``) to guard the database: refuse
``DROP TABLE`` unless a setting is on, log every drop, and so on. Such a trigger runs for
every later rollback's statements too, and a guard that refuses ``ALTER TABLE ... DROP
COLUMN`` refuses the rollback of ``ADD COLUMN``: the rollback is right, but cannot run as
written. The generator never bypasses a team's guard by itself. Instead (``annotate``),
after a migration is replayed:

- each step whose statements fire an enabled event trigger carries an ``EVENT_TRIGGER``
  hazard naming it and where it was created;
- when the trigger's function may refuse (its last known text raises, or its code is not
  known), the
  rollback starts with a manual step saying so: run it the way the project allows such
  changes. If the function compares ``current_setting('x', ...)`` with a constant, the
  step suggests ``SET LOCAL x = '<constant>';`` (commented out, as manual steps are).

Which statements fire which event (PostgreSQL 15, "Event Trigger Firing Matrix"): every
DDL command fires ``ddl_command_start`` and ``ddl_command_end`` (not those on shared
objects: roles, databases, tablespaces, nor event-trigger commands themselves);
``sql_drop`` is taken to fire for every ``DROP`` and ``ALTER`` (which may drop columns,
constraints, defaults); ``table_rewrite`` for the ``ALTER`` steps that rewrite a table.
``WHEN TAG IN (...)`` narrows by command tag. A ``DO`` block that may run DDL counts as
any command.
"""

from __future__ import annotations

import re
from pathlib import Path
from dataclasses import dataclass, field

from pglast import ast
from pglast.enums import ObjectType
from pglast.parser import ParseError

from .catalog import Catalog, EventTrigger
from .sqltext import literal, parsed, qname, quote_ident
from .steps import Hazard, Step

ANY = "*"  # the command tag of a statement that may run any DDL (a DO block)
RECREATED = "recreated by this rollback"  # where an event trigger the rollback itself creates comes from

_NOT_DDL = (
    ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.SelectStmt, ast.CopyStmt, ast.TruncateStmt,
    ast.TransactionStmt, ast.VariableSetStmt, ast.VariableShowStmt, ast.NotifyStmt, ast.ListenStmt,
    ast.LockStmt, ast.ExplainStmt, ast.VacuumStmt, ast.CheckPointStmt, ast.DiscardStmt,
    ast.CreateRoleStmt, ast.AlterRoleStmt, ast.AlterRoleSetStmt, ast.DropRoleStmt, ast.GrantRoleStmt,
    ast.CreatedbStmt, ast.DropdbStmt, ast.AlterDatabaseStmt, ast.AlterDatabaseSetStmt,
    ast.CreateTableSpaceStmt, ast.DropTableSpaceStmt, ast.AlterSystemStmt,
    ast.CreateEventTrigStmt, ast.AlterEventTrigStmt,
)
_SHARED = {ObjectType.OBJECT_ROLE, ObjectType.OBJECT_DATABASE, ObjectType.OBJECT_TABLESPACE,
           ObjectType.OBJECT_EVENT_TRIGGER}
_WORDS = {ObjectType.OBJECT_MATVIEW: "MATERIALIZED VIEW", ObjectType.OBJECT_TABCONSTRAINT: "TABLE",
          ObjectType.OBJECT_COLUMN: "TABLE", ObjectType.OBJECT_ATTRIBUTE: "TYPE"}
_SIMPLE = {
    ast.CreateStmt: "CREATE TABLE", ast.CreateForeignTableStmt: "CREATE FOREIGN TABLE",
    ast.ViewStmt: "CREATE VIEW", ast.IndexStmt: "CREATE INDEX", ast.CreateTrigStmt: "CREATE TRIGGER",
    ast.CreatePolicyStmt: "CREATE POLICY", ast.AlterPolicyStmt: "ALTER POLICY",
    ast.CreateSchemaStmt: "CREATE SCHEMA", ast.CreateSeqStmt: "CREATE SEQUENCE", ast.AlterSeqStmt: "ALTER SEQUENCE",
    ast.CreateEnumStmt: "CREATE TYPE", ast.CompositeTypeStmt: "CREATE TYPE", ast.CreateRangeStmt: "CREATE TYPE",
    ast.AlterEnumStmt: "ALTER TYPE", ast.CreateDomainStmt: "CREATE DOMAIN", ast.AlterDomainStmt: "ALTER DOMAIN",
    ast.CreateExtensionStmt: "CREATE EXTENSION", ast.AlterExtensionStmt: "ALTER EXTENSION",
    ast.AlterExtensionContentsStmt: "ALTER EXTENSION", ast.CreatePublicationStmt: "CREATE PUBLICATION",
    ast.AlterPublicationStmt: "ALTER PUBLICATION", ast.CommentStmt: "COMMENT", ast.RuleStmt: "CREATE RULE",
    ast.AlterDefaultPrivilegesStmt: "ALTER DEFAULT PRIVILEGES", ast.RefreshMatViewStmt: "REFRESH MATERIALIZED VIEW",
    ast.SecLabelStmt: "SECURITY LABEL", ast.CreateCastStmt: "CREATE CAST", ast.ReindexStmt: "REINDEX",
}
_DDL_WORD = re.compile(r"\b(EXECUTE|CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|REFRESH)\b", re.IGNORECASE)


def _words(kind: object) -> str:
    try:
        kind = ObjectType(kind)
    except ValueError:
        return str(kind)
    return _WORDS.get(kind) or kind.name.removeprefix("OBJECT_").replace("_", " ")


def command_tag(node: ast.Node) -> str | None:
    """The command tag an event trigger sees for ``node`` (None: fires no event trigger)."""
    if isinstance(node, _NOT_DDL):
        return None
    simple = _SIMPLE.get(type(node))
    if simple:
        return simple
    if isinstance(node, ast.DoStmt):
        body = " ".join(str(getattr(a.arg, "sval", "")) for a in node.args or () if a.defname == "as")
        return ANY if _DDL_WORD.search(body) else None
    if isinstance(node, ast.CreateTableAsStmt):
        return "CREATE MATERIALIZED VIEW" if node.objtype == ObjectType.OBJECT_MATVIEW else "CREATE TABLE AS"
    if isinstance(node, ast.CreateFunctionStmt):
        return "CREATE PROCEDURE" if node.is_procedure else "CREATE FUNCTION"
    if isinstance(node, ast.AlterFunctionStmt):
        return "ALTER " + _words(node.objtype)
    if isinstance(node, ast.GrantStmt):
        return None if node.objtype in _SHARED else ("GRANT" if node.is_grant else "REVOKE")
    if isinstance(node, ast.DefineStmt):
        return "CREATE " + _words(node.kind)
    kind_attr = {ast.DropStmt: ("DROP ", "removeType"), ast.AlterTableStmt: ("ALTER ", "objtype"),
                 ast.AlterObjectSchemaStmt: ("ALTER ", "objectType"), ast.AlterOwnerStmt: ("ALTER ", "objectType")}
    if type(node) in kind_attr:
        verb, attr = kind_attr[type(node)]
        kind = getattr(node, attr)
        return None if kind in _SHARED else verb + _words(kind)
    if isinstance(node, ast.RenameStmt):
        kind = node.renameType
        if kind in (ObjectType.OBJECT_COLUMN, ObjectType.OBJECT_TABCONSTRAINT):
            kind = node.relationType
        return None if kind in _SHARED else "ALTER " + _words(kind)
    return ANY  # a statement not listed: it may be DDL


def _fires(et: EventTrigger, tag: str, rewrites: bool) -> bool:
    if et.tags and tag != ANY and tag not in et.tags:
        return False
    if et.event in ("ddl_command_start", "ddl_command_end"):
        return True
    if et.event == "sql_drop":
        return tag == ANY or tag.startswith(("DROP ", "ALTER "))
    if et.event == "table_rewrite":
        return rewrites and (tag == ANY or tag.startswith("ALTER "))
    return False  # login (PostgreSQL 17) and events PostgreSQL 15 does not have


# -- what the trigger's function does ------------------------------------------------------

_RAISE = re.compile(r"\bRAISE\b(?!\s+(NOTICE|WARNING|INFO|LOG|DEBUG)\b)|\bASSERT\b", re.IGNORECASE)
_LANGUAGE = re.compile(r"\bLANGUAGE\s+'?\"?(\w+)", re.IGNORECASE)
_SETTING = re.compile(
    r"current_setting\s*\(\s*'([^']+)'\s*(?:,\s*\w+\s*)?\)"  # current_setting('x'[, true])
    r"(?:\s*,\s*'[^']*'\s*\))?"  # coalesce(current_setting(...), '')
    r"(?:\s*::\s*\w+)?"
    r"(?:\s*(=)\s*'([^']*)')?",
    re.IGNORECASE,
)


@dataclass
class _Function:
    refuses: str | None  # why it may refuse the rollback's steps (None: it does not raise)
    settings: dict[str, str | None] = field(default_factory=dict)  # setting it reads -> value it compares with


def _function(cat: Catalog, et: EventTrigger) -> _Function:
    f = cat.functions.get((*et.function, ""))
    fname = f"{qname(*et.function)}()"
    if f is None:
        return _Function(f"its function {fname} is not known from the migrations")
    text = f.definition
    settings: dict[str, str | None] = {}
    for m in _SETTING.finditer(text):
        name, eq, value = m.group(1), m.group(2), m.group(3)
        if eq and settings.get(name) is None:
            settings[name] = value
        else:
            settings.setdefault(name, None)
    # A statement the generator could not analyse may have changed the function since. Its
    # last known text still decides: were it wrong, the trigger would stop the rollback with
    # its own error (the transaction changes nothing), never make it silently wrong; taking
    # every such doubt for a refusal would stop rollbacks the trigger lets through.
    changed = cat.tainted.get(("function", fname))
    since = f" (as last known: {_where(changed)} may have changed it since)" if changed else ""
    lang = _LANGUAGE.search(text)
    if lang is None or lang.group(1).lower() != "plpgsql":
        return _Function(f"its function {fname} is not PL/pgSQL, so what it does is not known", settings)
    if _RAISE.search(text):
        return _Function(f"its function {fname} raises errors{since}", settings)
    return _Function(None, settings)


def _where(where: str) -> str:
    """``path:line`` with the migration's file name only (the folder is the project's)."""
    if where == RECREATED:
        return where
    head, _, rest = where.rpartition(" at ")  # "DO block at path:line"
    return (head + " at " if head else "") + Path(rest).name


def _numbers(indexes: list[int]) -> str:
    """Step numbers as "2-5, 8" (the manual step comes first, so index i is step i + 2)."""
    runs: list[list[int]] = []
    for n in (i + 2 for i in indexes):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    word = "step" if len(indexes) == 1 else "steps"
    return word + " " + ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


# -- the rollback -------------------------------------------------------------------------


def _statements(step: Step) -> list[ast.Node]:
    out: list[ast.Node] = []
    for sql in step.sql:
        try:
            out += [raw.stmt for raw in parsed(sql)]
        except ParseError:
            out.append(ast.DoStmt(args=(ast.DefElem(defname="as", arg=ast.String(sval="EXECUTE")),)))
    return out


def _follow(active: dict[str, EventTrigger], node: ast.Node) -> None:
    """Event-trigger statements of the rollback itself change which triggers fire next."""
    if isinstance(node, ast.CreateEventTrigStmt):
        tags = tuple(s.sval.upper() for d in node.whenclause or () for s in d.arg)
        names = [n.sval for n in node.funcname]
        function = (names[-2], names[-1]) if len(names) > 1 else ("public", names[-1])
        active[node.trigname] = EventTrigger(node.trigname, node.eventname, tags, function, RECREATED)
    elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_EVENT_TRIGGER:
        for obj in node.objects:
            active.pop(obj.sval, None)
    elif isinstance(node, ast.AlterEventTrigStmt) and node.trigname in active:
        active[node.trigname].enabled = node.tgenabled
    elif isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_EVENT_TRIGGER:
        et = active.pop(node.object.sval, None)
        if et is not None:
            et.name = node.newname
            active[et.name] = et


def _copy(et: EventTrigger) -> EventTrigger:
    return EventTrigger(et.name, et.event, et.tags, et.function, et.where, et.enabled, et.owner)


def annotate(steps: list[Step], catalog: Catalog) -> list[Step]:
    """``steps`` with the hazards and the manual step the project's event triggers call for.

    ``catalog`` is as the migration left it (the state the rollback runs on).
    """
    if not catalog.event_triggers and not any("EVENT TRIGGER" in s for step in steps for s in step.sql):
        return steps
    active = {n: _copy(et) for n, et in catalog.event_triggers.items()}
    fired: dict[str, list[int]] = {}  # trigger name -> indexes of the steps that fire it
    known: dict[str, EventTrigger] = {}
    for i, step in enumerate(steps):
        if step.manual:
            continue
        rewrites = any(h.code is Hazard.REWRITES_TABLE for h in step.hazards)
        hit: list[EventTrigger] = []
        for node in _statements(step):
            tag = command_tag(node)
            if tag is not None:
                hit += [et for et in active.values() if et.enabled in ("O", "A") and et not in hit
                        and _fires(et, tag, rewrites)]
            _follow(active, node)
        for et in hit:
            fired.setdefault(et.name, []).append(i)
            known[et.name] = et
            step.hazard(Hazard.EVENT_TRIGGER, f"fires event trigger {quote_ident(et.name)} ({_where(et.where)}) on "
                        f"{et.event}, which runs {qname(*et.function)}()")
    refusing = []
    for name in sorted(fired):
        et = known[name]
        fn = _function(catalog, et)
        if fn.refuses:
            refusing.append((et, fn, fired[name]))
    if not refusing:
        return steps
    return [_manual_step(refusing), *steps]


def _manual_step(refusing: list[tuple[EventTrigger, _Function, list[int]]]) -> Step:
    parts, sql, settings = [], [], []
    for et, fn, indexes in refusing:
        when = f" for {', '.join(et.tags)}" if et.tags else ""
        parts.append(f"event trigger {quote_ident(et.name)} ({_where(et.where)}) runs {qname(*et.function)}() on "
                     f"{et.event}{when} and {fn.refuses}: it may refuse or change {_numbers(indexes)} of this rollback")
        for name, value in fn.settings.items():
            if name in settings:
                continue
            settings.append(name)
            if value is not None:
                sql.append(f"SET LOCAL {'.'.join(quote_ident(p) for p in name.split('.'))} = {literal(value)};")
    reason = "; ".join(parts) + (
        ". Run the rollback the way the project allows these changes"
        + (f" (the trigger reads the setting {', '.join(settings)})" if settings else "")
        + ", or delete this block if the trigger lets them through"
    )
    step = Step(title="Manual step: the project's event triggers run on this rollback", group="Manual Steps",
                sql=sql, manual=reason)
    return step.hazard(Hazard.MANUAL, reason)
