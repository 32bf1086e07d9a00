"""Session and transaction statements: nothing to invert, but some change name resolution.

- ``SET``/``RESET`` of settings are inert, except ``search_path`` (changes how later names
  resolve) and ``ROLE``/``SESSION AUTHORIZATION`` to another role (objects created after
  it belong to that role, which the generator does not model: manual).
- ``BEGIN``/``COMMIT``/``SAVEPOINT``/``RELEASE`` in a file are inert (the rollback is one
  transaction of its own); ``ROLLBACK [TO SAVEPOINT]`` and two-phase commands undo or
  defer the file's own work, which the replay cannot follow: manual.
- ``NOTIFY pgrst`` / ``SELECT pg_notify('pgrst', ...)``: repeated at the end of the rollback.
- ``SELECT`` is run for its calls: ``set_config('search_path', ...)`` is understood, pg_cron
  calls are inverted by ``handlers.cron``; any other call is manual.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import TransactionStmtKind, VariableSetKind

from ..catalog import CURRENT_USER, DEFAULT_SEARCH_PATH
from ..engine import Context, Unsupported, _taint_referenced, handles
from ..sqltext import qname, render, walk
from ..steps import Step
from .cron import cron_call, is_cron_call


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
    """``SET [LOCAL] search_path ...`` changes how later names resolve; most other SETs are inert."""
    name = (node.name or "").lower()
    if node.kind == VariableSetKind.VAR_RESET_ALL:
        ctx.catalog.search_path = DEFAULT_SEARCH_PATH
        ctx.catalog.current_user = CURRENT_USER
        return []
    if name in ("role", "session_authorization"):
        return _set_role(node, ctx)
    if name != "search_path":
        return []
    if node.kind in (VariableSetKind.VAR_RESET, VariableSetKind.VAR_SET_DEFAULT):
        ctx.catalog.search_path = DEFAULT_SEARCH_PATH
    elif node.kind == VariableSetKind.VAR_SET_VALUE:
        parts = []
        for arg in node.args or ():
            s = _const_str(arg)
            if s is not None:
                parts.extend(_path_from_string(s) if "," in s or s == "" else [s])
        ctx.catalog.search_path = tuple(parts)
    return []


def _set_role(node: ast.VariableSetStmt, ctx: Context) -> list[Step]:
    role = None
    if node.kind == VariableSetKind.VAR_SET_VALUE and node.args:
        role = _const_str(node.args[0])
    if role in (None, CURRENT_USER, "none") or node.kind in (VariableSetKind.VAR_RESET, VariableSetKind.VAR_SET_DEFAULT):
        ctx.catalog.current_user = CURRENT_USER
        return []
    ctx.catalog.current_user = role
    raise Unsupported(
        f"the file switches to role {role}: objects it creates from here on belong to {role}, and the rollback "
        "must run its statements for them as that role; the generator does not model switching roles"
    )


_INERT_TRANSACTION = {
    TransactionStmtKind.TRANS_STMT_BEGIN,
    TransactionStmtKind.TRANS_STMT_START,
    TransactionStmtKind.TRANS_STMT_COMMIT,
    TransactionStmtKind.TRANS_STMT_SAVEPOINT,
    TransactionStmtKind.TRANS_STMT_RELEASE,
}


@handles(ast.TransactionStmt)
def transaction(node: ast.TransactionStmt, ctx: Context) -> list[Step]:
    """BEGIN/COMMIT/SAVEPOINT/RELEASE are inert; ROLLBACK and 2PC undo or defer work: manual."""
    if node.kind in _INERT_TRANSACTION:
        return []
    raise Unsupported(
        "the file undoes or defers its own work here (ROLLBACK, ROLLBACK TO SAVEPOINT or a two-phase commit "
        "command), so what it left in the database is not what the replay assumed; review the rollback by hand"
    )


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
_NOTIFY_FUNCS = {"pg_notify", "pg_catalog.pg_notify"}


def _distrust_named(node: ast.SelectStmt, ctx: Context) -> None:
    """After a SELECT whose effects are unknown, distrust every relation it names: in its
    FROM clause, and as a string (``audit.enable_tracking('public.t'::regclass)`` adds
    triggers to ``t``: a later rollback that recreates ``t`` must not leave them out)."""
    _taint_referenced(node, ctx)
    cat = ctx.catalog
    for n in walk(node):
        if isinstance(n, ast.String) and isinstance(n.sval, str) and 0 < len(n.sval) < 200:
            parts = n.sval.replace('"', "").split(".")
            if len(parts) > 2 or not all(parts):
                continue
            key = cat.resolve_relation(parts[0] if len(parts) == 2 else None, parts[-1])
            kind = cat.relation_kind(key)
            if kind:
                ctx.taint(("view" if "view" in kind else "table", qname(*key)))


# Built-in functions a migration calls in a SELECT that looks at what it did; each only reads
# and computes (STABLE or IMMUTABLE in pg_catalog, or reads sizes). Others are not judged.
_READ_ONLY_BUILTINS = frozenset("""
count sum avg min max string_agg array_agg json_agg jsonb_agg bool_and bool_or every
left right substring substr replace lower upper length char_length trim btrim ltrim rtrim concat concat_ws
format round floor ceil abs nullif greatest least string_to_array array_to_string array_length cardinality
unnest jsonb_build_object json_build_object jsonb_build_array json_build_array jsonb_object_agg json_object_agg
to_jsonb to_json regexp_replace split_part position strpos starts_with quote_ident quote_literal
pg_get_functiondef pg_get_function_arguments pg_get_function_identity_arguments pg_get_function_result
pg_get_indexdef pg_get_constraintdef pg_get_triggerdef pg_get_viewdef pg_get_expr pg_get_userbyid
pg_get_serial_sequence pg_table_is_visible pg_function_is_visible format_type obj_description
col_description has_table_privilege has_schema_privilege has_function_privilege has_column_privilege
has_sequence_privilege to_regclass to_regproc to_regprocedure to_regtype to_regnamespace to_regrole
pg_relation_size pg_total_relation_size pg_table_size pg_indexes_size pg_size_pretty now current_setting
""".split())
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
_WRITES = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt, ast.IntoClause, ast.LockingClause)


def only_reads(node: ast.SelectStmt, ctx: Context) -> bool:
    """Can this SELECT change nothing? It creates no table (``INTO``), changes or locks no
    rows, calls only built-in functions that read (``_READ_ONLY_BUILTINS``, none of them
    redefined by the project under the same name), and reads only the system catalogs and
    tables the catalog knows (which fire nothing on a read; a forced row level security
    policy could call a function, so not those). Migrations end with such a SELECT to show
    what they did (``SELECT ... FROM pg_trigger ... WHERE c.relname IN ('tasks', ...)``):
    it changes nothing, so it distrusts nothing."""
    cat = ctx.catalog
    ctes = {c.ctename for n in walk(node) if isinstance(n, ast.WithClause) for c in n.ctes or ()}
    project = {key[1] for key in cat.functions}
    for n in walk(node):
        if isinstance(n, _WRITES):
            return False
        if isinstance(n, ast.FuncCall):
            parts = [p.sval for p in n.funcname]
            name = parts[-1]
            if parts[:-1] not in ([], ["pg_catalog"]) or name not in _READ_ONLY_BUILTINS or name in project:
                return False
        if isinstance(n, ast.RangeVar) and not (n.schemaname is None and n.relname in ctes):
            if n.schemaname in _SYSTEM_SCHEMAS:
                continue
            key = cat.resolve_relation(n.schemaname, n.relname)
            table = cat.tables.get(key) if cat.relation_kind(key) == "table" else None
            if table is not None and not table.rls_forced:
                continue
            if n.schemaname is None and n.relname.startswith("pg_") and not cat.relation_kind(key):
                continue  # pg_catalog comes first on every search path that does not name it
            return False
    return True


@handles(ast.SelectStmt)
def select(node: ast.SelectStmt, ctx: Context) -> list[Step]:
    """A ``SELECT`` in a migration is run for its side effects.

    ``set_config('search_path', ...)`` is understood, ``pg_notify('pgrst', ...)`` is
    repeated, pg_cron calls are inverted (``handlers.cron``); a SELECT that can only read
    (``only_reads``) is inert; anything else is a manual step, because the generator
    cannot know what the called function changed.
    """
    if only_reads(node, ctx):
        return []
    targets = node.targetList or ()
    calls = []
    for t in targets:
        val = getattr(t, "val", None)
        if isinstance(val, ast.FuncCall):
            calls.append(val)
        elif not isinstance(val, ast.A_Const):
            calls.append(None)
    if node.fromClause or node.whereClause or None in calls:
        _distrust_named(node, ctx)
        return ctx.manual("this SELECT may have side effects the generator cannot analyse")
    for call in calls:
        fname = ".".join(n.sval for n in call.funcname)
        if fname not in _SAFE_FUNCS | _NOTIFY_FUNCS and not is_cron_call(call):
            _distrust_named(node, ctx)
            return ctx.manual(
                f"SELECT calls {fname}(), whose effects the generator cannot know",
                title=f"Manual step: undo the effects of `{render(call)}`",
            )
    per_call: list[list[Step]] = []
    for call in calls:
        fname = ".".join(n.sval for n in call.funcname)
        if fname in _SAFE_FUNCS and call.args and _const_str(call.args[0]) == "search_path":
            value = _const_str(call.args[1]) if len(call.args) > 1 else None
            if value is not None:
                ctx.catalog.search_path = _path_from_string(value)
        elif fname in _NOTIFY_FUNCS:
            if call.args and _const_str(call.args[0]) == "pgrst":
                ctx.catalog.notify_pgrst = True
        elif is_cron_call(call):
            per_call.append(cron_call(call, ctx))
    return [s for steps in reversed(per_call) for s in steps]
