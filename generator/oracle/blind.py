"""Rows a DO block changes blindly: its effect on the schema cannot depend on them.

tutur3u's ``DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'u')
THEN DELETE FROM t a USING t b WHERE a.ctid < b.ctid AND a.k = b.k; ALTER TABLE t ADD
CONSTRAINT u UNIQUE (k); END IF; END $$`` deletes duplicate rows, then adds a constraint.
On an empty database the DELETE deletes nothing, yet the block does to the schema exactly
what it did on the real one: nothing it does next can see how many rows the DELETE took.

A statement of a DO block that changes rows (INSERT, UPDATE, DELETE, MERGE) is *blind*
(``blind_statements``) when

- it is one of the block's static statements (not ``EXECUTE``'d), without ``INTO``
  (``RETURNING ... INTO`` would put row values into variables);
- the block never reads ``FOUND`` nor the row count (``GET DIAGNOSTICS``);
- the block catches no error (a handler may catch one the rows cause on the real
  database only: a unique violation, a foreign key);
- it calls no function that is not built in: one of the project's runs once per row
  (built-in ones, ``now()`` or ``gen_random_uuid()``, change only the values written);
- and on the server, right before the block (``server_targets``), the tables it changes,
  the tables whose foreign keys reach those and their partitions have no trigger of the
  project and no rule: those run the project's code for each row.

``reads`` then judges the block by its other statements. What the block did to rows
stays a manual step of its own rollback (``row_changes``), as a top-level DELETE's does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from pglast import ast
from pglast.parser import ParseError, parse_sql

from ..sqltext import walk

# (schema or None, table name) -> why changing its rows may run the project's code, or None
Targets = Callable[[str | None, str], "str | None"]

_CHANGES = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)
_SEES_ROWS = re.compile(r"\bfound\b|\bget\s+(?:current\s+)?diagnostics\b", re.I)


def changes_rows(sql: str) -> bool:
    """Whether ``sql`` (one statement of a block) is an INSERT, UPDATE, DELETE or MERGE, or a
    ``WITH`` holding one."""
    try:
        stmts = [raw.stmt for raw in parse_sql(sql)]
    except ParseError:
        return False
    return any(isinstance(n, _CHANGES) for stmt in stmts for n in walk(stmt))


def _execsql(tree: Any) -> Iterator[tuple[str, bool]]:
    """The block's static statements: (text, whether it has INTO)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "PLpgSQL_stmt_execsql" and isinstance(value, dict):
                query = value.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query", "")
                yield query, bool(value.get("into"))
            else:
                yield from _execsql(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _execsql(value)


def _catches(tree: Any) -> bool:
    if isinstance(tree, dict):
        return "exceptions" in tree or any(_catches(v) for v in tree.values())
    return isinstance(tree, list) and any(_catches(v) for v in tree)


def row_changes(fn: dict[str, Any]) -> list[str]:
    """The static statements of the block (its PL/pgSQL tree) that change rows, in order."""
    return [query for query, _ in _execsql(fn) if changes_rows(query)]


def blind_statements(fn: dict[str, Any], body: str) -> frozenset[str]:
    """The texts of the block's statements that change rows blindly, as far as the block's
    own text tells (the functions they call and the tables they change are judged by
    ``blind_reason``). Empty when the block sees the outcome of its row changes."""
    if _SEES_ROWS.search(body) or _catches(fn.get("action")):
        return frozenset()
    statements = list(_execsql(fn))
    with_into = {query for query, into in statements if into}
    return frozenset(query for query, into in statements
                     if not into and query not in with_into and changes_rows(query))


def blind_reason(sql: str, is_builtin: Callable[[str | None, str], bool], targets: Targets) -> str | None:
    """Why the row changes of ``sql`` (a statement ``blind_statements`` returned) may reach
    the schema after all, or None."""
    stmts = [raw.stmt for raw in parse_sql(sql)]
    for stmt in stmts:
        for n in walk(stmt):
            if isinstance(n, ast.DoStmt):
                return "it runs a nested DO block"
            if isinstance(n, ast.FuncCall):
                parts = [s.sval for s in n.funcname]
                schema, name = (parts[-2] if len(parts) > 1 else None), parts[-1]
                if not is_builtin(schema, name):
                    shown = f"{schema}.{name}" if schema else name
                    return f"it changes rows calling {shown}(), which is not built into PostgreSQL, once per row"
            if isinstance(n, _CHANGES) and n.relation is not None:
                why = targets(n.relation.schemaname, n.relation.relname)
                if why:
                    return why
    return None


_TARGETS = """
WITH RECURSIVE reached(oid) AS (
    SELECT to_regclass(%s)::oid
    UNION
    SELECT e.child FROM reached r
      JOIN (SELECT conrelid AS child, confrelid AS parent FROM pg_catalog.pg_constraint WHERE contype = 'f'
            UNION ALL
            SELECT inhrelid, inhparent FROM pg_catalog.pg_inherits) e ON e.parent = r.oid
)
SELECT r.oid::regclass::text, c.relkind::text, r.oid = to_regclass(%s)::oid,
       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = r.oid AND NOT t.tgisinternal),
       EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite w WHERE w.ev_class = r.oid AND w.rulename <> '_RETURN')
  FROM reached r JOIN pg_catalog.pg_class c ON c.oid = r.oid
 ORDER BY 1
"""


def server_targets(conn: psycopg.Connection[Any]) -> Targets:
    """A ``Targets`` that asks ``conn`` (the migration's own session, right before the block)."""

    def targets(schema: str | None, name: str) -> str | None:
        quoted = '"' + name.replace('"', '""') + '"'
        full = ('"' + schema.replace('"', '""') + '".' if schema else "") + quoted
        shown = f"{schema}.{name}" if schema else name
        rows = conn.execute(_TARGETS, (full, full)).fetchall()
        if not rows:
            return f"it changes rows of {shown}, which does not exist before the block"
        for relation, kind, target, triggers, rules in rows:
            if target and kind not in ("r", "p"):
                return f"it changes rows of {shown}, which is not a table"
            if triggers or rules:
                what = "a trigger" if triggers else "a rule"
                via = "" if target else f" (its foreign keys or partitions reach {shown})"
                return f"it changes rows of {shown}, and {what} on {relation}{via} runs the project's code for each row"
        return None

    return targets
