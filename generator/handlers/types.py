"""User-defined types: enums, domains, composite and range types.

Rules:
- ``CREATE TYPE ... AS ENUM`` / ``AS (...)`` / ``AS RANGE``, ``CREATE DOMAIN`` → ``DROP TYPE`` /
  ``DROP DOMAIN`` (group "Drop Types"). Columns of the type created by the same migration
  are dropped by their own (earlier) rollback steps.
- ``DROP TYPE`` / ``DROP DOMAIN [IF EXISTS]`` → recreate it from the catalog (enum labels in
  order, domain constraints with the names PostgreSQL gave them), with its grants and
  comment. With CASCADE PostgreSQL also drops every column, function, view... using the
  type: they come back too (``type_cascade``; columns without their values), except
  domains/composite types built on it and expressions of other columns naming it: manual.
- ``ALTER TYPE ... RENAME VALUE`` → rename it back.
- ``ALTER TYPE ... ADD VALUE``: PostgreSQL cannot drop an enum value, so the inverse
  rebuilds the type without it, guarded against rows that still hold it (see ``enums``);
  the catalog records the new label at its position.
- ``ALTER TYPE/DOMAIN ... RENAME TO`` → rename back; columns using the type follow it.
- ``ALTER DOMAIN`` and ``ALTER TYPE ... ATTRIBUTE``: see ``domains``.
- ``ALTER TYPE ... SET SCHEMA``: not inverted yet (manual), and the type's recorded
  definition is no longer trusted.

New types get PostgreSQL's default ACL (PUBLIC has USAGE) via
``catalog.apply_default_privileges("type", ...)``.
"""

from __future__ import annotations

import re

from pglast import ast
from pglast.enums import ConstrType, DropBehavior, ObjectType, VariableSetKind
from pglast.parser import ParseError, parse_sql, scan
from pglast.visitors import Visitor

from ..catalog import DEFAULT_SEARCH_PATH, Catalog, EnumRun, Function, Key, Type
from ..engine import Context, Unsupported, handles
from ..refs import move_refs, restore_refs_sql, role_name, table_ref, type_ref
from ..sqltext import choose_name, literal, may_name, qname, quote_ident, render, truncate_identifier
from ..steps import Step
from . import domains, enums, owners
from .functions import function_ref
from .tables import index_ref, parse_expr, policy_ref, trigger_ref
from .views import view_ref


def _key(ctx: Context, names: list[str]) -> Key:
    """Key of a type being created: schema-qualified or the creation schema."""
    if len(names) > 1:
        return (names[-2], names[-1])
    return (ctx.catalog.creation_schema(), names[-1])


def _existing_key(ctx: Context, names: list[str]) -> Key | None:
    return ctx.catalog.resolve_type(names[-2] if len(names) > 1 else None, names[-1])


def _sval(names) -> list[str]:
    return [n.sval for n in names]


def enum_sql(key: Key, labels: list[str]) -> str:
    return f"CREATE TYPE {qname(*key)} AS ENUM ({', '.join(literal(v) for v in labels)})"


def _keyword(t: Type) -> str:
    return "DOMAIN" if t.kind == "domain" else "TYPE"


def _path(t: Type) -> tuple[str, ...] | None:
    return None if t.search_path == DEFAULT_SEARCH_PATH else t.search_path


def _add(ctx: Context, t: Type) -> list[Step]:
    key = (t.schema, t.name)
    t.owner = ctx.catalog.current_user
    ctx.catalog.types[key] = t
    ctx.catalog.apply_default_privileges("type", t.schema, type_ref(key))
    return [
        Step(
            title=f"Drop {t.kind if t.kind != 'composite' else 'composite type'} {qname(*key)}",
            group="Drop Types",
            sql=[f"DROP {_keyword(t)} {qname(*key)};"],
        )
    ]


@handles(ast.CreateEnumStmt)
def create_enum(node: ast.CreateEnumStmt, ctx: Context) -> list[Step]:
    """CREATE TYPE ... AS ENUM → DROP TYPE."""
    key = _key(ctx, _sval(node.typeName))
    labels = _sval(node.vals or ())
    return _add(ctx, Type(*key, kind="enum", definition=enum_sql(key, labels), labels=labels))


def _constraint_name_taken(cat: Catalog, schema: str, name: str) -> bool:
    return cat.constraint_name_taken(schema, name) or any(
        name in t.constraints for k, t in cat.types.items() if k[0] == schema
    )


