"""Session and transaction statements: nothing to invert, but some change name resolution."""

from __future__ import annotations

from pglast import ast
from pglast.enums import VariableSetKind

from ..catalog import DEFAULT_SEARCH_PATH
from ..engine import Context, handles
from ..sqltext import render
from ..steps import Step


def _path_from_string(value: str) -> tuple[str, ...]:
    out = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if part.startswith('"') and part.endswith('"'):
            part = part[1:-1].replace('""', '"')
        else:
            part = part.lower()
        out.append(part)
    return tuple(out)


def _const_str(node: ast.Node) -> str | None:
    if isinstance(node, ast.A_Const) and not node.isnull:
        val = node.val
        return getattr(val, "sval", None) if isinstance(val, ast.String) else str(getattr(val, "ival", ""))
    return None


@handles(ast.VariableSetStmt)
def set_variable(node: ast.VariableSetStmt, ctx: Context) -> list[Step]:
    """``SET [LOCAL] search_path ...`` changes how later names resolve; other SETs are inert."""
    if (node.name or "").lower() != "search_path":
        return []
    if node.kind in (VariableSetKind.VAR_RESET, VariableSetKind.VAR_SET_DEFAULT, VariableSetKind.VAR_RESET_ALL):
        ctx.catalog.search_path = DEFAULT_SEARCH_PATH
    elif node.kind == VariableSetKind.VAR_SET_VALUE:
        parts = []
        for arg in node.args or ():
            s = _const_str(arg)
            if s is not None:
                parts.extend(_path_from_string(s) if "," in s or s == "" else [s])
        ctx.catalog.search_path = tuple(parts)
    return []


@handles(ast.TransactionStmt)
@handles(ast.CheckPointStmt)
@handles(ast.VacuumStmt)
@handles(ast.DiscardStmt)
@handles(ast.LoadStmt)
def inert(node: ast.Node, ctx: Context) -> list[Step]:
    """Statements that change no schema object: nothing to undo."""
    return []


@handles(ast.NotifyStmt)
def notify(node: ast.NotifyStmt, ctx: Context) -> list[Step]:
    """``NOTIFY pgrst, 'reload schema'`` is repeated at the end of the rollback (see render)."""
    if node.conditionname == "pgrst":
        ctx.catalog.notify_pgrst = True
    return []


_SAFE_FUNCS = {"set_config", "pg_catalog.set_config"}


@handles(ast.SelectStmt)
def select(node: ast.SelectStmt, ctx: Context) -> list[Step]:
    """A ``SELECT`` in a migration is run for its side effects.

    ``set_config('search_path', ...)`` is understood; a SELECT that calls no function
    and reads nothing is inert; anything else is a manual step, because the generator
    cannot know what the called function changed.
    """
    targets = node.targetList or ()
    calls = []
    for t in targets:
        val = getattr(t, "val", None)
        if isinstance(val, ast.FuncCall):
            calls.append(val)
        elif not isinstance(val, ast.A_Const):
            calls.append(None)
    if node.fromClause or None in calls:
        return ctx.manual("this SELECT may have side effects the generator cannot analyse")
    for call in calls:
        fname = ".".join(n.sval for n in call.funcname)
        if fname in _SAFE_FUNCS and call.args and _const_str(call.args[0]) == "search_path":
            value = _const_str(call.args[1]) if len(call.args) > 1 else None
            if value is not None:
                ctx.catalog.search_path = _path_from_string(value)
            continue
        return ctx.manual(
            f"SELECT calls {fname}(), whose effects the generator cannot know",
            title=f"Manual step: undo the effects of `{render(call)}`",
        )
    return []
