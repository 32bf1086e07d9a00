"""Functions and procedures.

Rules implemented here:

- ``CREATE FUNCTION``/``PROCEDURE`` of a new signature → ``DROP FUNCTION schema.name(types)``.
  The catalog key is ``(schema, name, identity_args)`` where ``identity_args`` lists the
  input argument types (IN, INOUT, VARIADIC) as ``format_type`` prints them, so it is
  exactly what ``DROP FUNCTION`` accepts back. Different argument types make a new
  overload, not a replacement.
- ``CREATE OR REPLACE`` of an existing signature → ``CREATE OR REPLACE`` with the previous
  definition; when PostgreSQL would refuse that replacement (return type, OUT parameters,
  input parameter names, removed defaults, function ↔ procedure) the inverse is ``DROP``
  of the new one, ``CREATE`` of the old one, its grants, comment and owner.
- ``DROP FUNCTION`` → recreate from the catalog (definition, grants, comment, owner);
  under ``CASCADE`` also what used it: triggers, SQL-body functions, defaults, CHECKs,
  indexes, policies and views (``function_cascade``); what cannot come back is manual.
- ``ALTER FUNCTION ... RENAME TO / SET SCHEMA / OWNER TO`` → the opposite ALTER.
- ``ALTER FUNCTION ... <options>`` → ``CREATE OR REPLACE`` with the stored definition; the
  stored definition is re-rendered with the options applied.

Definitions are stored as ``CREATE OR REPLACE FUNCTION schema.name(...)`` rendered by
pglast (bodies are kept verbatim in dollar quotes) together with the search_path in effect
when they were created; the rollback recreates them under that same search_path.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.enums import DropBehavior, FunctionParameterMode, ObjectType, VariableSetKind

from .. import refs
from ..catalog import CURRENT_USER, Catalog, Function, ObjRef
from ..engine import REJECTED, Context, Unsupported, handles
from ..sqltext import FORMAT_TYPE, qname, quote_ident, render
from ..steps import Step
from . import event_triggers, triggers

M = FunctionParameterMode
INPUT_MODES = frozenset({M.FUNC_PARAM_IN, M.FUNC_PARAM_INOUT, M.FUNC_PARAM_VARIADIC, M.FUNC_PARAM_DEFAULT})
OUTPUT_MODES = frozenset({M.FUNC_PARAM_OUT, M.FUNC_PARAM_INOUT, M.FUNC_PARAM_TABLE})
FUNCTION_KINDS = (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE)


# -- signatures ---------------------------------------------------------------------------


def type_identity(tn: ast.TypeName, catalog: Catalog) -> str:
    """The type as ``format_type`` prints it in an identity signature (no typmod).

    Built-in types get PostgreSQL's spelling (``int4`` → ``integer``, ``varchar(10)`` →
    ``character varying``); user-defined types are schema-qualified; arrays keep ``[]``.
    """
    names = [n.sval for n in tn.names]
    if tn.pct_type:
        base = _pct_type(names, catalog)
    else:
        if len(names) == 3:  # database.schema.type
            names = names[1:]
        if len(names) == 2 and names[0] == "pg_catalog":
            base = FORMAT_TYPE.get(names[1], quote_ident(names[1]))
        elif len(names) == 2:
            base = qname(names[0], names[1])
        elif names[0] in FORMAT_TYPE:
            base = FORMAT_TYPE[names[0]]
        else:
            key = catalog.resolve_type(None, names[0])
            base = qname(*key) if key else quote_ident(names[0])
    if tn.arrayBounds and not base.endswith("[]"):
        base += "[]"
    return base


def _pct_type(names: list[str], catalog: Catalog) -> str:
    """``table.column%TYPE``: the column's type from the catalog."""
    if len(names) not in (2, 3):
        raise Unsupported(f"cannot resolve {'.'.join(names)}%TYPE")
    key = catalog.resolve_relation(names[0] if len(names) == 3 else None, names[-2])
    table = catalog.tables.get(key)
    column = table.columns.get(names[-1]) if table else None
    if column is None:
        raise Unsupported(f"cannot resolve {'.'.join(names)}%TYPE: the column is not in the migration history")
    cast = parse_sql(f"SELECT NULL::{column.type}")[0].stmt.targetList[0].val
    return type_identity(cast.typeName, catalog)


