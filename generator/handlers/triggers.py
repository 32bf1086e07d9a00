"""Triggers.

Rules implemented here:

- ``CREATE TRIGGER`` (also ``CONSTRAINT`` triggers) → ``DROP TRIGGER name ON schema.table``.
- ``CREATE OR REPLACE TRIGGER`` over an existing one → ``CREATE OR REPLACE TRIGGER`` with the
  previous definition, then its previous enabled state (replacing resets it to enabled).
- ``DROP TRIGGER`` → recreate it from the catalog, with its enabled state and comment.
- ``ALTER TRIGGER ... RENAME TO`` → rename it back.
- ``ALTER TABLE ... ENABLE/DISABLE [REPLICA|ALWAYS] TRIGGER name|ALL|USER`` → each affected
  trigger back to its previous state. ``ALL`` also covers the internal triggers of foreign
  keys, whose state the catalog does not track, so it is only inverted on tables no
  foreign key involves.

Triggers are keyed ``(schema, table, name)``. Their definition is stored as a plain
``CREATE [CONSTRAINT] TRIGGER`` statement (without ``;``) with the table and, when the
catalog knows it, the trigger function schema-qualified.
"""

from __future__ import annotations


from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ObjectType

from .. import refs
from ..catalog import Catalog, Key, ObjRef, SubKey, Trigger
from ..engine import Context, Unsupported, handles, handles_alter
from ..sqltext import qname, quote_ident, render, clone
from ..steps import Step

A = AlterTableType
# Trigger state (pg_trigger.tgenabled) each ALTER TABLE subcommand sets.
_STATE_OF = {
    A.AT_EnableTrig: "O", A.AT_EnableTrigAll: "O", A.AT_EnableTrigUser: "O",
    A.AT_DisableTrig: "D", A.AT_DisableTrigAll: "D", A.AT_DisableTrigUser: "D",
    A.AT_EnableReplicaTrig: "R", A.AT_EnableAlwaysTrig: "A",
}
_STATE_SQL = {"O": "ENABLE TRIGGER", "D": "DISABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER", "A": "ENABLE ALWAYS TRIGGER"}
_STATE_WORD = {"O": "enabled", "D": "disabled", "R": "enabled for replica", "A": "enabled always"}


def trigger_ref(t: Trigger) -> ObjRef:
    return refs.trigger_ref(t.schema, t.table, t.name)


def _label(t: Trigger) -> str:
    return f"{quote_ident(t.name)} on {qname(t.schema, t.table)}"


def state_sql(t: Trigger, state: str) -> str:
    """``ALTER TABLE s.t DISABLE TRIGGER name;`` and friends."""
    return f"ALTER TABLE {qname(t.schema, t.table)} {_STATE_SQL[state]} {quote_ident(t.name)};"


def recreate_sql(t: Trigger, catalog: Catalog) -> list[str]:
    """CREATE the trigger as it was, then its enabled state and comment."""
    sql = [t.definition + ";"]
    if t.enabled != "O":
        sql.append(state_sql(t, t.enabled))
    ref = trigger_ref(t)
    if ref in catalog.comments:
        sql.append(refs.comment_sql("trigger", ref[1], catalog.comments[ref]))
    return sql


def triggers_on(catalog: Catalog, table: Key) -> list[Trigger]:
    return [t for k, t in catalog.triggers.items() if (k[0], k[1]) == table]


def forget(catalog: Catalog, t: Trigger) -> None:
    """Remove a trigger from the catalog (with its comment)."""
    del catalog.triggers[(t.schema, t.table, t.name)]
    catalog.drop_object_refs(trigger_ref(t))


def _parse(definition: str) -> ast.CreateTrigStmt:
    return parse_sql(definition)[0].stmt


