"""Does what an opaque statement did depend on more than the schema? (the honest edge)

``learn`` replays the history on an empty database. What a statement does there is what
it did on the real database only when it depends on nothing but the schema the history
built. So nothing is recorded for a statement whose executed SQL (for a DO block: every
expression and query of its PL/pgSQL body, and every string in them that reads as SQL:
the templates of its dynamic SQL)

- reads a relation outside ``pg_catalog`` / ``information_schema`` (rows of user tables:
  ``FOR r IN SELECT ... FROM public.tenants``, ``SELECT count(*) INTO n FROM t``), or
  changes rows (INSERT, UPDATE, DELETE, MERGE, COPY, CREATE TABLE AS);
- calls a function that is not built in (``select my_func()``, ``auth.uid()``: its body
  may read anything), or one whose result depends on the time, on chance or on the
  server (``now()``, ``random()``, ``current_setting(...)``, ``version()``...). A function
  the history itself defined is judged by its body as the server holds it at that point
  (``callee``): ``select audit.enable_tracking('public.t')``, whose PL/pgSQL creates
  triggers from templates and reads only ``pg_trigger``, is learned like the DO block it
  amounts to; one whose body reads rows is not, and says why;
- catches every error (``EXCEPTION WHEN OTHERS``: a failure caught on one database and not
  on the other may depend on rows) or one that rows can cause (``unique_violation``,
  ``check_violation``, ``invalid_text_representation``: any outside ``_SCHEMA_ERRORS``),
  or is not PL/pgSQL.

In a DO block, a statement that changes rows blindly (``blind``: no later statement can
see what it did) is judged by the functions it calls and the tables it changes only;
``targets`` (``blind.server_targets``) says whether changing a table's rows runs the
project's code. Without ``targets`` every statement that changes rows is a reason.

DDL met in that SQL (``ALTER TABLE %I ENABLE ROW LEVEL SECURITY``, ``CREATE POLICY ...
USING (...)``) is not a read: its expressions are stored, not evaluated.
``why_not(node, is_catalog, is_builtin, callee, targets)`` returns the reason in words, or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pglast import ast
from pglast.parser import ParseError, parse_sql

from ..sqltext import walk
from .blind import Targets, blind_reason, blind_statements

IsCatalog = Callable[[str | None, str], bool]  # (schema or None, relation name): a system relation?
IsBuiltin = Callable[[str | None, str], bool]  # (schema or None, function name): built into PostgreSQL?
# (schema or None, function name) -> why calling that non-built-in function may depend on
# more than the schema, or None when every function of that name is known to read nothing else
Callee = Callable[[str | None, str], "str | None"]

# built-in, but their result depends on the time, on chance or on the server
_UNSTABLE = frozenset({
    "now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday", "random",
    "gen_random_uuid", "current_setting", "version", "pg_postmaster_start_time", "inet_server_addr",
    "inet_server_port", "txid_current", "pg_current_xact_id", "pg_backend_pid", "current_database",
    "pg_read_file", "pg_ls_dir", "pg_stat_file", "setseed", "random_normal", "uuid_generate_v4",
    # built in, but they read or change a sequence's value: state no snapshot holds
    "nextval", "setval", "currval", "lastval",
})
_READING = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt, ast.CopyStmt,
            ast.CreateTableAsStmt, ast.CallStmt, ast.ExplainStmt, ast.DoStmt)
_ROWS = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt, ast.CopyStmt, ast.CreateTableAsStmt,
         ast.TruncateStmt, ast.RefreshMatViewStmt)
# SQLSTATE classes of errors that only the schema, the roles or the block's own RAISE
# cause: 42 (undefined_table, duplicate_object, insufficient_privilege...), 3F
# (invalid_schema_name), 0A (feature_not_supported), 2B (dependent_objects_still_exist),
# P0 (raise_exception, no_data_found and too_many_rows of a SELECT INTO STRICT), and of
# class 22 (data_exception) invalid_parameter_value alone, which DDL raises for a name
# that is not there (``ALTER TYPE ... RENAME VALUE 'gone' TO ...``)
_SCHEMA_ERRORS = ("42", "3F", "0A", "2B", "P0", "22023")
_HOLE = re.compile(r"%(\d+\$)?[-]?[ILs]")
_READING_WORD = re.compile(r"\s*\(?\s*(select|insert|update|delete|merge|copy|call|with|values|table|do|perform)\b", re.I)


def why_not(node: ast.Node, is_catalog: IsCatalog, is_builtin: IsBuiltin, callee: Callee | None = None,
            targets: Targets | None = None) -> str | None:
    """Why what ``node`` did on an empty database may not be what it did on the real one."""
    callee = callee or _unknown
    if isinstance(node, ast.DoStmt):
        return _do_block(node, is_catalog, is_builtin, callee, targets)
    return _executed(node, is_catalog, is_builtin, callee)


def _unknown(schema: str | None, name: str) -> str:
    return f"it calls {f'{schema}.' if schema else ''}{name}(), which is not built into PostgreSQL: its body may read anything"


def _do_block(node: ast.DoStmt, is_catalog: IsCatalog, is_builtin: IsBuiltin, callee: Callee,
              targets: Targets | None) -> str | None:
    from ..engine import Unsupported
    from ..handlers.doblocks import parse_do

    try:
        fn = parse_do(node)
    except Unsupported as exc:
        return f"its body cannot be read ({exc})"
    body = next((a.arg.sval for a in node.args or () if a.defname == "as"), "")
    return plpgsql_reads(fn, body, is_catalog, is_builtin, callee, targets)


def plpgsql_reads(fn: Any, body: str, is_catalog: IsCatalog, is_builtin: IsBuiltin, callee: Callee,
                  targets: Targets | None = None) -> str | None:
    """``why_not`` for a PL/pgSQL tree (a DO block's, or a function's) and its source text;
    ``targets``: a DO block's, whose blind row changes are judged by ``blind_reason``."""
    if re.search(r"\bwhen\s+others\b", body, re.I):
        return "it catches every error (WHEN OTHERS): what failed, and so what ran, may depend on rows"
    caught = _row_errors(fn)
    if caught:
        return f"it catches {caught}, an error rows can cause: what failed, and so what ran, may depend on rows"
    blind = blind_statements(fn, body) if targets is not None else frozenset()
    for query, mode in expressions(fn):
        if mode == 0 and query in blind and targets is not None:
            why = blind_reason(query, is_builtin, targets)
        else:
            why = sql_reads(expression_sql(query, mode), is_catalog, is_builtin, callee, shown=query)
        if why:
            return why
    return None