def identity_args(params: tuple | None, catalog: Catalog) -> str:
    """``"bigint, text"``: the input argument types, as ``DROP FUNCTION`` takes them."""
    return ", ".join(type_identity(p.argType, catalog) for p in params or () if p.mode in INPUT_MODES)


def function_ref(f: Function) -> ObjRef:
    """The grants/comments reference of a function or procedure."""
    return refs.function_ref(f.schema, f.name, f.identity_args, f.kind)


def _split(names: tuple) -> tuple[str | None, str]:
    parts = [n.sval for n in names]
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def find_function(owa: ast.ObjectWithArgs, objtype: object, catalog: Catalog) -> tuple[str, Function | None]:
    """The function an ``ObjectWithArgs`` names, as PostgreSQL looks it up.

    Returns a description (``public.f(bigint)``) and the catalog entry or None.
    """
    schema, name = _split(owa.objname)
    schemas = [schema] if schema else catalog.effective_path()
    if owa.args_unspecified:
        for s in schemas:
            found = [
                f for k, f in catalog.functions.items()
                if k[0] == s and k[1] == name and _kind_matches(f, objtype)
            ]
            if len(found) > 1:
                raise Unsupported(f"function name {qname(s, name)} is not unique")
            if found:
                return found[0].signature, found[0]
        return qname(schema or catalog.creation_schema(), name), None
    if owa.objfuncargs:
        types = [p.argType for p in owa.objfuncargs if p.mode in INPUT_MODES]
    else:
        types = list(owa.objargs or ())
    args = ", ".join(type_identity(t, catalog) for t in types)
    for s in schemas:
        f = catalog.functions.get((s, name, args))
        if f is not None:
            return f.signature, f
    if objtype in (ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE) and owa.objfuncargs:
        # A procedure may also be named by all its arguments, OUT ones included.
        if all(p.mode == M.FUNC_PARAM_DEFAULT for p in owa.objfuncargs):
            for s in schemas:
                for k, f in catalog.functions.items():
                    if k[0] == s and k[1] == name and f.kind == "procedure" and _all_args(f, catalog) == args:
                        return f.signature, f
    return f"{qname(schema or catalog.creation_schema(), name)}({args})", None


def _kind_matches(f: Function, objtype: object) -> bool:
    if objtype == ObjectType.OBJECT_PROCEDURE:
        return f.kind == "procedure"
    if objtype == ObjectType.OBJECT_FUNCTION:
        return f.kind != "procedure"
    return True


def _all_args(f: Function, catalog: Catalog) -> str:
    node = parse_definition(f.definition)
    with search_path(catalog, f.search_path):
        return ", ".join(
            type_identity(p.argType, catalog) for p in node.parameters or () if p.mode != M.FUNC_PARAM_TABLE
        )


@contextmanager
def search_path(catalog: Catalog, path: tuple[str, ...]) -> Iterator[None]:
    """Resolve names as they were resolved under ``path``."""
    saved = catalog.search_path
    catalog.search_path = path
    try:
        yield
    finally:
        catalog.search_path = saved


# -- definitions --------------------------------------------------------------------------


def parse_definition(definition: str) -> ast.CreateFunctionStmt:
    return parse_sql(definition)[0].stmt


def render_definition(node: ast.CreateFunctionStmt, schema: str, name: str) -> str:
    """``CREATE OR REPLACE FUNCTION schema.name(...) ...`` (without the final ``;``)."""
    node = copy.deepcopy(node)
    node.replace = True
    node.funcname = (ast.String(sval=schema), ast.String(sval=name))
    return render(node)


def _returns(node: ast.CreateFunctionStmt, catalog: Catalog) -> str | None:
    """The return type as written for humans: ``integer``, ``SETOF public.t``, ``TABLE(a integer)``."""
    if node.is_procedure:
        return None
    params = node.parameters or ()
    table = [p for p in params if p.mode == M.FUNC_PARAM_TABLE]
    if table:
        cols = ", ".join(f"{quote_ident(p.name)} {type_identity(p.argType, catalog)}" for p in table)
        return f"TABLE({cols})"
    if node.returnType is None:
        outs = [p for p in params if p.mode in OUTPUT_MODES]
        return type_identity(outs[0].argType, catalog) if len(outs) == 1 else "record"
    t = type_identity(node.returnType, catalog)
    return f"SETOF {t}" if node.returnType.setof else t


