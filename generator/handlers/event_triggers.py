"""Event triggers: CREATE / DROP / ALTER EVENT TRIGGER.

Rules:
- ``CREATE EVENT TRIGGER e ...`` → ``DROP EVENT TRIGGER e``.
- ``DROP EVENT TRIGGER [IF EXISTS] e`` → recreate it: event, tags, function, enabled state,
  owner and comment. One the history does not know is manual (``IF EXISTS``: nothing).
- ``ALTER EVENT TRIGGER e ENABLE [REPLICA | ALWAYS] | DISABLE`` → the earlier state.
- ``ALTER EVENT TRIGGER e RENAME TO f`` → rename back; ``OWNER TO`` → the earlier owner.
- ``DROP FUNCTION f() CASCADE`` drops the event triggers executing ``f`` (function_cascade
  recreates them after ``f``); renaming or moving ``f`` keeps them (they point at its oid).

The catalog keeps them because they run on the rollback's own DDL: a project's guard that
refuses ``DROP TABLE`` refuses the rollback of ``CREATE TABLE`` too (generator/event_guards.py).
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import ObjectType

from ..catalog import Catalog, EventTrigger
from ..engine import Context, Unsupported, handles
from ..refs import comment_sql, move_refs, role_name
from ..sqltext import literal, qname, quote_ident
from ..steps import Step
from . import owners

GROUP = "Restore Event Triggers"
_STATE_SQL = {"O": "ENABLE", "D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


def ref(name: str) -> tuple[str, str]:
    """The grants/comments reference of an event trigger."""
    return ("event trigger", quote_ident(name))


def _function(cat: Catalog, names: tuple) -> tuple[str, str]:
    parts = [n.sval for n in names]
    if len(parts) > 1:
        return (parts[-2], parts[-1])
    schema = cat.resolve_function_schema(parts[0]) or cat.creation_schema()
    return (schema, parts[0])


def create_sql(et: EventTrigger) -> str:
    when = f" WHEN TAG IN ({', '.join(literal(t) for t in et.tags)})" if et.tags else ""
    return (f"CREATE EVENT TRIGGER {quote_ident(et.name)} ON {quote_ident(et.event)}{when} "
            f"EXECUTE FUNCTION {qname(*et.function)}();")


def recreate_sql(et: EventTrigger, cat: Catalog) -> list[str]:
    """The statements that bring ``et`` back as the catalog knows it."""
    out = [create_sql(et)]
    if et.enabled != "O":
        out.append(f"ALTER EVENT TRIGGER {quote_ident(et.name)} {_STATE_SQL[et.enabled]};")
    out += owners.owner_sql(f"ALTER EVENT TRIGGER {quote_ident(et.name)}", et.owner, cat.current_user)
    if ref(et.name) in cat.comments:
        out.append(comment_sql("event trigger", quote_ident(et.name), cat.comments[ref(et.name)]))
    return out


def executing(cat: Catalog, function: tuple[str, str]) -> list[EventTrigger]:
    """The event triggers that execute ``schema.name()``."""
    return [et for et in cat.event_triggers.values() if et.function == function]


def forget(cat: Catalog, name: str) -> None:
    del cat.event_triggers[name]
    cat.drop_object_refs(ref(name))


def retarget(cat: Catalog, old: tuple[str, str], new: tuple[str, str]) -> None:
    """The function was renamed or moved: its event triggers follow it (by oid)."""
    for et in executing(cat, old):
        et.function = new


def _known(ctx: Context, name: str) -> EventTrigger:
    et = ctx.catalog.event_triggers.get(name)
    if et is None:
        raise Unsupported(f"event trigger {quote_ident(name)} is not known from earlier migrations")
    reason = ctx.tainted_reason(ref(name))
    if reason:
        raise Unsupported(reason)
    return et


@handles(ast.CreateEventTrigStmt)
def create_event_trigger(node: ast.CreateEventTrigStmt, ctx: Context) -> list[Step]:
    cat = ctx.catalog
    name = node.trigname
    if name in cat.event_triggers:
        raise Unsupported(f"event trigger {quote_ident(name)} already exists, so this statement fails")
    tags: list[str] = []
    for d in node.whenclause or ():
        if d.defname.lower() != "tag":
            raise Unsupported(f"event trigger filter variable {d.defname} is not known to PostgreSQL 15")
        tags += [s.sval.upper() for s in d.arg]
    cat.event_triggers[name] = EventTrigger(
        name=name, event=node.eventname, tags=tuple(tags), function=_function(cat, node.funcname),
        where=ctx.stmt.where, owner=cat.current_user,
    )
    cat.tainted.pop(ref(name), None)
    return [Step(title=f"Drop event trigger {quote_ident(name)}", group="Drop Event Triggers",
                 sql=[f"DROP EVENT TRIGGER {quote_ident(name)};"])]


@handles(ast.DropStmt, ObjectType.OBJECT_EVENT_TRIGGER)
def drop_event_trigger(node: ast.DropStmt, ctx: Context) -> list[Step]:
    cat = ctx.catalog
    steps: list[Step] = []
    for obj in node.objects:
        name = obj.sval
        if name not in cat.event_triggers and node.missing_ok and ref(name) not in cat.tainted:
            continue
        et = _known(ctx, name)
        steps.append(Step(title=f"Recreate event trigger {quote_ident(name)}", group=GROUP, sql=recreate_sql(et, cat)))
        forget(cat, name)
    return steps


@handles(ast.AlterEventTrigStmt)
def alter_event_trigger(node: ast.AlterEventTrigStmt, ctx: Context) -> list[Step]:
    et = _known(ctx, node.trigname)
    old, et.enabled = et.enabled, node.tgenabled
    if old == et.enabled:
        return []
    return [Step(title=f"Restore the state of event trigger {quote_ident(et.name)}", group=GROUP,
                 sql=[f"ALTER EVENT TRIGGER {quote_ident(et.name)} {_STATE_SQL[old]};"])]


@handles(ast.RenameStmt, ObjectType.OBJECT_EVENT_TRIGGER)
def rename_event_trigger(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    cat = ctx.catalog
    et = _known(ctx, node.object.sval)
    if node.newname in cat.event_triggers:
        raise Unsupported(f"event trigger {quote_ident(node.newname)} already exists, so this statement fails")
    old = et.name
    del cat.event_triggers[old]
    et.name = node.newname
    cat.event_triggers[et.name] = et
    move_refs(cat, ref(old), ref(et.name))
    return [Step(title=f"Rename event trigger {quote_ident(et.name)} back to {quote_ident(old)}", group=GROUP,
                 sql=[f"ALTER EVENT TRIGGER {quote_ident(et.name)} RENAME TO {quote_ident(old)};"])]


@handles(ast.AlterOwnerStmt, ObjectType.OBJECT_EVENT_TRIGGER)
def alter_event_trigger_owner(node: ast.AlterOwnerStmt, ctx: Context) -> list[Step]:
    cat = ctx.catalog
    et = _known(ctx, node.object.sval)
    previous = et.owner or cat.current_user
    new_owner = role_name(node.newowner, cat.current_user)
    et.owner = new_owner
    return owners.give_back(cat, ref(et.name), f"ALTER EVENT TRIGGER {quote_ident(et.name)}", previous, new_owner,
                            f"Give event trigger {quote_ident(et.name)} back to {quote_ident(previous)}")
