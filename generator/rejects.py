"""Statements that parse but that PostgreSQL rejects when the migration runs.

pglast is PostgreSQL's parser only: a ``CREATE FUNCTION`` whose parameters break the rules
on defaults, or whose PL/pgSQL body does not compile, parses fine, yet the server refuses
it and the whole migration with it. Such a file cannot have been applied as written, so it
is treated like a file that does not parse (``engine._replay_broken``): it gets no rollback,
and what the rejected statement would have defined is distrusted instead of recorded.

Only errors that are certain without a database are reported, so that a migration the
server accepts is never refused:

- parameter defaults (checked on every ``CREATE FUNCTION`` / ``PROCEDURE``, like
  PostgreSQL's ``interpret_function_parameter_list``): an input parameter without a default
  after one with a default; a procedure's OUT parameter after one with a default; a default
  on an OUT or TABLE parameter;
- bodies, when ``check_function_bodies`` is on (the default; ``pg_dump`` files turn it off):
  a PL/pgSQL body (and a PL/pgSQL ``DO`` block, always compiled when it runs) that PL/pgSQL's
  own grammar (``pglast.parse_plpgsql``) refuses with a syntax error or a wrong number of
  ``RAISE`` parameters; an SQL-language string body with a syntax error. Other PL/pgSQL
  compile errors are not trusted: without a database the PL/pgSQL parser guesses the types
  of declared variables, and its verdicts that depend on them can be wrong.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

import pglast
from pglast import ast
from pglast.enums import FunctionParameterMode, VariableSetKind
from pglast.parser import ParseError, parse_sql

from .parse import Statement
from .sqltext import dollar_tag, render

M = FunctionParameterMode
_INPUT = frozenset({M.FUNC_PARAM_IN, M.FUNC_PARAM_INOUT, M.FUNC_PARAM_VARIADIC, M.FUNC_PARAM_DEFAULT})

# PL/pgSQL compile errors that depend on the text alone (not on what a type turns out to be)
_CERTAIN_PLPGSQL = re.compile(
    r"^(syntax error at|mismatched parentheses|unterminated |too (few|many) parameters specified for RAISE)"
)


def _param_name(p: ast.FunctionParameter, i: int) -> str:
    return p.name or f"parameter {i + 1}"


def defaults_error(node: ast.CreateFunctionStmt) -> str | None:
    """What PostgreSQL says about the parameter defaults of ``node``, or None."""
    first_default: str | None = None
    for i, p in enumerate(node.parameters or ()):
        is_input = p.mode in _INPUT
        if p.defexpr is not None:
            if not is_input:
                return f"only input parameters can have default values ({_param_name(p, i)})"
            first_default = first_default or _param_name(p, i)
        elif first_default is not None:
            if is_input:
                return (f"input parameters after one with a default value must also have defaults "
                        f"({_param_name(p, i)} has none, {first_default} has one)")
            if node.is_procedure:
                return (f"procedure OUT parameters cannot appear after one with a default value "
                        f"({_param_name(p, i)} after {first_default})")
    return None


def _option(options: Iterable[ast.DefElem] | None, name: str) -> ast.DefElem | None:
    return next((o for o in options or () if o.defname == name), None)


def plpgsql_error(statement: str) -> str | None:
    """A certain compile error of the PL/pgSQL ``CREATE FUNCTION`` ``statement``, or None."""
    try:
        pglast.parse_plpgsql(statement)
    except ParseError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        if _CERTAIN_PLPGSQL.match(message):
            return message.split("\n", 1)[0]
    except Exception:  # noqa: BLE001 - the probe is a best effort: no verdict
        return None
    return None


def _body_error(node: ast.CreateFunctionStmt, sql: str | None) -> str | None:
    if node.sql_body is not None:
        return None  # BEGIN ATOMIC / RETURN bodies are parsed with the statement
    language = _option(node.options, "language")
    body = _option(node.options, "as")
    if language is None or body is None or not isinstance(body.arg, (list, tuple)) or len(body.arg) != 1:
        return None  # no body, or C's (object file, link symbol)
    text = getattr(body.arg[0], "sval", None)
    lang = getattr(language.arg, "sval", "").lower()
    if text is None:
        return None
    if lang == "plpgsql":  # compiled as declared: its return type and parameters matter (NEW in triggers...)
        # (rendering a copy: pglast's renderer links the nodes it visits to their parents)
        return plpgsql_error(sql if sql is not None else render(copy.deepcopy(node)))
    if lang == "sql":
        try:
            parse_sql(text)
        except ParseError as exc:
            return str(exc.args[0]).split("\n", 1)[0] if exc.args else str(exc)
    return None


def rejection(node: ast.Node, check_bodies: bool = True, sql: str | None = None) -> str | None:
    """Why PostgreSQL rejects ``node`` (whose text is ``sql``) when it runs although it
    parses, or None."""
    if isinstance(node, ast.CreateFunctionStmt):
        return defaults_error(node) or (_body_error(node, sql) if check_bodies else None)
    if isinstance(node, ast.DoStmt):
        language = _option(node.args, "language")
        body = _option(node.args, "as")
        if body is None or (language is not None and language.arg.sval.lower() != "plpgsql"):
            return None
        tag = dollar_tag(body.arg.sval, "rejects")
        return plpgsql_error(f"CREATE FUNCTION pg_temp.do_block() RETURNS void LANGUAGE plpgsql AS {tag}{body.arg.sval}{tag}")
    return None


def _bool_setting(value: str) -> bool | None:
    v = value.strip().lower()
    if v in ("on", "1") or (v and ("true".startswith(v) or "yes".startswith(v))):
        return True
    if v in ("off", "0") or (v and ("false".startswith(v) or "no".startswith(v))) or v in ("of",):
        return False
    return None


def _check_bodies_after(node: ast.Node, current: bool) -> bool:
    """``check_function_bodies`` after ``node``: ``SET``/``RESET`` and
    ``SELECT set_config('check_function_bodies', ...)``."""
    if isinstance(node, ast.VariableSetStmt):
        if node.kind == VariableSetKind.VAR_RESET_ALL:
            return True
        if (node.name or "").lower() != "check_function_bodies":
            return current
        args = node.args or ()
        if not args:  # RESET / SET ... TO DEFAULT
            return True
        val = args[0].val if isinstance(args[0], ast.A_Const) else None
        text = getattr(val, "sval", None)
        if text is None and val is not None and hasattr(val, "ival"):
            text = str(val.ival)
        if text is None and val is not None and hasattr(val, "boolval"):
            text = "on" if val.boolval else "off"
        setting = _bool_setting(text) if text is not None else None
        return current if setting is None else setting
    if isinstance(node, ast.SelectStmt) and node.targetList:
        for target in node.targetList:
            call = target.val
            if not isinstance(call, ast.FuncCall) or [n.sval for n in call.funcname][-1] != "set_config":
                continue
            args = call.args or ()
            if len(args) >= 2 and all(isinstance(a, ast.A_Const) for a in args[:2]):
                name, value = (getattr(a.val, "sval", None) for a in args[:2])
                if name and name.lower() == "check_function_bodies" and value is not None:
                    setting = _bool_setting(value)
                    current = current if setting is None else setting
    return current


def rejections(stmts: Iterable[Statement]) -> list[tuple[Statement, str]]:
    """The statements of one file (in order) that PostgreSQL rejects, each with why; the
    file runs in a fresh session, where ``check_function_bodies`` is on."""
    out: list[tuple[Statement, str]] = []
    check_bodies = True
    for st in stmts:
        why = rejection(st.node, check_bodies, st.sql)
        if why is not None:
            out.append((st, why))
        check_bodies = _check_bodies_after(st.node, check_bodies)
    return out


def error_text(st: Statement, why: str) -> str:
    """The message a migration with the rejected statement ``st`` gets (as ``path:line: ...``)."""
    first = st.sql.splitlines()[0] if st.sql else ""
    return (f"{st.where}: {why}\n    {first}\n"
            "hint: PostgreSQL rejects this statement when it runs (and the whole migration with it), so the file "
            "cannot have been applied as written: correct it; later rollbacks treat what it defines as unknown")
