"""What ``DROP TYPE ... CASCADE`` removed with a type, and how it comes back.

Dependents are found by parsing stored definitions and resolving their ``TypeName`` nodes
under the search_path they were written with. The forward drop is replayed as a series
of smaller drops, each applied to the catalog in turn (functions using the type with what
they took along, then views and policies naming it, then every column of the type with
what ``DROP COLUMN ... CASCADE`` takes); the rollback runs their inverses in reverse
order, after the type itself is recreated. Columns come back empty (DATA_NOT_RESTORED).

Domains, composite or range types built on the type, and defaults or CHECK constraints of
other columns that name it, are not brought back: manual step.
"""

from __future__ import annotations

import copy

from pglast import ast
from pglast.enums import AlterTableType, DropBehavior

from ..catalog import Key
from ..engine import Context, Unsupported
from ..refs import policy_ref
from ..sqltext import qname, quote_ident
from ..steps import Step
from . import alter_table, dependents, function_cascade
from . import functions as fn_handlers
from . import views as view_handlers
from .enums import mentions_type, refuse_unknown_relations
from .tables import parse_constraint, parse_expr, parse_stmt


def _column_of_type(cat, col_type: str, key: Key) -> bool:
    return mentions_type(cat, parse_expr(f"NULL::{col_type}"), ("public",), key)


def _refuse(ctx: Context, key: Key) -> None:
    """Raise for dependents the rollback cannot recreate."""
    cat = ctx.catalog
    for tk, ty in cat.types.items():
        if tk != key and mentions_type(cat, parse_stmt(ty.definition), ty.search_path, key):
            raise Unsupported(f"{ty.kind} {qname(*tk)} is built on {qname(*key)}; CASCADE dropped it")
    refuse_unknown_relations(ctx, qname(*key))
    for tk, t in cat.tables.items():
        for c in t.columns.values():
            if _column_of_type(cat, c.type, key):
                continue
            for expr in (c.default, c.generated):
                if expr and mentions_type(cat, parse_expr(expr), t.search_path, key):
                    raise Unsupported(f"column {qname(*tk)}.{quote_ident(c.name)} names {qname(*key)} in an expression")
        for con in t.constraints.values():
            cols = [c for c in con.columns if c in t.columns and _column_of_type(cat, t.columns[c].type, key)]
            if not cols and mentions_type(cat, parse_constraint(con.definition), t.search_path, key):
                raise Unsupported(f"constraint {quote_ident(con.name)} of {qname(*tk)} names {qname(*key)}")


def _drop_function(ctx: Context, f) -> list[Step]:
    cat = ctx.catalog
    ref = fn_handlers.function_ref(f)
    reason = ctx.tainted_reason(ref)
    if reason:
        raise Unsupported(reason)
    steps = [Step(title=f"Recreate {f.kind} {f.signature}", group="Recreate Functions",
                  sql=fn_handlers.recreate_sql(f, cat), search_path=f.search_path)]
    steps += function_cascade.cascade(f, ctx)
    del cat.functions[f.key]
    cat.drop_object_refs(ref)
    return steps


def _drop_views_and_policies(ctx: Context, key: Key) -> list[Step]:
    cat = ctx.catalog
    direct = [k for k, v in cat.views.items() if mentions_type(cat, parse_stmt(v.definition), v.search_path, key)]
    views: list[Key] = []
    if direct:
        views = view_handlers.creation_order(
            cat, direct + [k for k in view_handlers.dependent_views(cat, direct) if k not in direct]
        )
        dependents.check_trusted(ctx, views)
    policies = [
        p for p in cat.policies.values()
        if any(e and mentions_type(cat, parse_expr(e), p.search_path, key) for e in (p.using, p.check))
    ]
    policies += [p for p in dependents.policies_on(cat, set(views)) if p not in policies] if views else []
    for p in policies:
        reason = ctx.tainted_reason(policy_ref(p.schema, p.table, p.name))
        if reason:
            raise Unsupported(reason)
    steps = dependents.recreate_after_cascade(cat, views, policies)
    dependents.forget(cat, views, policies)
    return steps


def cascade(ctx: Context, key: Key) -> list[Step]:
    """Steps bringing back what ``DROP TYPE key CASCADE`` removed, run after the type exists.

    On Unsupported the catalog is left as it was.
    """
    cat = ctx.catalog
    saved = copy.deepcopy(cat.__dict__)
    try:
        _refuse(ctx, key)
        groups: list[list[Step]] = []
        users = [
            f for f in cat.functions.values()
            if mentions_type(cat, fn_handlers.parse_definition(f.definition), f.search_path, key)
        ]
        for f in users:
            groups.append(_drop_function(ctx, f))
        groups.append(_drop_views_and_policies(ctx, key))
        for t in list(cat.tables.values()):
            for c in [c for c in t.columns.values() if _column_of_type(cat, c.type, key)]:
                cmd = ast.AlterTableCmd(subtype=AlterTableType.AT_DropColumn, name=c.name,
                                        behavior=DropBehavior.DROP_CASCADE)
                groups.append(alter_table.drop_column(cmd, t.key, ctx))
    except Unsupported:
        cat.__dict__.update(saved)
        raise
    return [s for g in reversed(groups) for s in g]