@handles(ast.CreateDomainStmt)
def create_domain(node: ast.CreateDomainStmt, ctx: Context) -> list[Step]:
    """CREATE DOMAIN → DROP DOMAIN. Unnamed CHECKs are named as PostgreSQL names them."""
    key = _key(ctx, _sval(node.domainname))
    node.domainname = tuple(ast.String(sval=s) for s in key)
    constraints: dict[str, str] = {}
    for c in node.constraints or ():
        if c.contype == ConstrType.CONSTR_CHECK:
            if not c.conname:
                c.conname = choose_name(
                    key[1], None, "check",
                    lambda n: n in constraints or _constraint_name_taken(ctx.catalog, key[0], n),
                )  # fmt: skip
            constraints[c.conname] = f"CHECK ({render(c.raw_expr)})"
    t = Type(*key, kind="domain", definition=render(node), constraints=constraints, search_path=ctx.catalog.search_path)
    return _add(ctx, t)


@handles(ast.CompositeTypeStmt)
def create_composite(node: ast.CompositeTypeStmt, ctx: Context) -> list[Step]:
    """CREATE TYPE ... AS (...) → DROP TYPE."""
    key = _key(ctx, [n for n in (node.typevar.schemaname, node.typevar.relname) if n])
    node.typevar.schemaname = key[0]
    t = Type(*key, kind="composite", definition=render(node), search_path=ctx.catalog.search_path)
    return _add(ctx, t)


@handles(ast.CreateRangeStmt)
def create_range(node: ast.CreateRangeStmt, ctx: Context) -> list[Step]:
    """CREATE TYPE ... AS RANGE → DROP TYPE (which drops its multirange type too)."""
    key = _key(ctx, _sval(node.typeName))
    node.typeName = tuple(ast.String(sval=s) for s in key)
    t = Type(*key, kind="range", definition=render(node), search_path=ctx.catalog.search_path)
    return _add(ctx, t)


# -- finding what uses a type ---------------------------------------------------------------


def _word(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])")


def _type_names(type_sql: str) -> list[list[str]] | None:
    try:
        stmt = parse_sql(f"SELECT NULL::{type_sql}")[0].stmt
    except ParseError:
        return None
    out = []
    for target in stmt.targetList:
        if isinstance(target.val, ast.TypeCast):
            out.append(_sval(target.val.typeName.names))
    return out


def _column_uses(cat: Catalog, col_type: str, key: Key) -> bool:
    names = _type_names(col_type)
    if names is None:
        return bool(_word(key[1]).search(col_type))
    for n in names:
        if len(n) > 1 and (n[-2], n[-1]) == key:
            return True
        if len(n) == 1 and n[0] == key[1] and cat.resolve_type(None, n[0]) in (key, None):
            return True
    return False


def dependents(cat: Catalog, key: Key) -> list[str]:
    """Objects the catalog says may use type ``key`` (over-approximated for text definitions)."""
    out = []
    for tk, t in cat.tables.items():
        for c in t.columns.values():
            if _column_uses(cat, c.type, key):
                out.append(f"column {qname(*tk)}.{quote_ident(c.name)}")
    pat = _word(key[1])
    for tk, t in cat.types.items():
        if tk != key and pat.search(t.definition):
            out.append(f"type {qname(*tk)}")
    for f in cat.functions.values():
        if pat.search(f.identity_args) or pat.search(f.returns or ""):
            out.append(f"function {f.signature}")
    for vk, v in cat.views.items():
        if pat.search(v.definition):
            out.append(f"view {qname(*vk)}")
    return out


# -- dropping ------------------------------------------------------------------------------------


def recreate_sql(cat: Catalog, t: Type) -> list[str]:
    """Statements that recreate ``t`` with its grants and comment (catalog before the drop)."""
    key = (t.schema, t.name)
    definition = enum_sql(key, t.labels) if t.kind == "enum" else t.definition
    owner = owners.owner_sql(f"ALTER {_keyword(t)} {qname(*key)}", t.owner, cat.current_user)
    later = domains.not_valid_sql(t) if t.kind == "domain" else []
    return [definition + ";", *later, *owner, *restore_refs_sql(cat, type_ref(key), t.schema)]