def _row_errors(tree: Any) -> str | None:
    """The first condition an exception handler of ``tree`` catches that is not in
    ``_SCHEMA_ERRORS`` (an unknown name counts as one), or None."""
    import psycopg.errors

    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "PLpgSQL_condition" and isinstance(value, dict):
                name = str(value.get("condname", ""))
                if name.lower() == "others":
                    continue
                try:
                    state = psycopg.errors.lookup(name).sqlstate or ""
                except KeyError:
                    state = name if re.fullmatch(r"[0-9A-Z]{5}", name) else ""
                if not state.startswith(_SCHEMA_ERRORS):
                    return name
            else:
                found = _row_errors(value)
                if found:
                    return found
    elif isinstance(tree, list):
        for value in tree:
            found = _row_errors(value)
            if found:
                return found
    return None


def sql_reads(body: str, is_catalog: IsCatalog, is_builtin: IsBuiltin, callee: Callee, shown: str = "") -> str | None:
    """``why_not`` for SQL text: the body of a function written in SQL, or one expression
    of a PL/pgSQL body (``shown``: how to name it when it cannot be read)."""
    try:
        stmts = [raw.stmt for raw in parse_sql(body)]
    except ParseError:
        return f"its SQL `{_short(shown or body)}` cannot be read"
    for stmt in stmts:
        why = _executed(stmt, is_catalog, is_builtin, callee)
        if why:
            return why
    return None


# PL/pgSQL's assignment modes (RAW_PARSE_PLPGSQL_ASSIGN1-3): the text is ``target := expr``
# (or ``=``), the target a variable, a field or an array element
_ASSIGNMENT_MODES = (3, 4, 5)
_TARGET = re.compile(r'^\s*(?:"(?:[^"]|"")*"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[\w$]+))*(?:\s*\[[^\]]*\])*\s*:?=\s*')


