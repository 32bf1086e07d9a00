"""What ``DROP ... CASCADE`` took along, found by walking parse trees of stored definitions.

PostgreSQL records dependencies by OID; the catalog keeps definitions as SQL. These helpers
parse each stored definition with pglast and resolve the names it uses (``RangeVar``,
``ColumnRef``, ``FuncCall``, ``TypeName``) under the search_path it was written with, so a
view, policy or default counts as a dependent only when it really names the object:

- ``views_on_column``: views whose query reads a column of a table (by name, through
  ``*`` or as a whole row), plus the views built on them;
- ``policies_on``: policies whose expressions read one of some relations (``reads_any``);
- ``recreate_after_cascade``: the steps that bring those views and policies back.
"""

from __future__ import annotations

from pglast import ast
from pglast.visitors import Visitor

from ..catalog import Catalog, Key, Policy
from ..engine import Context, Unsupported
from ..sqltext import qname
from ..steps import Step
from . import views as view_handlers
from .tables import parse_stmt, policy_sql


class _FromItems(Visitor):
    """Relations of a query with the names they are visible under, and the column refs."""

    def __init__(self) -> None:
        self.aliases: dict[str, ast.RangeVar] = {}
        self.rangevars: list[ast.RangeVar] = []
        self.columns: list[tuple[str, ...]] = []

    def visit_RangeVar(self, ancestors, node):  # noqa: N802
        self.rangevars.append(node)
        self.aliases[node.alias.aliasname if node.alias else node.relname] = node

    def visit_ColumnRef(self, ancestors, node):  # noqa: N802
        self.columns.append(tuple(f.sval if isinstance(f, ast.String) else "*" for f in node.fields))


def _resolve(cat: Catalog, path: tuple[str, ...], rv: ast.RangeVar) -> Key:
    saved, cat.search_path = cat.search_path, path
    try:
        return cat.resolve_relation(rv.schemaname, rv.relname)
    finally:
        cat.search_path = saved


def reads_any(cat: Catalog, node: ast.Node | None, path: tuple[str, ...], keys: set[Key]) -> bool:
    """Whether a parse tree (a policy's expression, a SQL-standard function body) reads one of
    the relations ``keys`` (its names resolved under ``path``)."""
    if node is None or not keys:
        return False
    v = _FromItems()
    v(node)
    return any(_resolve(cat, path, rv) in keys for rv in v.rangevars)


def view_reads_column(cat: Catalog, vkey: Key, table: Key, column: str) -> bool:
    """Whether view ``vkey`` reads ``table.column`` (by name, ``*``, or the whole row)."""
    view = cat.views[vkey]
    v = _FromItems()
    v(parse_stmt(view.definition).query)
    names = {name for name, rv in v.aliases.items() if _resolve(cat, view.search_path, rv) == table}
    if not names:
        return False
    for ref in v.columns:
        if ref[-1] == "*" and (len(ref) == 1 or ref[-2] in names):
            return True
        if ref[-1] == column and (len(ref) == 1 or ref[-2] in names):
            return True
        if len(ref) == 1 and ref[0] in names:  # whole-row reference
            return True
    return False


def views_on_column(cat: Catalog, table: Key, column: str) -> list[Key]:
    """Views that DROP COLUMN ... CASCADE removes with ``table.column``, in creation order."""
    direct = [k for k in cat.views if view_reads_column(cat, k, table, column)]
    if not direct:
        return []
    every = direct + [k for k in view_handlers.dependent_views(cat, direct) if k not in direct]
    return view_handlers.creation_order(cat, every)


def policies_on(cat: Catalog, keys: set[Key], exclude_tables: set[Key] = frozenset()) -> list[Policy]:
    """Policies (of tables not in ``exclude_tables``) whose expressions read one of ``keys``."""
    return [
        p for k, p in cat.policies.items()
        if k[:2] not in exclude_tables and view_handlers.policy_references(cat, p, keys)
    ]


def check_trusted(ctx: Context, views: list[Key]) -> None:
    for key in views:
        view = ctx.catalog.views[key]
        for ref in (view_handlers.view_ref(view), ("table", qname(*key))):
            reason = ctx.tainted_reason(ref)
            if reason:
                raise Unsupported(reason)


def recreate_after_cascade(cat: Catalog, views: list[Key], policies: list[Policy]) -> list[Step]:
    """Steps recreating the views and policies a CASCADE removed (catalog before the drop)."""
    steps = view_handlers.recreate_steps(cat, views) if views else []
    for p in policies:
        steps.append(Step(
            title=f"Recreate policy {p.name} on {qname(p.schema, p.table)}",
            group="Recreate Policies",
            sql=policy_sql(cat, p),
            search_path=p.search_path,
        ))
    return steps


def forget(cat: Catalog, views: list[Key], policies: list[Policy]) -> None:
    """Remove what the CASCADE dropped from the catalog."""
    from ..refs import policy_ref

    for key in views:
        if key in cat.views:
            view_handlers.forget_view(cat, key)
    for p in policies:
        cat.policies.pop((p.schema, p.table, p.name), None)
        cat.drop_object_refs(policy_ref(p.schema, p.table, p.name))