@handles(ast.DropStmt, ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN)
def drop_type(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """DROP TYPE/DOMAIN → recreate from the catalog; CASCADE over known users → manual.

    The catalog forgets the type either way (it is gone), and with CASCADE the columns
    that used it.
    """
    from . import type_cascade

    cat = ctx.catalog
    groups: list[list[Step]] = []
    manual: list[str] = []
    for tn in node.objects:
        names = _sval(tn.names)
        key = _existing_key(ctx, names)
        ref_key = key or _key(ctx, names)
        reason = ctx.tainted_reason(type_ref(ref_key))
        if key is None and not reason:
            if node.missing_ok and ref_key[0] in cat.schemas:
                continue  # no such type: the statement did nothing
            reason = f"type {qname(*ref_key)} is not in the migration history, so its definition is not known"
        cascaded: list[Step] = []
        if key is not None and not reason and node.behavior == DropBehavior.DROP_CASCADE:
            try:
                cascaded = type_cascade.cascade(ctx, key)
            except Unsupported as exc:
                users = dependents(cat, key)
                reason = f"DROP ... CASCADE of {qname(*key)} also dropped what the rollback cannot restore: {exc}"
                if users:
                    reason += f" (objects that may have used it: {', '.join(users)})"
                _forget_users(ctx, key)
        if reason:
            manual.append(reason)
        else:
            t = cat.types[key]
            groups.append([
                Step(
                    title=f"Recreate {t.kind if t.kind != 'composite' else 'composite type'} {qname(*key)}",
                    group="Recreate Types",
                    sql=recreate_sql(cat, t),
                    search_path=_path(t),
                ),
                *cascaded,
            ])
        if key is not None:
            del cat.types[key]
            cat.drop_object_refs(type_ref(key))
    # the statement dropped them in order: recreate in reverse (a domain before its users)
    out = [s for g in reversed(groups) for s in g]
    if manual:
        out = ctx.manual("; ".join(manual)) + out
    return out


def _forget_users(ctx: Context, key: Key) -> None:
    """After DROP TYPE ... CASCADE: columns of the type are gone; other users are distrusted."""
    cat = ctx.catalog
    for tk, t in cat.tables.items():
        for c in [c for c in t.columns.values() if _column_uses(cat, c.type, key)]:
            del t.columns[c.name]
            ctx.taint(("table", qname(*tk)))
    pat = _word(key[1])
    for tk, ty in cat.types.items():
        if tk != key and pat.search(ty.definition):
            ctx.taint(type_ref(tk))
    for f in cat.functions.values():
        if pat.search(f.identity_args) or pat.search(f.returns or ""):
            ctx.taint(("procedure" if f.kind == "procedure" else "function", f.signature))
    for vk, v in cat.views.items():
        if pat.search(v.definition):
            ctx.taint(("materialized view" if v.materialized else "view", qname(*vk)))


# -- enum values ------------------------------------------------------------------------------------


def _relabel(expr: str, old: str, new: str) -> str | None:
    """``expr`` with the enum constant ``old`` renamed to ``new`` when ``expr`` is just that
    constant (``'old'`` or ``'old'::type``); None otherwise."""
    try:
        node = parse_expr(expr)
    except (ParseError, AttributeError, IndexError):
        return None
    const = node.arg if isinstance(node, ast.TypeCast) else node
    if not (isinstance(const, ast.A_Const) and isinstance(const.val, ast.String) and const.val.sval == old):
        return None
    const.val = ast.String(new)
    return render(node)


def _follow_renamed_label(ctx: Context, key: Key, old: str, new: str) -> None:
    """PostgreSQL stores an enum constant by its OID: after RENAME VALUE every stored
    expression that held ``old`` reads ``new``. A column default of an enum column that is
    just the constant is renewed; any other recorded text holding ``'old'`` as a string is
    distrusted (recreated from that text, it would name a label that no longer exists)."""
    cat = ctx.catalog
    lit = literal(old)
    where = f"{ctx.stmt.where}, which renamed value {lit} of {qname(*key)} that it names"

    def holds(text: str | None) -> bool:
        return text is not None and lit in text

    for tk, tbl in cat.tables.items():
        distrust = False
        for c in tbl.columns.values():
            if holds(c.default):
                renewed = _relabel(c.default, old, new) if enums._column_uses(cat, c.type, key) else None
                if renewed is not None:
                    c.default = renewed
                else:
                    distrust = True
            distrust = distrust or holds(c.generated)
        if distrust or any(holds(con.definition) for con in tbl.constraints.values()):
            cat.tainted.setdefault(table_ref(tk), where)
    for pk, pol in cat.policies.items():
        if holds(pol.using) or holds(pol.check):
            cat.tainted.setdefault(policy_ref(pk[:2], pk[2]), where)
    for view in cat.views.values():
        if holds(view.definition):
            cat.tainted.setdefault(view_ref(view), where)
    for ik, idx in cat.indexes.items():
        if idx.constraint is None and holds(idx.definition):
            cat.tainted.setdefault(index_ref(*ik), where)
    for trk, trg in cat.triggers.items():
        if holds(trg.definition):
            cat.tainted.setdefault(trigger_ref(trk[:2], trk[2]), where)
    for tyk, ty in cat.types.items():  # a domain's CHECK or DEFAULT (an enum's own labels name nothing)
        if ty.kind == "domain" and holds(ty.definition):
            cat.tainted.setdefault(type_ref(tyk), where)
    for f in cat.functions.values():  # a BEGIN ATOMIC body is stored parsed; other bodies are text
        if holds(f.definition) and "begin atomic" in f.definition.lower():
            cat.tainted.setdefault(function_ref(f), where)


@handles(ast.AlterEnumStmt)
def alter_enum(node: ast.AlterEnumStmt, ctx: Context) -> list[Step]:
    """ALTER TYPE ... RENAME VALUE → rename back; ADD VALUE → rebuild the enum without it.

    Consecutive ADD VALUE statements on one enum (tutur3u adds 1,407 icons, one statement
    each) are undone by one rebuild without all of them, attached to the last: one rebuild
    per value would convert every column and recreate every dependent 1,407 times, and runs
    out of lock slots on a real server."""
    cat = ctx.catalog
    names = _sval(node.typeName)
    key = _existing_key(ctx, names)
    t = cat.types.get(key) if key else None
    name = qname(*key) if key else qname(names[-2] if len(names) > 1 else None, names[-1])
    run, cat.enum_run = cat.enum_run, None
    if node.oldVal is not None:
        if t is not None and node.oldVal in t.labels:
            t.labels[t.labels.index(node.oldVal)] = node.newVal
            t.definition = enum_sql(key, t.labels)
        if key is not None:
            _follow_renamed_label(ctx, key, node.oldVal, node.newVal)
        return [
            Step(
                title=f"Rename value {literal(node.newVal)} of {name} back to {literal(node.oldVal)}",
                group="Restore Types",
                sql=[f"ALTER TYPE {name} RENAME VALUE {literal(node.newVal)} TO {literal(node.oldVal)};"],
            )
        ]
    if t is None:
        raise Unsupported(f"type {name} is not in the migration history, so its labels are not known")
    reason = ctx.tainted_reason(type_ref(key))
    if reason:
        raise Unsupported(reason)
    if node.newVal in t.labels:
        if node.skipIfNewValExists:
            cat.enum_run = run  # nothing changed: the run goes on
            return []  # IF NOT EXISTS and it exists: nothing changed
        raise Unsupported(f"{name} already has the label {literal(node.newVal)}")
    if run is not None and run.key == key:  # right after an ADD VALUE on the same enum: one rebuild for both
        labels, values = run.labels, [*run.values, node.newVal]
        run.steps.clear()
    else:
        labels, values = list(t.labels), [node.newVal]
    steps = enums.remove_value_steps(ctx, t, values, labels)
    cat.enum_run = EnumRun(key, labels, values, steps)
    if node.newValNeighbor:
        pos = t.labels.index(node.newValNeighbor) + (1 if node.newValIsAfter else 0)
    else:
        pos = len(t.labels)
    t.labels.insert(pos, node.newVal)
    t.definition = enum_sql(key, t.labels)
    return steps


# -- renames --------------------------------------------------------------------------------------


def _rename_definition(t: Type) -> str:
    if t.kind == "enum":
        return enum_sql((t.schema, t.name), t.labels)
    stmt = parse_sql(t.definition)[0].stmt
    qualified = tuple(ast.String(sval=s) for s in (t.schema, t.name))
    if isinstance(stmt, ast.CreateDomainStmt):
        stmt.domainname = qualified
    elif isinstance(stmt, ast.CompositeTypeStmt):
        stmt.typevar.schemaname, stmt.typevar.relname = t.schema, t.name
    elif isinstance(stmt, ast.CreateRangeStmt):
        stmt.typeName = qualified
    return render(stmt)


def _retype_columns(ctx: Context, old: Key, new: Key, users: list[tuple[Function, str]]) -> None:
    """Columns declared with the old name now read the new one; other users (``users``: the
    functions naming the type, see ``function_names_type``) are distrusted."""
    cat = ctx.catalog
    for t in cat.tables.values():
        for c in t.columns.values():
            if not _column_uses(cat, c.type, old):
                continue
            try:
                tn = parse_sql(f"SELECT NULL::{c.type}")[0].stmt.targetList[0].val.typeName
            except ParseError:
                tn = None
            if tn is not None and tuple(_sval(tn.names)) in (old, (old[1],)):
                tn.names = (ast.String(sval=new[0]), ast.String(sval=new[1]))  # array bounds kept
                c.type = render(tn)
                continue
            ctx.taint(("table", qname(t.schema, t.name)))
    pat = _word(old[1])
    for tk, ty in cat.types.items():
        if tk != new and pat.search(ty.definition):
            ctx.taint(type_ref(tk))
    for f, why in users:
        ctx.catalog.tainted[("procedure" if f.kind == "procedure" else "function", f.signature)] = (
            f"{ctx.stmt.where}: it renamed type {qname(*old)}, which {why}"
        )
    for vk, v in cat.views.items():
        if pat.search(v.definition):
            ctx.taint(("materialized view" if v.materialized else "view", qname(*vk)))


class _Mentions(Visitor):
    """Names a parsed SQL body may name a type with: type names, function names (``mood('a')``
    is a cast when no such function exists) and string constants (``'mood'::regtype``)."""

    def __init__(self) -> None:
        self.names: list[tuple[str | None, str]] = []
        self.strings: list[str] = []

    def visit_TypeName(self, ancestors, node):  # noqa: N802
        names = [n.sval for n in node.names if isinstance(n, ast.String)]
        if names and names[0] != "pg_catalog":
            self.names.append((names[-2] if len(names) > 1 else None, names[-1]))

    def visit_FuncCall(self, ancestors, node):  # noqa: N802
        names = [n.sval for n in node.funcname]
        self.names.append((names[-2] if len(names) > 1 else None, names[-1]))

    def visit_A_Const(self, ancestors, node):  # noqa: N802
        if isinstance(node.val, ast.String):
            self.strings.append(node.val.sval)


def _set_search_path(stmt: ast.CreateFunctionStmt) -> tuple[str, ...] | None:
    """The function's own ``SET search_path`` (None: it has none; ``("*",)``: not a plain list)."""
    for o in stmt.options or ():
        if o.defname == "set" and isinstance(o.arg, ast.VariableSetStmt) and o.arg.name == "search_path":
            args = o.arg.args or ()
            if o.arg.kind != VariableSetKind.VAR_SET_VALUE or not all(
                isinstance(a, ast.A_Const) and isinstance(a.val, ast.String) for a in args
            ):
                return ("*",)
            return tuple(a.val.sval for a in args)
    return None


def _names_key(cat: Catalog, node: ast.Node | tuple, paths: list[tuple[str, ...]], key: Key) -> bool:
    """Whether a parse tree may name type ``key``: a qualified name equal to it, an unqualified
    one resolving to it (or to nothing) under any of ``paths``, a string constant holding it."""
    v = _Mentions()
    v(node)
    for schema, name in v.names:
        if (schema, name) == key:
            return True
        if schema is None and name == key[1]:
            for path in paths:
                saved, cat.search_path = cat.search_path, path
                try:
                    if path == ("*",) or cat.resolve_type(None, name) in (key, None):
                        return True
                finally:
                    cat.search_path = saved
    pat = _word(key[1])
    return any(pat.search(text) for text in v.strings)


def _tokens_name(body: str, name: str) -> bool:
    """Whether a body in another language than SQL may name ``name``: an identifier or keyword
    token spelling it, or a string constant (quoted or dollar-quoted) containing it as a
    word; comments, operators and numbers do not count. Unscannable text: True."""
    try:
        tokens = scan(body)  # character offsets, ends inclusive
    except ParseError:
        return True
    pat = _word(name)
    for tok in tokens:
        if tok.name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        text = body[tok.start : tok.end + 1]
        if tok.name in ("UIDENT", "USCONST"):
            return True  # U&"..." escapes: not looked into
        if tok.name == "IDENT" or tok.kind != "NO_KEYWORD":
            quoted = text.startswith('"')
            ident = text[1:-1].replace('""', '"') if quoted else text.lower()  # unquoted: lowered
            if truncate_identifier(ident) == name:
                return True
        elif tok.name in ("SCONST", "BCONST", "XCONST") and pat.search(text):
            return True  # a string (dynamic SQL, 'name'::regtype); operators, numbers... name nothing
    return False


def function_names_type(cat: Catalog, f: Function, key: Key) -> str | None:
    """Why function ``f`` names type ``key`` in its signature or body (so that its recorded
    definition no longer recreates it once the type is renamed), or None when it certainly
    does not.

    The signature and SQL bodies are parsed: qualified type names are compared, unqualified
    ones resolved under the search_path the function was written with and under its own
    ``SET search_path``; a function call of that name (a cast) and a string constant holding
    it (``'mood'::regtype``) count too. Bodies in other languages (plpgsql...) are scanned:
    any token spelling the name counts (a variable or column of that name too). A
    definition that does not parse counts when its text holds the name as a word.
    """
    if not may_name(f.definition, [key[1]]):
        return None
    try:
        stmt = parse_sql(f.definition)[0].stmt
    except ParseError:
        stmt = None
    if not isinstance(stmt, ast.CreateFunctionStmt):
        return "its definition names" if _word(key[1]).search(f.definition) else None
    own = _set_search_path(stmt)
    paths = [f.search_path, *([own] if own else [])]
    signature = [p.argType for p in stmt.parameters or ()] + ([stmt.returnType] if stmt.returnType else [])
    if signature and _names_key(cat, tuple(signature), [f.search_path], key):
        return "its signature names"
    if stmt.sql_body is not None:
        return "its body names" if _names_key(cat, stmt.sql_body, paths, key) else None
    body = next((o.arg for o in stmt.options or () if o.defname == "as"), None)
    language = next((o.arg.sval for o in stmt.options or () if o.defname == "language"), None)
    if not body:
        return None
    text = body[0].sval
    if language == "sql":
        try:
            tree = parse_sql(text)
        except ParseError:
            return "its body (which does not parse) may name" if _tokens_name(text, key[1]) else None
        return "its body names" if _names_key(cat, tree, paths, key) else None
    if len(body) > 1:  # C functions: AS 'file', 'symbol'
        return None
    return f"its {language or ''} body may name".replace("  ", " ") if _tokens_name(text, key[1]) else None


@handles(ast.RenameStmt, ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN)
def rename_type(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """ALTER TYPE/DOMAIN old RENAME TO new → ALTER TYPE/DOMAIN new RENAME TO old."""
    cat = ctx.catalog
    names = _sval(node.object)
    key = _existing_key(ctx, names) or _key(ctx, names)
    new = (key[0], node.newname)
    users = [(f, why) for f in cat.functions.values() if (why := function_names_type(cat, f, key))]
    t = cat.types.pop(key, None)
    if t is not None:
        t.name = node.newname
        t.definition = _rename_definition(t)
        cat.types[new] = t
        _retype_columns(ctx, key, new, users)
    move_refs(cat, type_ref(key), type_ref(new))
    word = "DOMAIN" if node.renameType == ObjectType.OBJECT_DOMAIN else "TYPE"
    return [
        Step(
            title=f"Rename {word.lower()} {qname(*new)} back to {quote_ident(key[1])}",
            group="Restore Types",
            sql=[f"ALTER {word} {qname(*new)} RENAME TO {quote_ident(key[1])};"],
        )
    ]


def _distrust(ctx: Context, names: list[str]) -> None:
    key = _existing_key(ctx, names)
    if key:
        ctx.taint(type_ref(key))


@handles(ast.AlterObjectSchemaStmt, ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN)
def set_schema(node: ast.AlterObjectSchemaStmt, ctx: Context) -> list[Step]:
    """ALTER TYPE ... SET SCHEMA: not inverted yet."""
    _distrust(ctx, _sval(node.object))
    raise Unsupported("moving a type to another schema is not inverted yet")


@handles(ast.AlterOwnerStmt, ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN)
def alter_type_owner(node: ast.AlterOwnerStmt, ctx: Context) -> list[Step]:
    """ALTER TYPE/DOMAIN ... OWNER TO r → back to the previous owner (folded grants re-granted)."""
    cat = ctx.catalog
    names = _sval(node.object)
    key = _existing_key(ctx, names)
    if key is None:
        raise Unsupported(f"type {'.'.join(names)} is not in the migration history, so its owner is not known")
    reason = ctx.tainted_reason(type_ref(key))
    if reason:
        raise Unsupported(reason)
    t = cat.types[key]
    previous = t.owner or cat.current_user
    new_owner = role_name(node.newowner, cat.current_user)
    word = _keyword(t)
    steps = owners.give_back(cat, type_ref(key), f"ALTER {word} {qname(*key)}", previous, new_owner,
                             f"Give {word.lower()} {qname(*key)} back to {quote_ident(previous)}")
    t.owner = new_owner
    return steps