def render_trigger(node: ast.CreateTrigStmt) -> str:
    """Render a CREATE TRIGGER; pglast 8.7 puts ``FROM table`` after ``DEFERRABLE``, which
    PostgreSQL rejects, so a constraint trigger's ``FROM`` clause is placed here."""
    if node.constrrel is None:
        return render(node)
    node = clone(node)
    rel, node.constrrel = node.constrrel, None
    deferrable, initdeferred = node.deferrable, node.initdeferred
    node.deferrable = node.initdeferred = False
    text = render(node)
    marker = f" ON {render(node.relation)}"
    at = text.index(marker) + len(marker)
    extra = f" FROM {render(rel)}"
    if deferrable:
        extra += " DEFERRABLE"
    if initdeferred:
        extra += " INITIALLY DEFERRED"
    return text[:at] + extra + text[at:]


def _function_of(t: Trigger) -> tuple[str | None, str]:
    names = [n.sval for n in _parse(t.definition).funcname]
    return (names[-2] if len(names) > 1 else None), names[-1]


def triggers_executing(catalog: Catalog, schema: str, name: str) -> list[Trigger]:
    """The triggers whose definition executes the function ``schema.name()``."""
    return [t for t in catalog.triggers.values() if _function_of(t) == (schema, name)]


def retarget(catalog: Catalog, old: Key, new: Key) -> None:
    """After a trigger function was renamed or moved, point the stored definitions at it."""
    for t in triggers_executing(catalog, *old):
        node = _parse(t.definition)
        node.funcname = (ast.String(sval=new[0]), ast.String(sval=new[1]))
        t.definition = render_trigger(node)


def _definition(node: ast.CreateTrigStmt, key: SubKey, catalog: Catalog) -> str:
    """The trigger as a plain CREATE TRIGGER with its table (and function) qualified."""
    node = clone(node)
    node.replace = False
    node.trigname = key[2]
    node.relation = ast.RangeVar(schemaname=key[0], relname=key[1], inh=True, relpersistence="p")
    names = [n.sval for n in node.funcname]
    if len(names) == 1:
        schema = catalog.resolve_function_schema(names[0])
        if schema:
            node.funcname = (ast.String(sval=schema), ast.String(sval=names[0]))
    if node.constrrel is not None:
        ref = catalog.resolve_relation(node.constrrel.schemaname, node.constrrel.relname)
        node.constrrel = ast.RangeVar(schemaname=ref[0], relname=ref[1], inh=True, relpersistence="p")
    return render_trigger(node)


def _replace_sql(t: Trigger) -> str:
    node = _parse(t.definition)
    node.replace = True
    return render_trigger(node) + ";"


# -- CREATE / DROP ------------------------------------------------------------------------


@handles(ast.CreateTrigStmt)
def create_trigger(node: ast.CreateTrigStmt, ctx: Context) -> list[Step]:
    """New trigger → DROP TRIGGER; OR REPLACE of a known one → its previous definition back."""
    cat = ctx.catalog
    table = cat.resolve_relation(node.relation.schemaname, node.relation.relname)
    key = (table[0], table[1], node.trigname)
    new = Trigger(schema=key[0], table=key[1], name=key[2], definition=_definition(node, key, cat))
    old = cat.triggers.get(key)
    if old is None:
        cat.triggers[key] = new
        return [Step(
            title=f"Drop trigger {_label(new)}",
            group="Drop Triggers",
            sql=[f"DROP TRIGGER {quote_ident(new.name)} ON {qname(new.schema, new.table)};"],
        )]
    if not node.replace:
        raise Unsupported(f"trigger {_label(old)} already exists according to the migration history")
    reason = ctx.tainted_reason(trigger_ref(old)) or ctx.tainted_reason(refs.table_ref(table))
    if reason:
        steps = ctx.manual(reason)
    else:
        sql = [_replace_sql(old)]
        if old.enabled != "O":
            sql.append(state_sql(old, old.enabled))
        steps = [Step(title=f"Restore the previous definition of trigger {_label(old)}", group="Restore Triggers", sql=sql)]
    cat.triggers[key] = new  # replacing re-enables the trigger: new.enabled is "O"
    return steps