@dataclass(frozen=True)
class _Shape:
    """What ``CREATE OR REPLACE`` may not change about an existing function."""

    kind: str
    returns: tuple[str, bool]  # (type, setof)
    out_columns: tuple[tuple[str, str], ...]
    input_names: tuple[str, ...]
    defaults: int


def _shape(node: ast.CreateFunctionStmt, catalog: Catalog) -> _Shape:
    params = node.parameters or ()
    outs = tuple((p.name or "", type_identity(p.argType, catalog)) for p in params if p.mode in OUTPUT_MODES)
    if node.is_procedure:
        returns = ("record" if outs else "void", False)
    elif any(p.mode == M.FUNC_PARAM_TABLE for p in params):
        returns = ("record", True)
    elif node.returnType is None:
        returns = (outs[0][1] if len(outs) == 1 else "record", False)
    else:
        returns = (type_identity(node.returnType, catalog), bool(node.returnType.setof))
    inputs = [p for p in params if p.mode in INPUT_MODES]
    return _Shape(
        kind="procedure" if node.is_procedure else "function",
        returns=returns,
        out_columns=outs,
        input_names=tuple(p.name or "" for p in inputs),
        defaults=sum(1 for p in inputs if p.defexpr is not None),
    )


def _replace_refusal(existing: _Shape, replacement: _Shape) -> str | None:
    """Why PostgreSQL refuses ``CREATE OR REPLACE`` of ``existing`` by ``replacement``."""
    if existing.kind != replacement.kind:
        return "the routine kind differs"
    if existing.returns != replacement.returns:
        return "the return type differs"
    if existing.out_columns != replacement.out_columns:
        return "the OUT parameters differ"
    for old, new in zip(existing.input_names, replacement.input_names):
        if old and old != new:
            return "an input parameter name differs"
    if replacement.defaults < existing.defaults:
        return "parameter defaults would be removed"
    return None


def _function_shape(f: Function, catalog: Catalog) -> _Shape:
    with search_path(catalog, f.search_path):
        return _shape(parse_definition(f.definition), catalog)


# -- SQL the rollback runs ----------------------------------------------------------------


def recreate_sql(f: Function, catalog: Catalog) -> list[str]:
    """CREATE the function as it was, then its owner, grants and comment."""
    ref = function_ref(f)
    sql = [f.definition + ";"]
    if f.owner and f.owner != CURRENT_USER:
        sql.append(f"ALTER {f.kind.upper()} {f.signature} OWNER TO {quote_ident(f.owner)};")
    return sql + refs.restore_refs_sql(catalog, ref, f.schema)


def _drop_sql(f: Function) -> str:
    return f"DROP {f.kind.upper()} {f.signature};"


def _missing(desc: str) -> str:
    return f"the definition of {desc} before this migration is not in the migration history"


# -- CREATE -------------------------------------------------------------------------------


@handles(ast.CreateFunctionStmt)
def create_function(node: ast.CreateFunctionStmt, ctx: Context) -> list[Step]:
    """New signature → DROP it; OR REPLACE of a known one → its previous definition back."""
    cat = ctx.catalog
    schema, name = _split(node.funcname)
    schema = schema or cat.creation_schema()
    kind = "procedure" if node.is_procedure else "function"
    new = Function(
        schema=schema,
        name=name,
        identity_args=identity_args(node.parameters, cat),
        definition=render_definition(node, schema, name),
        returns=_returns(node, cat),
        kind=kind,
        owner=cat.current_user,
        search_path=cat.search_path,
    )
    old = cat.functions.get(new.key)
    if old is not None and not node.replace and _only_maybe(old, cat):
        # a rejected statement's stand-in: this CREATE succeeds, so nothing of that signature existed
        del cat.functions[old.key]
        cat.drop_object_refs(function_ref(old))
        old = None
    if old is None:
        cat.functions[new.key] = new
        cat.apply_default_privileges(kind, schema, function_ref(new))
        return [Step(title=f"Drop {kind} {new.signature}", group="Drop Functions", sql=[_drop_sql(new)],
                     search_path=cat.signature_path(function_ref(new)))]  # its argument types resolve as they did
    if not node.replace:
        raise Unsupported(f"{old.signature} already exists according to the migration history")
    reason = ctx.tainted_reason(function_ref(old))
    steps = ctx.manual(reason) if reason else _restore_previous(old, new, cat)
    new.owner = old.owner
    cat.functions[new.key] = new
    if _only_maybe(old, cat):  # the definition is known again from here on
        del cat.tainted[function_ref(old)]
    return steps


