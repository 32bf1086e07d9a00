"""Data statements: INSERT, UPDATE, DELETE, TRUNCATE, COPY.

They change rows, not structure, so the catalog is untouched. Their inverse needs the
rows as they were, which no migration history holds: each becomes a manual step that
says which table's data is affected and where the data must come from.
"""

from __future__ import annotations

from pglast import ast

from ..engine import Context, handles
from ..sqltext import qname
from ..steps import Hazard, Step


def _table(rv: ast.RangeVar, ctx: Context) -> str:
    return qname(*ctx.catalog.resolve_relation(rv.schemaname, rv.relname))


@handles(ast.InsertStmt)
def insert(node: ast.InsertStmt, ctx: Context) -> list[Step]:
    t = _table(node.relation, ctx)
    return ctx.manual(
        f"rows inserted into {t} by this migration must be deleted by hand "
        "(the generator does not invert INSERT)",
        title=f"Delete the rows this migration inserted into {t}",
    )


def _destroyed(ctx: Context, what: str, tables: list[str]) -> list[Step]:
    names = ", ".join(tables)
    reason = (
        f"{what} {names}: the previous data is not in the migration history; "
        "restore it from a backup taken before the migration"
    )
    steps = ctx.manual(reason, title=f"Restore the data of {names}")
    steps[0].hazard(Hazard.DATA_NOT_RESTORED, f"{what} {names}; the rollback cannot bring the old rows back")
    steps[0].lost.append(f"data of {names} changed by the migration")
    return steps


@handles(ast.UpdateStmt)
def update(node: ast.UpdateStmt, ctx: Context) -> list[Step]:
    return _destroyed(ctx, "the migration updated rows of", [_table(node.relation, ctx)])


@handles(ast.DeleteStmt)
def delete(node: ast.DeleteStmt, ctx: Context) -> list[Step]:
    return _destroyed(ctx, "the migration deleted rows of", [_table(node.relation, ctx)])


@handles(ast.TruncateStmt)
def truncate(node: ast.TruncateStmt, ctx: Context) -> list[Step]:
    return _destroyed(ctx, "the migration truncated", [_table(rv, ctx) for rv in node.relations])


@handles(ast.CopyStmt)
def copy(node: ast.CopyStmt, ctx: Context) -> list[Step]:
    if not node.is_from:  # COPY ... TO only reads
        return []
    t = _table(node.relation, ctx) if node.relation else "a table"
    return ctx.manual(f"rows copied into {t} must be deleted by hand", title=f"Delete the rows copied into {t}")