def expression_sql(query: str, mode: int) -> str:
    """A PL/pgSQL expression of parse mode ``mode`` as SQL that parses: a whole statement
    as it is, an assignment's right-hand side or another expression after ``SELECT``."""
    if mode == 0:
        return query
    if mode in _ASSIGNMENT_MODES:
        m = _TARGET.match(query)
        if m:
            return f"SELECT {query[m.end():]}"
    return f"SELECT {query}"


def parsed_expressions(tree: Any) -> Iterator[list[ast.Node] | None]:
    """The statements of each PL/pgSQL expression of ``tree`` (``expressions``, made SQL by
    ``expression_sql``), or None for one that does not parse."""
    for query, mode in expressions(tree):
        try:
            yield [raw.stmt for raw in parse_sql(expression_sql(query, mode))]
        except ParseError:
            yield None


def statement_kinds(tree: Any) -> set[str]:
    """The kinds of PL/pgSQL statements in ``tree`` (``PLpgSQL_stmt_if``, ...)."""
    if isinstance(tree, dict):
        return {k for k in tree if k.startswith("PLpgSQL_stmt_")}.union(*(statement_kinds(v) for v in tree.values()))
    return set().union(*(statement_kinds(v) for v in tree)) if isinstance(tree, list) else set()


def expressions(tree: Any) -> Iterator[tuple[str, int]]:
    """Every PL/pgSQL expression of ``tree`` (query text, parse mode: 0 = a whole statement)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "PLpgSQL_expr" and isinstance(value, dict):
                yield value.get("query", ""), int(value.get("parseMode", 0) or 0)
            else:
                yield from expressions(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from expressions(value)


def _executed(stmt: ast.Node, is_catalog: IsCatalog, is_builtin: IsBuiltin, callee: Callee) -> str | None:
    """Why a statement that runs (a top-level one, or SQL a DO block runs) depends on more
    than the schema. DDL is judged by the strings it holds that read as SQL only."""
    reading = isinstance(stmt, _READING)
    if isinstance(stmt, ast.DoStmt):
        return "it runs a nested DO block"
    if isinstance(stmt, _ROWS):
        return "it changes or copies rows"
    if isinstance(stmt, ast.AlterSeqStmt) and any(o.defname == "restart" for o in stmt.options or ()):
        return "it restarts a sequence: its value is state no snapshot holds"
    ctes = {c.ctename for n in walk(stmt) if isinstance(n, ast.WithClause) for c in n.ctes or ()}
    for n in walk(stmt):
        if reading and isinstance(n, ast.RangeVar) and n.relname not in ctes and not is_catalog(n.schemaname, n.relname):
            name = f"{n.schemaname}.{n.relname}" if n.schemaname else n.relname
            return f"it reads {name}, whose rows an empty database does not have"
        if reading and isinstance(n, ast.FuncCall):
            parts = [s.sval for s in n.funcname]
            schema, name = (parts[-2] if len(parts) > 1 else None), parts[-1]
            if name.lower() in _UNSTABLE:
                return f"it calls {name}(), whose result depends on the time, on chance or on the server"
            if not is_builtin(schema, name):
                why = callee(schema, name)
                if why:
                    return why
        if reading and isinstance(n, ast.SQLValueFunction) and ("TIME" in n.op.name or "DATE" in n.op.name):
            return "it reads the current time"
        if isinstance(n, ast.A_Const) and isinstance(n.val, ast.String):
            why = _template(n.val.sval, is_catalog, is_builtin, callee)
            if why:
                return why
    return None


def _template(text: str, is_catalog: IsCatalog, is_builtin: IsBuiltin, callee: Callee) -> str | None:
    """A string that may be SQL the block runs (``format('... %I ...', ...)``)."""
    if len(text) < 6 or not re.search(r"\s", text):
        return None
    sql = _HOLE.sub("x", text)
    try:
        stmts = [raw.stmt for raw in parse_sql(sql)]
    except ParseError:
        if _READING_WORD.match(text):
            return f"its dynamic SQL `{_short(text)}` may read or change rows"
        return None
    for stmt in stmts:
        why = _executed(stmt, is_catalog, is_builtin, callee)
        if why:
            return why
    return None


def _short(text: str, width: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"
