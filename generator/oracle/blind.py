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
  the tables whose foreign keys reach those and their partitions have no rule and no
  trigger of the project that runs SQL: those run the project's code for each row. A
  trigger that only sets the row's own values (``NEW.updated_at = now()``, moddatetime:
  ``row_local``) is no such code.

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
       EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite w WHERE w.ev_class = r.oid AND w.rulename <> '_RETURN'),
       (SELECT coalesce(array_agg(ARRAY[t.tgname::text, l.lanname::text, p.proname::text,
                                        coalesce(pg_catalog.pg_get_functiondef(p.oid), '')] ORDER BY t.tgname), '{}')
          FROM pg_catalog.pg_trigger t
          JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid JOIN pg_catalog.pg_language l ON l.oid = p.prolang
         WHERE t.tgrelid = r.oid AND NOT t.tgisinternal)
  FROM reached r JOIN pg_catalog.pg_class c ON c.oid = r.oid
 ORDER BY 1
"""
# PL/pgSQL statements a trigger function may hold and still only set the row's own values
_ROW_LOCAL = frozenset({"PLpgSQL_stmt_block", "PLpgSQL_stmt_assign", "PLpgSQL_stmt_if", "PLpgSQL_stmt_case",
                        "PLpgSQL_stmt_return", "PLpgSQL_stmt_raise"})
# C trigger functions of extensions that only set the row's own values (moddatetime: a timestamp)
_ROW_LOCAL_C = frozenset({"moddatetime"})


def row_local(language: str, name: str, definition: str, is_builtin: Callable[[str | None, str], bool]) -> bool:
    """Whether a trigger function only sets the values of the row it fires for: PL/pgSQL
    made of assignments, conditions, ``RAISE`` and ``RETURN``, whose expressions read no
    relation and call only built-in functions (``NEW.updated_at = now(); RETURN NEW;``, the
    trigger every Supabase project has), or moddatetime. It runs no SQL, so it cannot reach
    the schema nor steer the block."""
    if language == "c":
        return name in _ROW_LOCAL_C
    if language != "plpgsql" or not definition:
        return False
    import pglast

    from .reads import parsed_expressions, statement_kinds

    try:
        fn = pglast.parse_plpgsql(definition)[0]["PLpgSQL_function"]
    except (ParseError, IndexError, KeyError):
        return False
    if _catches(fn.get("action")) or not statement_kinds(fn.get("action")) <= _ROW_LOCAL:
        return False
    for stmts in parsed_expressions(fn):
        if stmts is None:
            return False
        for stmt in stmts:
            if not isinstance(stmt, ast.SelectStmt) or stmt.fromClause:
                return False
            for n in walk(stmt):
                if isinstance(n, (ast.SubLink, ast.RangeVar)):
                    return False
                if isinstance(n, ast.FuncCall):
                    parts = [p.sval for p in n.funcname]
                    if not is_builtin(parts[-2] if len(parts) > 1 else None, parts[-1]):
                        return False
    return True


def server_targets(conn: psycopg.Connection[Any], is_builtin: Callable[[str | None, str], bool]) -> Targets:
    """A ``Targets`` that asks ``conn`` (the migration's own session, right before the block)."""

    def targets(schema: str | None, name: str) -> str | None:
        quoted = '"' + name.replace('"', '""') + '"'
        full = ('"' + schema.replace('"', '""') + '".' if schema else "") + quoted
        shown = f"{schema}.{name}" if schema else name
        rows = conn.execute(_TARGETS, (full, full)).fetchall()
        if not rows:
            return f"it changes rows of {shown}, which does not exist before the block"
        for relation, kind, target, rules, triggers in rows:
            if target and kind not in ("r", "p"):
                return f"it changes rows of {shown}, which is not a table"
            via = "" if target else f" (its foreign keys or partitions reach {shown})"
            if rules:
                return f"it changes rows of {shown}, and a rule on {relation}{via} runs the project's code for each row"
            for trigger, language, function, definition in triggers:
                if not row_local(language, function, definition, is_builtin):
                    return (f"it changes rows of {shown}, and trigger {trigger} on {relation}{via} runs the project's "
                            "code for each row")
        return None

    return targets