@handles(ast.DropStmt, ObjectType.OBJECT_TRIGGER)
def drop_trigger(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """Recreate each dropped trigger from the catalog, with its enabled state and comment."""
    cat = ctx.catalog
    steps: list[Step] = []
    for obj in node.objects:
        names = [n.sval for n in obj]
        table = cat.resolve_relation(names[-3] if len(names) > 2 else None, names[-2])
        key = (table[0], table[1], names[-1])
        label = f"{quote_ident(key[2])} on {qname(*table)}"
        t = cat.triggers.get(key)
        if t is None:
            reason = ctx.tainted_reason(refs.table_ref(table))
            if reason:  # the statement that changed the table may have created the trigger
                steps += ctx.manual(f"{reason}; trigger {label} is not in the catalog, but that statement may have "
                                    "created it", title=f"Manual step: recreate trigger {label}")
            elif not node.missing_ok:
                steps += ctx.manual(
                    f"the definition of trigger {label} before this migration is not in the migration history",
                    title=f"Manual step: recreate trigger {label}",
                )
            continue
        reason = ctx.tainted_reason(trigger_ref(t)) or ctx.tainted_reason(refs.table_ref(table))
        if reason:
            steps += ctx.manual(reason, title=f"Manual step: recreate trigger {label}")
        else:
            steps.append(Step(title=f"Recreate trigger {label}", group="Recreate Triggers", sql=recreate_sql(t, cat)))
        forget(cat, t)
    return steps


@handles(ast.RenameStmt, ObjectType.OBJECT_TRIGGER)
def rename_trigger(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """``ALTER TRIGGER a ON t RENAME TO b`` → ``ALTER TRIGGER b ON t RENAME TO a``."""
    cat = ctx.catalog
    table = cat.resolve_relation(node.relation.schemaname, node.relation.relname)
    t = cat.triggers.get((table[0], table[1], node.subname))
    if t is None:
        raise Unsupported(f"trigger {quote_ident(node.subname)} on {qname(*table)} is not in the migration history")
    old_ref = trigger_ref(t)
    del cat.triggers[(t.schema, t.table, t.name)]
    node_def = _parse(t.definition)
    node_def.trigname = node.newname
    renamed = Trigger(t.schema, t.table, node.newname, render_trigger(node_def), t.enabled)
    cat.triggers[(t.schema, t.table, renamed.name)] = renamed
    refs.move_refs(cat, old_ref, trigger_ref(renamed))
    return [Step(
        title=f"Rename trigger {_label(renamed)} back to {quote_ident(t.name)}",
        group="Rename Triggers",
        sql=[f"ALTER TRIGGER {quote_ident(renamed.name)} ON {qname(*table)} RENAME TO {quote_ident(t.name)};"],
    )]


# -- ALTER TABLE ... ENABLE/DISABLE TRIGGER -----------------------------------------------


def _foreign_keys_involve(catalog: Catalog, table: Key) -> bool:
    return any(
        c.kind == "f" and (k == table or c.references == table)
        for k, tbl in catalog.tables.items()
        for c in tbl.constraints.values()
    )


@handles_alter(*_STATE_OF)
def set_trigger_state(cmd: ast.AlterTableCmd, table: Key, ctx: Context) -> list[Step]:
    """Put every trigger the subcommand touched back in its previous state."""
    cat = ctx.catalog
    state = _STATE_OF[cmd.subtype]
    if cmd.subtype in (A.AT_EnableTrigAll, A.AT_DisableTrigAll):
        if _foreign_keys_involve(cat, table):
            raise Unsupported(
                f"{'ENABLE' if state == 'O' else 'DISABLE'} TRIGGER ALL on {qname(*table)} also changes the "
                "internal triggers of its foreign keys, whose earlier state the generator does not track"
            )
        targets = triggers_on(cat, table)
    elif cmd.subtype in (A.AT_EnableTrigUser, A.AT_DisableTrigUser):
        targets = triggers_on(cat, table)
    else:
        t = cat.triggers.get((table[0], table[1], cmd.name))
        if t is None:
            raise Unsupported(f"trigger {quote_ident(cmd.name)} on {qname(*table)} is not in the migration history")
        targets = [t]
    steps = []
    for t in targets:
        if t.enabled != state:
            steps.append(Step(
                title=f"Set trigger {_label(t)} back to {_STATE_WORD[t.enabled]}",
                group="Restore Trigger States",
                sql=[state_sql(t, t.enabled)],
            ))
            t.enabled = state
    return steps
