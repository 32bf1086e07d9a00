"""Data statements: INSERT, UPDATE, DELETE, TRUNCATE, COPY.

They change rows, not structure, so the catalog is untouched. Rules:

- Rows written to a table this file creates need no inverse: the rollback drops the
  table (and backs it up) anyway.
- ``INSERT ... VALUES`` inverts to ``DELETE ... WHERE key IN (...)`` when every row gives
  constant values for the table's primary key (or for all columns of a unique
  constraint). The rows are backed up first: they may have been edited since.
  Without such a key the rows cannot be told from older identical ones: manual.
- ``ON CONFLICT DO NOTHING`` left alone the rows that already existed, and which did
  cannot be known for a table that existed before the file: manual. ``ON CONFLICT DO
  UPDATE`` overwrote rows whose old values are lost: manual, restore from a backup.
- ``INSERT ... SELECT``, ``DEFAULT VALUES`` and keys computed at run time: manual.
- Rows of ``storage.buckets`` are buckets: deleting one fails while files uploaded to it
  since (``storage.objects`` rows) exist, which the step's hazard says.
- UPDATE, DELETE, TRUNCATE and COPY FROM destroyed or wrote data the history does not
  hold: manual steps naming the data, to be restored from a backup taken before the
  migration.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pglast import ast
from pglast.enums import OnConflictAction

from ..catalog import Key, Table
from ..engine import Context, handles
from ..parse import parse_statements
from ..sqltext import qname, quote_ident, render
from ..steps import Backup, Hazard, Step


def _key(rv: ast.RangeVar, ctx: Context) -> Key:
    return ctx.catalog.resolve_relation(rv.schemaname, rv.relname)


def _table(rv: ast.RangeVar, ctx: Context) -> str:
    return qname(*_key(rv, ctx))


def created_in_file(key: Key, ctx: Context) -> bool:
    """Was the relation created by this file (so the rollback drops it)?

    True only when it did not exist when the file started, a CREATE TABLE in the file
    names it and no statement of the file renames something to its name.
    """
    cat = ctx.catalog
    if key in cat.file_start_relations or key not in cat.tables or ctx.migration is None:
        return False
    created, renamed = _created_names(ctx.migration.text, str(ctx.migration.path))
    return key[1] not in renamed and ((key[0], key[1]) in created or (None, key[1]) in created)


@lru_cache(maxsize=8)
def _created_names(text: str, path: str) -> tuple[frozenset[tuple[str | None, str]], frozenset[str]]:
    """Relations a file creates with CREATE TABLE [AS] and names it renames something to."""
    created: set[tuple[str | None, str]] = set()
    renamed: set[str] = set()
    for stmt in parse_statements(text, Path(path)):
        n = stmt.node
        if isinstance(n, ast.CreateStmt):
            created.add((n.relation.schemaname, n.relation.relname))
        elif isinstance(n, ast.CreateTableAsStmt):
            created.add((n.into.rel.schemaname, n.into.rel.relname))
        elif isinstance(n, ast.RenameStmt) and n.newname:
            renamed.add(n.newname)
    return frozenset(created), frozenset(renamed)


def _constant(node: ast.Node) -> str | None:
    """SQL of a constant value (``1``, ``'x'``, ``'x'::uuid``); None for NULL or an expression."""
    inner = node.arg if isinstance(node, ast.TypeCast) else node
    if isinstance(inner, ast.A_Const) and not inner.isnull:
        return render(node)
    return None


def _rows(node: ast.InsertStmt, table: Table) -> list[dict[str, ast.Node]] | str:
    """Each VALUES row as column -> value node; a string says why not."""
    sel = node.selectStmt
    if sel is None:
        return "it inserts DEFAULT VALUES, so the new rows' keys are not in the migration"
    if not isinstance(sel, ast.SelectStmt) or sel.valuesLists is None or sel.op or sel.withClause:
        return "it inserts the result of a query (INSERT ... SELECT), so which rows it added is not in the migration"
    if node.cols:
        if any(c.indirection for c in node.cols):
            return "it assigns parts of columns (subscripts or fields)"
        columns = [c.name for c in node.cols]
    else:
        columns = list(table.columns)
    rows = []
    for values in sel.valuesLists:
        if len(values) > len(columns):
            return "its VALUES rows have more values than the table has columns"
        rows.append(dict(zip(columns, values)))
    return rows


def _delete_condition(table: Table, rows: list[dict[str, ast.Node]]) -> tuple[list[str], str] | None:
    """(key columns, SQL condition) matching exactly the inserted rows, or None."""
    candidates = sorted(table.constraints.values(), key=lambda c: (c.kind != "p", c.name))
    for con in candidates:
        if con.kind not in ("p", "u") or not con.columns:
            continue
        values = [[_constant(r[c]) if c in r else None for c in con.columns] for r in rows]
        if any(v is None for row in values for v in row):
            continue
        cols = [quote_ident(c) for c in con.columns]
        if len(cols) == 1:
            cond = f"{cols[0]} IN ({', '.join(row[0] for row in values)})"  # type: ignore[misc]
        else:
            tuples = ", ".join("(" + ", ".join(row) + ")" for row in values)  # type: ignore[arg-type]
            cond = f"({', '.join(cols)}) IN ({tuples})"
        return con.columns, cond
    return None


def _cascades(key: Key, ctx: Context) -> list[str]:
    """Tables whose foreign keys to ``key`` delete or change their rows along with it."""
    out = []
    for k, t in ctx.catalog.tables.items():
        for con in t.constraints.values():
            if con.kind == "f" and con.references == key and "ON DELETE" in con.definition.upper() \
                    and "ON DELETE NO ACTION" not in con.definition.upper() and "ON DELETE RESTRICT" not in con.definition.upper():
                out.append(f"{qname(*k)} ({con.name})")
    return out


def _delete_hazard(key: Key, cond: str, ctx: Context) -> str:
    t = qname(*key)
    if key == ("storage", "buckets"):
        return (
            f"deletes the storage buckets this migration created ({cond}); files uploaded to them since "
            "(storage.objects rows) make the delete fail (objects_bucketId_fkey): empty the buckets through "
            "the Storage API first, which also deletes those files"
        )
    reason = f"deletes the rows this migration inserted into {t} ({cond}), with any change made to them since"
    cascades = _cascades(key, ctx)
    if cascades:
        reason += "; foreign keys with ON DELETE actions change rows of " + ", ".join(cascades)
    return reason


@handles(ast.InsertStmt)
def insert(node: ast.InsertStmt, ctx: Context) -> list[Step]:
    """INSERT ... VALUES with known keys: DELETE those rows (backed up first)."""
    key = _key(node.relation, ctx)
    t = qname(*key)
    if created_in_file(key, ctx):
        return []
    title = f"Delete the rows this migration inserted into {t}"
    table = ctx.catalog.tables.get(key)
    if table is None:
        return ctx.manual(f"rows inserted into {t} must be deleted by hand ({t} is not a table the generator knows)", title=title)
    if node.withClause:
        return ctx.manual(f"rows inserted into {t} come from a WITH query; delete them by hand", title=title)
    tainted = ctx.tainted_reason(("table", t))
    if tainted:
        return ctx.manual(f"rows inserted into {t} must be deleted by hand: {tainted}", title=title)
    rows = _rows(node, table)
    if isinstance(rows, str):
        return ctx.manual(f"rows inserted into {t} must be deleted by hand: {rows}", title=title)
    found = _delete_condition(table, rows)
    conflict = node.onConflictClause
    if conflict is not None and conflict.action == OnConflictAction.ONCONFLICT_UPDATE:
        steps = ctx.manual(
            f"INSERT ... ON CONFLICT DO UPDATE into {t}: rows that already existed were overwritten and their old "
            "values are not in the migration history; delete the rows it created and restore the updated ones "
            "from a backup taken before the migration",
            title=f"Undo the upsert into {t}",
        )
        steps[0].hazard(Hazard.DATA_NOT_RESTORED, f"the migration overwrote rows of {t}; the rollback cannot bring the old values back")
        steps[0].lost.append(f"previous values of rows of {t} overwritten by the upsert")
        return steps
    if found is None:
        return ctx.manual(
            f"rows inserted into {t} must be deleted by hand: not every row gives a constant value for a primary "
            "key or unique constraint of the table, so the inserted rows cannot be told from older identical ones",
            title=title,
        )
    cols, cond = found
    sql = f"DELETE FROM {t} WHERE {cond};"
    if conflict is not None:
        return ctx.manual(
            f"INSERT ... ON CONFLICT DO NOTHING into {t}: rows that already existed were left alone, and the "
            "generator cannot know which ones did; delete only the rows this migration created",
            sql=[sql], title=title,
        )
    step = Step(
        title=title,
        group="Delete Inserted Rows",
        sql=[sql],
        backups=[Backup(
            name=f"{ctx.migration.version if ctx.migration else 'backup'}_{key[1]}",
            query=f"SELECT * FROM {t} WHERE {cond}",
            what=f"rows of {t} inserted by the migration",
        )],
    )
    step.hazard(Hazard.DELETES_DATA, _delete_hazard(key, cond, ctx))
    step.lost.append(f"rows of {t} with {', '.join(cols)} as inserted by the migration")
    return [step]


def _summary(node: ast.Node) -> str:
    text = " ".join(render(node).split())
    return text if len(text) <= 160 else text[:159] + "…"


def _destroyed(ctx: Context, what: str, keys: list[Key], node: ast.Node) -> list[Step]:
    keys = [k for k in keys if not created_in_file(k, ctx)]
    if not keys:
        return []  # only tables this file creates: the rollback drops them
    names = ", ".join(qname(*k) for k in keys)
    reason = (
        f"{what} {names} (`{_summary(node)}`): the previous data is not in the migration history; "
        "restore it from a backup taken before the migration"
    )
    steps = ctx.manual(reason, title=f"Restore the data of {names}")
    steps[0].hazard(Hazard.DATA_NOT_RESTORED, f"{what} {names}; the rollback cannot bring the old rows back")
    steps[0].lost.append(f"data of {names} changed by the migration")
    return steps


@handles(ast.UpdateStmt)
def update(node: ast.UpdateStmt, ctx: Context) -> list[Step]:
    return _destroyed(ctx, "the migration updated rows of", [_key(node.relation, ctx)], node)


@handles(ast.DeleteStmt)
def delete(node: ast.DeleteStmt, ctx: Context) -> list[Step]:
    return _destroyed(ctx, "the migration deleted rows of", [_key(node.relation, ctx)], node)


@handles(ast.TruncateStmt)
def truncate(node: ast.TruncateStmt, ctx: Context) -> list[Step]:
    return _destroyed(ctx, "the migration truncated", [_key(rv, ctx) for rv in node.relations], node)


@handles(ast.CopyStmt)
def copy(node: ast.CopyStmt, ctx: Context) -> list[Step]:
    if not node.is_from:  # COPY ... TO only reads
        return []
    if node.relation is not None and created_in_file(_key(node.relation, ctx), ctx):
        return []
    t = _table(node.relation, ctx) if node.relation else "a table"
    return ctx.manual(f"rows copied into {t} must be deleted by hand", title=f"Delete the rows copied into {t}")