def _only_maybe(f: Function, cat: Catalog) -> bool:
    """``f`` is distrusted because a statement PostgreSQL rejects defined it (``rejected``)."""
    return cat.tainted.get(function_ref(f), "").startswith(REJECTED)


def rejected(node: ast.CreateFunctionStmt, ctx: Context, why: str) -> None:
    """A ``CREATE FUNCTION`` that PostgreSQL rejects (``why``, generator/rejects.py) created
    nothing; on a database where the later migrations ran, a corrected version of it (same
    signature, unknown definition) may have been run in its place, or nothing.

    So the signature is distrusted: an existing function of that signature keeps its entry,
    marked; a new one gets a stand-in entry (the rejected definition, never restored),
    marked too. A later inverse that needs its existence or definition (``CREATE OR
    REPLACE``, ``DROP [IF EXISTS]``, ``ALTER``) becomes a manual step with the reason; a
    later plain ``CREATE`` of it proves it did not exist; a later ``CREATE OR REPLACE`` makes
    its definition known again. Raises Unsupported when the signature cannot be resolved.
    """
    cat = ctx.catalog
    schema, name = _split(node.funcname)
    schema = schema or cat.creation_schema()
    kind = "procedure" if node.is_procedure else "function"
    key = (schema, name, identity_args(node.parameters, cat))
    f = cat.functions.get(key)
    if f is None:
        f = Function(schema=schema, name=name, identity_args=key[2], definition=render_definition(node, schema, name),
                     returns=_returns(node, cat), kind=kind, owner=cat.current_user, search_path=cat.search_path)
        cat.functions[key] = f
        cat.apply_default_privileges(kind, schema, function_ref(f))
    cat.tainted[function_ref(f)] = f"{REJECTED}{ctx.stmt.where}: {why}"


def _restore_previous(old: Function, new: Function, cat: Catalog) -> list[Step]:
    """Put ``old`` back in place of ``new`` (same signature)."""
    refusal = _replace_refusal(_function_shape(new, cat), _function_shape(old, cat))
    title = f"Restore the previous definition of {old.kind} {old.signature}"
    if refusal is None:
        sql = [old.definition + ";"]
    else:
        title += f" (drop and recreate: {refusal})"
        sql = [_drop_sql(new), *recreate_sql(old, cat)]
    return [Step(title=title, group="Restore Functions", sql=sql, search_path=old.search_path)]


# -- DROP ---------------------------------------------------------------------------------


