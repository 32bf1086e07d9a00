"""What ``DROP FUNCTION ... CASCADE`` removed with a function, and how it comes back.

Dependents are found by parsing each stored definition and resolving the function calls
(``FuncCall``) it makes under the search_path it was written with: a call names the
dropped function when it is qualified with its schema, or unqualified and the first
schema on the path (after ``pg_catalog``) that has a function of that name is its schema.
When that schema has several functions of the name, which overload a call meant is not
known: manual step.

Recreated exactly, after the function itself: triggers and event triggers that execute it, SQL-body
(``BEGIN ATOMIC``) functions that call it, column defaults (set again), CHECK constraints
(added again), indexes, policies and views (with the views built on them). A generated
column or a domain that calls it was dropped with its data or definition: manual.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pglast import ast

from ..catalog import Catalog, Constraint, Function, Index, Key, Policy, Table
from ..engine import Context, Unsupported
from ..refs import policy_ref
from ..sqltext import qname, quote_ident
from ..steps import Step
from . import dependents, event_triggers, triggers
from . import indexes as idx_handlers
from . import views as view_handlers
from .enums import names_in
from .tables import (
    add_constraint_sql,
    comment_restore,
    constraint_ref,
    drop_constraint_from_catalog,
    parse_constraint,
    parse_expr,
    parse_stmt,
)


def _calls(cat: Catalog, node: ast.Node | None, path: tuple[str, ...], f: Function) -> bool:
    for schema, name in names_in(node).funcs:
        if name != f.name:
            continue
        if schema is None:
            for s in ["pg_catalog", *_effective(cat, path)]:
                if any(k[0] == s and k[1] == name for k in cat.functions):
                    schema = s
                    break
        if schema != f.schema:
            continue
        overloads = [k for k in cat.functions if k[:2] == (f.schema, f.name)]
        if len(overloads) > 1:
            raise Unsupported(
                f"{f.signature} has overloads; which of them the objects calling {qname(f.schema, f.name)} "
                "used is not known"
            )
        return True
    return False


def _effective(cat: Catalog, path: tuple[str, ...]) -> list[str]:
    saved, cat.search_path = cat.search_path, path
    try:
        return cat.effective_path()
    finally:
        cat.search_path = saved


def _expr(text: str | None) -> ast.Node | None:
    return parse_expr(text) if text else None


@dataclass
class Dependents:
    functions: list[Function] = field(default_factory=list)
    defaults: list[tuple[Table, str]] = field(default_factory=list)
    constraints: list[tuple[Table, Constraint]] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    views: list[Key] = field(default_factory=list)


def find(ctx: Context, f: Function) -> Dependents:
    """Everything that calls ``f`` (Unsupported for what cannot be brought back)."""
    from .functions import function_ref, parse_definition

    cat = ctx.catalog
    d = Dependents()
    for other in cat.functions.values():
        if other.key == f.key:
            continue
        node = parse_definition(other.definition)
        if node.sql_body is not None and _calls(cat, node.sql_body, other.search_path, f):
            reason = ctx.tainted_reason(function_ref(other))
            if reason:
                raise Unsupported(reason)
            d.functions.append(other)
    for key, t in cat.tables.items():
        for c in t.columns.values():
            if c.generated is not None and _calls(cat, _expr(c.generated), t.search_path, f):
                raise Unsupported(
                    f"generated column {qname(*key)}.{quote_ident(c.name)} calls {f.signature}; CASCADE dropped the "
                    "column and its values"
                )
            if c.default is not None and _calls(cat, _expr(c.default), t.search_path, f):
                d.defaults.append((t, c.name))
        for con in t.constraints.values():
            if _calls(cat, parse_constraint(con.definition), t.search_path, f):
                if con.kind != "c":
                    raise Unsupported(f"constraint {quote_ident(con.name)} of {qname(*key)} calls {f.signature}")
                d.constraints.append((t, con))
    for idx in cat.indexes.values():
        if idx.constraint is None and _calls(cat, parse_stmt(idx.definition), idx.search_path, f):
            d.indexes.append(idx)
    for tk, ty in cat.types.items():
        if ty.kind == "domain" and _calls(cat, parse_stmt(ty.definition), ty.search_path, f):
            raise Unsupported(f"domain {qname(*tk)} calls {f.signature}; CASCADE dropped its constraint or default")
    for p in cat.policies.values():
        if any(_calls(cat, _expr(e), p.search_path, f) for e in (p.using, p.check)):
            reason = ctx.tainted_reason(policy_ref(p.schema, p.table, p.name))
            if reason:
                raise Unsupported(reason)
            d.policies.append(p)
    direct = [k for k, v in cat.views.items() if _calls(cat, parse_stmt(v.definition), v.search_path, f)]
    if direct:
        every = direct + [k for k in view_handlers.dependent_views(cat, direct) if k not in direct]
        d.views = view_handlers.creation_order(cat, every)
        dependents.check_trusted(ctx, d.views)
        d.policies += [p for p in dependents.policies_on(cat, set(d.views)) if p not in d.policies]
    return d


def restore_steps(ctx: Context, f: Function, d: Dependents) -> list[Step]:
    """Steps recreating the dependents (catalog before the drop); then forget them."""
    from .functions import recreate_sql

    cat = ctx.catalog
    steps: list[Step] = []
    for g in d.functions:
        steps.append(Step(title=f"Recreate {g.kind} {g.signature}", group="Recreate Functions",
                          sql=recreate_sql(g, cat), search_path=g.search_path))
    for t, col in d.defaults:
        steps.append(Step(
            title=f"Restore the default of {qname(*t.key)}.{quote_ident(col)}", group="Restore Defaults",
            sql=[f"ALTER TABLE {qname(*t.key)} ALTER COLUMN {quote_ident(col)} SET DEFAULT {t.columns[col].default};"],
            search_path=t.search_path,
        ))
    for t, con in d.constraints:
        steps.append(Step(
            title=f"Restore constraint {quote_ident(con.name)} on {qname(*t.key)}", group="Restore Constraints",
            sql=[add_constraint_sql(t.key, con), *comment_restore(cat, constraint_ref(t.key, con.name))],
            search_path=con.search_path or t.search_path,
        ))
    for idx in d.indexes:
        steps += idx_handlers.recreate_steps(cat, idx)
    steps += dependents.recreate_after_cascade(cat, d.views, d.policies)
    # what the CASCADE removed
    for g in d.functions:
        cat.functions.pop(g.key, None)
        cat.drop_object_refs(("procedure" if g.kind == "procedure" else "function", g.signature))
    for t, col in d.defaults:
        t.columns[col].default = None
    for t, con in d.constraints:
        drop_constraint_from_catalog(cat, t, con.name)
    for idx in d.indexes:
        idx_handlers.forget_index(cat, (idx.schema, idx.name))
    dependents.forget(cat, d.views, d.policies)
    return steps


def cascade(f: Function, ctx: Context) -> list[Step]:
    """Triggers executing ``f`` and every other dependent, recreated after ``f``."""
    cat = ctx.catalog
    steps: list[Step] = []
    d = find(ctx, f)
    if f.identity_args == "":
        for trig in triggers.triggers_executing(cat, f.schema, f.name):
            steps.append(Step(
                title=f"Recreate trigger {quote_ident(trig.name)} on {qname(trig.schema, trig.table)}",
                group="Recreate Triggers",
                sql=triggers.recreate_sql(trig, cat),
            ))
            triggers.forget(cat, trig)
        for et in event_triggers.executing(cat, (f.schema, f.name)):
            steps.append(Step(title=f"Recreate event trigger {quote_ident(et.name)}", group=event_triggers.GROUP,
                              sql=event_triggers.recreate_sql(et, cat)))
            event_triggers.forget(cat, et.name)
    return restore_steps(ctx, f, d) + steps
