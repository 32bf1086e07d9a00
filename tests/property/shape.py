"""Reading a rendered rollback file back with pglast.

- ``shape(sql)``: the structure of every statement of the file, without names, literals or
  locations; ``DO`` bodies are parsed as PL/pgSQL and the SQL inside them (queries and
  dynamic strings) parsed again. Two files with the same shape contain the same
  statements, wherever names differ, so comparing a file generated for hostile names with
  the one generated for plain names shows any statement a name added, split or swallowed.
- ``step_statements(checked)``: each step's statements, each one checked to parse as
  exactly one statement, and found in the file in order; every other statement of the
  file must be the file's own frame (transaction, pre-flight/assertion/history ``DO``
  blocks, backups, ``SET LOCAL search_path``).
"""

from __future__ import annotations

from typing import Any

import pglast
from pglast import ast
from pglast.parser import ParseError, parse_sql

from generator.render import DEFAULT_BACKUP_SCHEMA
from generator.sqltext import render


def _sql_shape(node: Any) -> Any:
    if isinstance(node, tuple):
        return tuple(_sql_shape(x) for x in node)
    if isinstance(node, ast.Node):
        if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
            return ("A_Const", _string_shape(node.val.sval))
        if isinstance(node, ast.DoStmt):
            return ("DoStmt", _plpgsql_shape(pglast.parse_plpgsql(render(node))))
        return (type(node).__name__,) + tuple(
            (slot, _sql_shape(getattr(node, slot)))
            for slot in node.__slots__
            if isinstance(getattr(node, slot), (ast.Node, tuple))
        )
    return None


def _string_shape(text: str) -> Any:
    """A string that is SQL (a query run by EXECUTE, a probe) has the shape of its
    statements; any other string (a label, a message) is ``("str", None)``."""
    try:
        return ("str", tuple(_sql_shape(r.stmt) for r in parse_sql(text)))
    except ParseError:
        return ("str", None)


def same_shape(hostile: Any, plain: Any) -> bool:
    """``hostile`` has the shape of ``plain``: a string that is not SQL in ``plain`` may be
    anything in ``hostile`` (a name can make a label look like SQL: ``select``)."""
    if isinstance(plain, tuple) and len(plain) == 2 and plain[0] == "str":
        if plain[1] is None:
            return True
        return isinstance(hostile, tuple) and len(hostile) == 2 and hostile[0] == "str" and same_shape(hostile[1], plain[1])
    if isinstance(plain, tuple):
        return (isinstance(hostile, tuple) and len(hostile) == len(plain)
                and all(same_shape(h, p) for h, p in zip(hostile, plain)))
    return hostile == plain


def _plpgsql_shape(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return tuple((k, _plpgsql_shape(v, k)) for k, v in sorted(value.items()) if k not in ("lineno", "location"))
    if isinstance(value, list):
        return tuple(_plpgsql_shape(v, key) for v in value)
    if isinstance(value, str) and key == "query":
        return _string_shape(value)
    return None


def shape(sql: str) -> tuple:
    return tuple(_sql_shape(r.stmt) for r in parse_sql(sql))


def _do_body(node: ast.DoStmt) -> str:
    return next(a.arg.sval for a in node.args if a.defname == "as")


def _frame(node: ast.Node) -> bool:
    if isinstance(node, (ast.TransactionStmt, ast.DoStmt, ast.VariableSetStmt, ast.NotifyStmt)):
        return True
    if isinstance(node, ast.CreateSchemaStmt):
        return node.schemaname == DEFAULT_BACKUP_SCHEMA
    if isinstance(node, ast.CreateTableAsStmt):
        return node.into.rel.schemaname == DEFAULT_BACKUP_SCHEMA
    return False


def step_statements(sql: str, steps) -> list[ast.Node]:
    """The statements of ``steps`` (generator.steps.Step), as parsed from the file ``sql``."""
    file_nodes = [r.stmt for r in parse_sql(sql)]
    wanted: list[str] = []
    for step in steps:
        for s in step.sql:
            parsed = parse_sql(s)
            assert len(parsed) == 1, f"step {step.title!r}: {s!r} is {len(parsed)} statements, not one"
            wanted.append(render(parsed[0].stmt))
    found: list[ast.Node] = []
    for node in file_nodes:
        if len(found) < len(wanted) and render(node) == wanted[len(found)]:
            found.append(node)
        else:
            assert _frame(node), f"statement not from any step: {render(node)}"
        if isinstance(node, ast.DoStmt):
            pglast.parse_plpgsql(render(node))  # raises when a name broke the block
    assert len(found) == len(wanted), f"step statement missing from the file: {wanted[len(found)]}"
    return found