@handles(ast.DropStmt, *FUNCTION_KINDS)
def drop_function(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """Recreate each dropped function from the catalog (with what CASCADE took along)."""
    cat = ctx.catalog
    steps: list[Step] = []
    for owa in node.objects:
        desc, f = find_function(owa, node.removeType, cat)
        if f is None:
            if not node.missing_ok:
                steps += ctx.manual(_missing(desc), title=f"Manual step: recreate {desc}")
            continue
        ref = function_ref(f)
        reason = ctx.tainted_reason(ref)
        if reason:
            steps += ctx.manual(reason, title=f"Manual step: recreate {f.kind} {f.signature}")
        else:
            steps.append(Step(
                title=f"Recreate {f.kind} {f.signature}",
                group="Recreate Functions",
                sql=recreate_sql(f, cat),
                search_path=f.search_path,
            ))
        if node.behavior == DropBehavior.DROP_CASCADE:
            steps += _cascade(f, ctx)
        del cat.functions[f.key]
        cat.drop_object_refs(ref)
    return steps


def _cascade(f: Function, ctx: Context) -> list[Step]:
    """What ``DROP FUNCTION ... CASCADE`` removed with ``f`` comes back (see function_cascade).

    When some dependent cannot be brought back exactly, the rest is a manual step and every
    object that may have used ``f`` is distrusted.
    """
    from . import function_cascade

    try:
        return function_cascade.cascade(f, ctx)
    except Unsupported as exc:
        users = _possible_dependents(f, ctx.catalog)
        for ref in users:
            ctx.taint(ref)
        names = ", ".join(f"{k} {i}" for k, i in users)
        return ctx.manual(
            f"{exc}; DROP ... CASCADE may also have dropped other objects that use {f.signature}"
            + (f" ({names})" if names else "") + ": recreate whichever of them PostgreSQL dropped",
            title=f"Manual step: restore objects that depended on {f.signature}",
        )


def _possible_dependents(f: Function, cat: Catalog) -> list[ObjRef]:
    """Objects whose SQL calls ``f`` by name (views, policies, defaults, constraints, ...)."""
    pattern = re.compile(r"(?<![\w$\"])" + re.escape(quote_ident(f.name)) + r"\s*\(")

    def uses(text: str | None) -> bool:
        return bool(text) and bool(pattern.search(text))  # type: ignore[arg-type]

    out: list[ObjRef] = []
    for key, v in cat.views.items():
        if uses(v.definition):
            out.append(("view", qname(*key)))
    for (s, t, n), p in cat.policies.items():
        if uses(p.using) or uses(p.check):
            out.append(("policy", f"{quote_ident(n)} ON {qname(s, t)}"))
    for key, table in cat.tables.items():
        for col in table.columns.values():
            if uses(col.default) or uses(col.generated):
                out.append(refs.column_ref(key, col.name))
        for con in table.constraints.values():
            if uses(con.definition):
                out.append(("constraint", f"{quote_ident(con.name)} ON {qname(*key)}"))
    for key, idx in cat.indexes.items():
        if uses(idx.definition):
            out.append(("index", qname(*key)))
    for key, typ in cat.types.items():
        if uses(typ.definition):
            out.append(("type", qname(*key)))
    for other in cat.functions.values():
        if other.key != f.key and uses(other.definition) and _has_sql_body(other):
            out.append(function_ref(other))
    return out


def _has_sql_body(f: Function) -> bool:
    return parse_definition(f.definition).sql_body is not None


# -- ALTER --------------------------------------------------------------------------------


def _known(owa: ast.ObjectWithArgs, objtype: object, cat: Catalog) -> Function:
    desc, f = find_function(owa, objtype, cat)
    if f is None:
        raise Unsupported(f"{desc} is not in the migration history")
    return f


def _rekey(cat: Catalog, f: Function, schema: str, name: str) -> Function:
    """Move ``f`` to a new schema/name: catalog entry, definition, grants, comment, triggers."""
    node = parse_definition(f.definition)
    moved = copy.copy(f)
    moved.schema, moved.name = schema, name
    moved.definition = render_definition(node, schema, name)
    del cat.functions[f.key]
    cat.functions[moved.key] = moved
    refs.move_refs(cat, function_ref(f), function_ref(moved))
    if f.identity_args == "":
        triggers.retarget(cat, (f.schema, f.name), (schema, name))
        event_triggers.retarget(cat, (f.schema, f.name), (schema, name))
    return moved


@handles(ast.RenameStmt, *FUNCTION_KINDS)
def rename_function(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """``ALTER FUNCTION f(...) RENAME TO g`` → ``ALTER FUNCTION g(...) RENAME TO f``."""
    f = _known(node.object, node.renameType, ctx.catalog)
    moved = _rekey(ctx.catalog, f, f.schema, node.newname)
    return [Step(
        title=f"Rename {f.kind} {moved.signature} back to {quote_ident(f.name)}",
        group="Rename Functions",
        sql=[f"ALTER {f.kind.upper()} {moved.signature} RENAME TO {quote_ident(f.name)};"],
    )]


@handles(ast.AlterObjectSchemaStmt, *FUNCTION_KINDS)
def set_function_schema(node: ast.AlterObjectSchemaStmt, ctx: Context) -> list[Step]:
    """``ALTER FUNCTION f(...) SET SCHEMA s`` → move it back."""
    f = _known(node.object, node.objectType, ctx.catalog)
    moved = _rekey(ctx.catalog, f, node.newschema, f.name)
    return [Step(
        title=f"Move {f.kind} {moved.signature} back to schema {quote_ident(f.schema)}",
        group="Rename Functions",
        sql=[f"ALTER {f.kind.upper()} {moved.signature} SET SCHEMA {quote_ident(f.schema)};"],
    )]


@handles(ast.AlterOwnerStmt, *FUNCTION_KINDS)
def alter_function_owner(node: ast.AlterOwnerStmt, ctx: Context) -> list[Step]:
    """``ALTER FUNCTION f(...) OWNER TO r`` → back to the previous owner.

    PostgreSQL folds privileges the new owner held into its implicit owner rights, so
    after giving the function back they are granted to it again.
    """
    cat = ctx.catalog
    f = _known(node.object, node.objectType, cat)
    if not f.owner:
        raise Unsupported(f"the owner of {f.signature} before this migration is not known")
    new_owner = refs.role_name(node.newowner, cat.current_user)
    if new_owner == f.owner:
        return []
    ref = function_ref(f)
    sql = [f"ALTER {f.kind.upper()} {f.signature} OWNER TO {quote_ident(f.owner)};"]
    held, with_option = cat.privileges(ref, new_owner), cat.grant_options_of(ref, new_owner)
    if held - with_option:
        sql.append(refs.grant_sql(ref[0], ref[1], new_owner, held - with_option))
    if with_option:
        sql.append(refs.grant_sql(ref[0], ref[1], new_owner, with_option, grant_option=True))
    title = f"Give {f.kind} {f.signature} back to {quote_ident(f.owner)}"
    cat.set_privileges(ref, new_owner, set())
    f.owner = new_owner
    return [Step(title=title, group="Restore Owners", sql=sql)]


_SINGLE_OPTIONS = {"volatility", "strict", "security", "leakproof", "cost", "rows", "support", "parallel"}


@handles(ast.AlterFunctionStmt)
def alter_function(node: ast.AlterFunctionStmt, ctx: Context) -> list[Step]:
    """``ALTER FUNCTION f(...) SECURITY DEFINER / SET ... / STABLE ...`` → the stored definition back.

    ``CREATE OR REPLACE`` resets every one of these options, so the previous definition
    restores them exactly. The catalog keeps the definition with the options applied.
    """
    cat = ctx.catalog
    f = _known(node.func, node.objtype, cat)
    reason = ctx.tainted_reason(function_ref(f))
    if reason:
        raise Unsupported(reason)
    old_def = f.definition
    parsed = parse_definition(f.definition)
    options = list(parsed.options or ())
    for action in node.actions or ():
        options = _apply_option(options, action, cat)
    parsed.options = tuple(options)
    f.definition = render_definition(parsed, f.schema, f.name)
    return [Step(
        title=f"Restore the previous options of {f.kind} {f.signature}",
        group="Restore Functions",
        sql=[old_def + ";"],
        search_path=f.search_path,
    )]


def _apply_option(options: list[ast.DefElem], action: ast.DefElem, cat: Catalog) -> list[ast.DefElem]:
    name = action.defname
    if name in _SINGLE_OPTIONS:
        return [o for o in options if o.defname != name] + [action]
    if name != "set":
        raise Unsupported(f"ALTER FUNCTION option {name} is not supported")
    var: ast.VariableSetStmt = action.arg
    if var.kind == VariableSetKind.VAR_RESET_ALL:
        return [o for o in options if o.defname != "set"]
    kept = [o for o in options if not (o.defname == "set" and o.arg.name == var.name)]
    if var.kind in (VariableSetKind.VAR_RESET, VariableSetKind.VAR_SET_DEFAULT):
        return kept
    if var.kind == VariableSetKind.VAR_SET_CURRENT:
        if var.name != "search_path":
            raise Unsupported(f"SET {var.name} FROM CURRENT captures a session value the generator does not know")
        var = ast.VariableSetStmt(
            kind=VariableSetKind.VAR_SET_VALUE,
            name="search_path",
            args=tuple(ast.A_Const(isnull=False, val=ast.String(sval=s)) for s in cat.search_path),
            is_local=False,
        )
        action = ast.DefElem(defname="set", arg=var, defaction=action.defaction)
    if var.kind != VariableSetKind.VAR_SET_VALUE:
        raise Unsupported("unsupported SET form in ALTER FUNCTION")
    return kept + [action]
