"""What a DO block the generator cannot follow may have changed: kinds of objects and their scope.

A DO block that loops over the catalog and runs SQL built at run time
(``FOR f IN SELECT ... FROM pg_proc ... LOOP EXECUTE format('ALTER FUNCTION %s SET
search_path = ...', f.sig)``) becomes a manual step; what it did to each object is
unknown, so every object it may have changed is distrusted (``Catalog.tainted``) and
later rollbacks of those objects become manual steps instead of restoring a stale
definition.

The reach is bounded statically, from the PL/pgSQL tree:

- each SQL text the block can run: static statements, ``EXECUTE '<constant>'``,
  ``EXECUTE format('<template>', args...)``, ``EXECUTE 'a' || x || 'b'`` and
  ``EXECUTE v`` where every assignment to ``v`` is one of those. Placeholders become
  sentinel identifiers and the text is parsed: the statement says the KIND of object
  (``ALTER FUNCTION``, ``GRANT ... ON TABLE``, ``CREATE POLICY ... ON``...) and which
  part of its name each placeholder fills;
- each placeholder's argument: a constant (substituted exactly), the variable of a
  ``FOREACH`` over a constant array (each value substituted), or a loop variable of a
  ``FOR ... IN SELECT`` over catalog views whose WHERE bounds the schema
  (``nspname = 'public'``, ``table_schema IN (...)``, ``relnamespace = 'public'::regnamespace``)
  or the names (``proname = ANY(targets)`` with ``targets`` a constant array);
  anything else is unbounded.

What cannot be bounded is distrusted broadly: every object of the kind (in the schemas
when those are bounded), or every object the catalog knows when the statement itself
is unknown. Objects are expanded at the DO block, so objects created after it are not
distrusted. The loop query's joins are taken to be the ordinary ones (a catalog row
joined to its own namespace); a FROM clause the analysis does not know drops its bounds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums import GrantTargetType, ObjectType
from pglast.parser import ParseError, parse_sql

from ..catalog import Catalog, ObjRef
from ..refs import function_ref, policy_ref, schema_ref, trigger_ref, type_ref
from ..sqltext import literal, qname, quote_ident

Values = frozenset[str] | None  # None: any value (members may be _Like patterns)


class _Like(str):
    """A LIKE pattern among a bound's names (``relname LIKE 'ols_%'``)."""

    escape = "\\"

    def matches(self, name: str) -> bool:
        return re.fullmatch(_like_regex(self, self.escape), name, re.DOTALL) is not None

    def __repr__(self) -> str:
        return f"like '{self}'"


def _like_regex(pattern: str, escape: str = "\\") -> str:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if escape and c == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return "".join(out)


def _intersect(a: Values, b: Values) -> Values:
    """Names satisfying both bounds (either bound alone when patterns make it hard: larger, still sound)."""
    if a is None or b is None:
        return b if a is None else a
    if any(isinstance(v, _Like) for v in a | b):
        plain = [x for x in (a, b) if not any(isinstance(v, _Like) for v in x)]
        return frozenset(v for v in plain[0] if _in(a, v) and _in(b, v)) if plain else a
    return a & b

_SENTINEL = "zzdynph{}zz"
_SENTINEL_RE = re.compile(r"zzdynph(\d+)zz")
_MAX_EXPANSIONS = 256

# Catalog relations a loop query may read, and the roles of the names they provide.
_PROVIDERS: dict[str, frozenset[str]] = {
    "pg_namespace": frozenset({"schema"}),
    "pg_class": frozenset({"relation"}),
    "pg_tables": frozenset({"relation", "schema"}),
    "pg_views": frozenset({"relation", "schema"}),
    "pg_matviews": frozenset({"relation", "schema"}),
    "pg_sequences": frozenset({"relation", "schema"}),
    "pg_proc": frozenset({"function"}),
    "pg_policies": frozenset({"policy", "relation", "schema"}),
    "pg_policy": frozenset({"policy"}),
    "pg_trigger": frozenset({"trigger"}),
    "pg_type": frozenset({"type"}),
    "tables": frozenset({"relation", "schema"}),  # information_schema
    "views": frozenset({"relation", "schema"}),
    "sequences": frozenset({"relation", "schema"}),
    "routines": frozenset({"function", "schema"}),
    "roles": frozenset(),  # pg_roles: names no object the block may change
    "pg_roles": frozenset(),
}

# Columns whose equality to constants bounds a role.
_COLUMN_ROLES: dict[str, str] = {
    "nspname": "schema", "schemaname": "schema", "table_schema": "schema", "routine_schema": "schema",
    "sequence_schema": "schema", "specific_schema": "schema",
    "relnamespace": "schema", "pronamespace": "schema", "typnamespace": "schema",
    "relname": "relation", "tablename": "relation", "table_name": "relation", "viewname": "relation",
    "matviewname": "relation", "sequencename": "relation", "sequence_name": "relation",
    "proname": "function", "routine_name": "function",
    "policyname": "policy", "polname": "policy", "tgname": "trigger", "typname": "type",
}

_DATA = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.SelectStmt, ast.TruncateStmt, ast.VacuumStmt,
         ast.NotifyStmt, ast.VariableSetStmt, ast.VariableShowStmt, ast.RefreshMatViewStmt, ast.LockStmt,
         ast.CopyStmt, ast.ExplainStmt)


@dataclass(frozen=True)
class Reach:
    """Objects of ``kind`` ("relation", "function", "type", "schema", "extension", "publication",
    "all"; "default privileges" reaches no existing object) whose schema is in ``schemas``
    and name in ``names`` (None: any)."""

    kind: str
    schemas: Values = None
    names: Values = None

    def describe(self) -> str:
        what = {"relation": "tables/views/sequences", "function": "functions", "schema": "schemas",
                "type": "types", "extension": "extensions", "publication": "publications",
                "all": "objects of every kind",
                "default privileges": "the default privileges of objects created later"}[self.kind]
        out = f"{what}"
        if self.names is not None:
            out += " named " + ", ".join(sorted(repr(n) if isinstance(n, _Like) else n for n in self.names))
        if self.kind not in ("schema", "extension", "publication"):
            out += " in " + ("schema " + ", ".join(sorted(self.schemas)) if self.schemas is not None else "any schema")
        return out


# -- where loop variables come from ------------------------------------------------------------


@dataclass
class _Source:
    """What a loop variable may hold: exact values, or catalog names bounded per role.

    ``roles``: role -> the names the loop query's rows may carry (missing: any);
    ``fields``: field of the row ("" for a scalar variable) -> the roles its value names
    (a field not listed is an expression the analysis does not follow: unbounded).
    """

    values: Values = None  # FOREACH over a constant array: the elements
    roles: dict[str, Values] = field(default_factory=dict)
    fields: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass
class _Env:
    sources: dict[str, _Source] = field(default_factory=dict)  # variable name -> source
    constants: dict[str, frozenset[str]] = field(default_factory=dict)  # never-assigned array/text constants


def _const_strings(node: ast.Node | None, env: _Env) -> frozenset[str] | None:
    """The string values of a constant, a constant list/array, or a constant variable."""
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return frozenset({node.val.sval})
    if isinstance(node, ast.TypeCast):
        inner = _const_strings(node.arg, env)
        if inner is not None:
            return inner
        if isinstance(node.arg, ast.A_Const) and isinstance(node.arg.val, ast.String):
            text = node.arg.val.sval.strip()
            if text.startswith("{") and text.endswith("}") and '"' not in text and "\\" not in text:
                return frozenset(p.strip() for p in text[1:-1].split(",") if p.strip())
        return None
    if isinstance(node, ast.A_ArrayExpr):
        vals = [_const_strings(e, env) for e in node.elements or ()]
        return None if any(v is None for v in vals) else frozenset().union(*vals)
    if isinstance(node, (tuple, list)):
        vals = [_const_strings(e, env) for e in node]
        return None if any(v is None for v in vals) else frozenset().union(*vals)
    if isinstance(node, ast.ColumnRef) and len(node.fields) == 1 and isinstance(node.fields[0], ast.String):
        return env.constants.get(node.fields[0].sval)
    return None


def _parse_expr(text: str) -> ast.Node | None:
    try:
        return parse_sql(f"SELECT {text}")[0].stmt.targetList[0].val
    except (ParseError, IndexError, AttributeError, RecursionError):
        return None


def _parse_select(text: str) -> ast.SelectStmt | None:
    try:
        stmts = parse_sql(text)
    except (ParseError, RecursionError):
        return None
    if len(stmts) == 1 and isinstance(stmts[0].stmt, ast.SelectStmt):
        return stmts[0].stmt
    return None


def _from_items(node: Any) -> Iterator[ast.Node]:
    for item in node or ():
        if isinstance(item, ast.JoinExpr):
            yield from _from_items((item.larg, item.rarg))
        else:
            yield item


def _conjuncts(node: ast.Node | None) -> Iterator[ast.Node]:
    if isinstance(node, ast.BoolExpr) and node.boolop.name == "AND_EXPR":
        for a in node.args:
            yield from _conjuncts(a)
    elif node is not None:
        yield node


_REG_ROLES = {"regprocedure": frozenset({"function", "schema"}), "regproc": frozenset({"function", "schema"}),
              "regclass": frozenset({"relation", "schema"}), "regnamespace": frozenset({"schema"}),
              "regtype": frozenset({"type", "schema"})}


def _output_roles(val: ast.Node | None) -> tuple[str | None, frozenset[str]]:
    """A select-list expression: (its default field name, the roles of the name it yields)."""
    if isinstance(val, ast.TypeCast):
        name = val.typeName.names[-1].sval
        inner_name, inner = _output_roles(val.arg)
        if name in _REG_ROLES:  # p.oid::regprocedure names the row's own object (the field is "oid")
            return inner_name, _REG_ROLES[name] if inner_name == "oid" else frozenset()
        return inner_name, inner if name in ("text", "name", "varchar") else frozenset()
    if isinstance(val, ast.FuncCall) and val.funcname[-1].sval in ("quote_ident", "text") and len(val.args or ()) == 1:
        _, inner = _output_roles(val.args[0])
        return val.funcname[-1].sval, inner
    if isinstance(val, ast.ColumnRef) and isinstance(val.fields[-1], ast.String):
        col = val.fields[-1].sval
        role = _COLUMN_ROLES.get(col)
        return col, frozenset({role}) if role else frozenset()
    return None, frozenset()


def query_roles(text: str, env: _Env) -> tuple[dict[str, Values], list[tuple[str | None, frozenset[str]]]]:
    """A loop query: per role, the names its rows may carry (bounded by its WHERE), and
    per output column its name and the roles it names. Nothing is bounded when the query
    is not a plain SELECT over catalog views the analysis knows."""
    sel = _parse_select(text)
    if sel is None or sel.op.name != "SETOP_NONE" or sel.withClause is not None:
        return {}, []
    outputs: list[tuple[str | None, frozenset[str]]] = []
    for target in sel.targetList or ():
        if isinstance(target.val, ast.ColumnRef) and isinstance(target.val.fields[-1], ast.A_Star):
            return {}, []  # SELECT *: which columns, the analysis does not know
        name, roles = _output_roles(target.val)
        outputs.append((target.name or name, roles))
    providers: dict[str, list[str]] = {}  # role -> aliases of the FROM items providing it
    for item in _from_items(sel.fromClause):
        if not isinstance(item, ast.RangeVar) or item.relname not in _PROVIDERS:
            return {}, outputs
        if item.schemaname not in (None, "pg_catalog", "information_schema"):
            return {}, outputs
        alias = item.alias.aliasname if item.alias else item.relname
        for role in _PROVIDERS[item.relname]:
            providers.setdefault(role, []).append(alias)
    roles: dict[str, Values] = {}
    for cond in _conjuncts(sel.whereClause):
        bound = _condition(cond, env)
        if bound is None:
            continue
        column, qualifier, values = bound
        role = _COLUMN_ROLES[column]
        # the one FROM item holding this column (two pg_class: which one is bound?)
        owners = providers.get(_NAMESPACE_OF.get(column, role), [])
        if len(owners) != 1 or qualifier not in (None, owners[0]):
            continue
        roles[role] = _intersect(roles.get(role), values)
    return roles, outputs


# relnamespace/pronamespace/typnamespace: the schema of the row's own object
_NAMESPACE_OF = {"relnamespace": "relation", "pronamespace": "function", "typnamespace": "type"}


def _condition(cond: ast.Node, env: _Env) -> tuple[str, str | None, frozenset[str]] | None:
    """``col = 'x'`` / ``col IN ('x', 'y')`` / ``col = ANY(array)``: (col, its table alias, values)."""
    if not isinstance(cond, ast.A_Expr):
        return None
    kind = cond.kind.name
    if kind == "AEXPR_LIKE" and [n.sval for n in cond.name] == ["~~"]:
        return _like_condition(cond)
    if [n.sval for n in cond.name] != ["="]:
        return None
    left, right = cond.lexpr, cond.rexpr
    if kind == "AEXPR_OP" and not isinstance(left, ast.ColumnRef):
        left, right = right, left
    if not isinstance(left, ast.ColumnRef) or not all(isinstance(f, ast.String) for f in left.fields):
        return None
    column = left.fields[-1].sval
    if column not in _COLUMN_ROLES or kind not in ("AEXPR_OP", "AEXPR_IN", "AEXPR_OP_ANY"):
        return None
    if column in _NAMESPACE_OF:  # relnamespace = 'public'::regnamespace
        if not (isinstance(right, ast.TypeCast) and right.typeName.names[-1].sval == "regnamespace"):
            return None
    values = _const_strings(right, env)
    qualifier = left.fields[-2].sval if len(left.fields) > 1 else None
    return None if values is None else (column, qualifier, values)


def _like_condition(cond: ast.A_Expr) -> tuple[str, str | None, frozenset[str]] | None:
    """``col LIKE 'prefix%'`` (with an optional ESCAPE)."""
    left, right = cond.lexpr, cond.rexpr
    if not isinstance(left, ast.ColumnRef) or not all(isinstance(f, ast.String) for f in left.fields):
        return None
    column = left.fields[-1].sval
    if column not in _COLUMN_ROLES or column in _NAMESPACE_OF:
        return None
    escape = "\\"
    if isinstance(right, ast.FuncCall) and right.funcname[-1].sval == "like_escape" and len(right.args) == 2:
        esc = right.args[1]
        if not (isinstance(esc, ast.A_Const) and isinstance(esc.val, ast.String)):
            return None
        escape, right = esc.val.sval, right.args[0]
    if not (isinstance(right, ast.A_Const) and isinstance(right.val, ast.String)):
        return None
    if len(escape) > 1:
        return None
    pattern = _Like(right.val.sval)
    pattern.escape = escape
    qualifier = left.fields[-2].sval if len(left.fields) > 1 else None
    return column, qualifier, frozenset({pattern})


# -- the SQL texts a block can run -------------------------------------------------------------


@dataclass(frozen=True)
class _Hole:
    """A placeholder of a template: ``%I``, ``%s`` or ``%L`` filled from ``arg``."""

    style: str  # "I", "s" or "L"
    arg: ast.Node | None  # None: unknown (the placeholder's value cannot be bounded)


@dataclass(frozen=True)
class _Template:
    parts: tuple[str | _Hole, ...]


_FORMAT = re.compile(r"%(?:(\d+)\$)?(-?)(\d*)([sIL%])")


def _template(node: ast.Node | None, env: _Env, assigned: dict[str, list[tuple[str, _Env]]],
              seen: frozenset[str] = frozenset()) -> list[_Template] | None:
    """The templates an expression producing SQL text may evaluate to (None: unknown)."""
    if node is None:
        return None
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return [_Template((node.val.sval,))]
    if isinstance(node, ast.FuncCall) and node.funcname[-1].sval == "format" and node.args:
        fmt = node.args[0]
        if not (isinstance(fmt, ast.A_Const) and isinstance(fmt.val, ast.String)):
            return None
        return _format(fmt.val.sval, list(node.args[1:]))
    if isinstance(node, ast.FuncCall) and node.funcname[-1].sval in ("quote_ident", "quote_literal") and node.args:
        return [_Template((_Hole("I" if node.funcname[-1].sval == "quote_ident" else "L", node.args[0]),))]
    if isinstance(node, ast.A_Expr) and [n.sval for n in node.name] == ["||"]:
        left = _template(node.lexpr, env, assigned, seen) or [_Template((_Hole("s", node.lexpr),))]
        right = _template(node.rexpr, env, assigned, seen) or [_Template((_Hole("s", node.rexpr),))]
        if len(left) * len(right) > _MAX_EXPANSIONS:
            return None
        return [_Template(a.parts + b.parts) for a in left for b in right]
    if isinstance(node, ast.SubLink) and node.subLinkType.name == "EXPR_SUBLINK":
        sub = node.subselect  # EXECUTE (SELECT 'alter table t drop constraint ' || quote_ident(c) FROM ...)
        if isinstance(sub, ast.SelectStmt) and sub.op.name == "SETOP_NONE" and len(sub.targetList or ()) == 1:
            return _template(sub.targetList[0].val, env, assigned, seen)
        return None
    if isinstance(node, ast.ColumnRef) and len(node.fields) == 1 and isinstance(node.fields[0], ast.String):
        name = node.fields[0].sval
        if name in seen or name not in assigned:
            return None
        out: list[_Template] = []
        for text, _ in assigned[name]:
            t = _template(_parse_expr(text), env, assigned, seen | {name})
            if t is None:
                return None
            out += t
        return out
    return None


def _format(fmt: str, args: list[ast.Node]) -> list[_Template] | None:
    parts: list[str | _Hole] = []
    pos, nxt = 0, 0
    for m in _FORMAT.finditer(fmt):
        parts.append(fmt[pos:m.start()])
        pos = m.end()
        if m.group(4) == "%":
            parts.append("%")
            continue
        index = int(m.group(1)) - 1 if m.group(1) else nxt
        nxt = index + 1
        parts.append(_Hole(m.group(4), args[index] if index < len(args) else None))
    if "%" in _FORMAT.sub("", fmt):
        return None  # a width taken from the arguments (``%*s``) or a malformed spec
    parts.append(fmt[pos:])
    return [_Template(tuple(parts))]


# -- from a template to what it may touch ------------------------------------------------------


def _hole_values(hole: _Hole, env: _Env) -> frozenset[str] | None:
    """The exact values a hole may take, when they are known."""
    if hole.arg is None:
        return None
    values = _const_strings(hole.arg, env)
    if values is not None:
        return values
    if isinstance(hole.arg, ast.ColumnRef) and isinstance(hole.arg.fields[0], ast.String):
        src = env.sources.get(hole.arg.fields[0].sval)
        if src is not None and src.values is not None and len(hole.arg.fields) == 1:
            return src.values
    return None


def _hole_roles(hole: _Hole, env: _Env) -> dict[str, Values] | None:
    """Per role, the names a hole filled from a loop row may carry (missing role: any).

    None when the value is not a catalog name the loop query bounds: any name, with its
    own schema possibly.
    """
    arg = hole.arg
    while True:
        if isinstance(arg, ast.TypeCast) and arg.typeName.names[-1].sval in ("text", "name", "varchar"):
            arg = arg.arg
        elif isinstance(arg, ast.FuncCall) and arg.funcname[-1].sval == "quote_ident" and len(arg.args or ()) == 1:
            arg = arg.args[0]
        else:
            break
    if not isinstance(arg, ast.ColumnRef) or not all(isinstance(f, ast.String) for f in arg.fields):
        return None
    parts = [f.sval for f in arg.fields]
    src = env.sources.get(parts[0])
    if src is None or len(parts) > 2:
        return None
    carried = src.fields.get(parts[1] if len(parts) == 2 else "")
    if carried is None:
        return None
    return {role: src.roles.get(role) for role in carried}


def _render(parts: Iterable[str | _Hole], fixed: dict[int, str]) -> str:
    out = []
    for i, p in enumerate(parts):
        if isinstance(p, str):
            out.append(p)
        elif i in fixed:
            v = fixed[i]
            out.append(quote_ident(v) if p.style == "I" else literal(v) if p.style == "L" else v)
        else:
            out.append(literal(_SENTINEL.format(i)) if p.style == "L" else _SENTINEL.format(i))
    return "".join(out)


def reach_of_template(t: _Template, env: _Env, path: tuple[str, ...] | None) -> list[Reach]:
    """What one SQL template may touch, its holes bounded by ``env``."""
    holes = {i: p for i, p in enumerate(t.parts) if isinstance(p, _Hole)}
    known = {i: _hole_values(h, env) for i, h in holes.items() if h.style != "L"}
    exact = {i: sorted(v) for i, v in known.items() if v is not None}
    combos = 1
    for v in exact.values():
        combos *= max(len(v), 1)
    if combos > _MAX_EXPANSIONS:
        exact = {}
    out: list[Reach] = []
    for values in itertools.product(*exact.values()):
        fixed = dict(zip(exact, values))
        sql = _render(t.parts, fixed)
        try:
            stmts = [raw.stmt for raw in parse_sql(sql)]
        except (ParseError, RecursionError):
            return [Reach("all")]
        for stmt in stmts:
            out += _statement_reach(stmt, {i: h for i, h in holes.items() if i not in fixed}, env, path)
    return out


class _Names:
    """Resolves a (schema, name) pair whose parts may be sentinels into bounds."""

    def __init__(self, holes: dict[int, _Hole], env: _Env, path: tuple[str, ...] | None) -> None:
        self.holes, self.env, self.path = holes, env, path

    def _holes_in(self, text: str | None) -> list[_Hole]:
        return [self.holes[int(m)] for m in _SENTINEL_RE.findall(text or "") if int(m) in self.holes]

    def part(self, text: str | None, role: str) -> Values:
        holes = self._holes_in(text)
        if not holes:
            return None if text is None else frozenset({text})
        if _SENTINEL_RE.fullmatch(text or ""):
            roles = _hole_roles(holes[0], self.env)
            return None if roles is None else roles.get(role)
        return None  # a name built from pieces: any

    def pair(self, schema: str | None, name: str, role: str, kind: str) -> Reach:
        names = self.part(name, role)
        if schema is not None:
            return Reach(kind, self.part(schema, "schema"), names)
        holes = self._holes_in(name)
        if holes and holes[0].style == "s":  # the value may carry its own schema
            roles = _hole_roles(holes[0], self.env)
            if roles is None:
                return Reach(kind, None, names)
            if "schema" in roles:
                bound = roles["schema"]
                return Reach(kind, None if bound is None or self.path is None else bound | frozenset(self.path), names)
        # a bare name, found on the search path (None: the block sets its own)
        return Reach(kind, None if self.path is None else frozenset(self.path), names)


def _names(node: Any) -> list[str]:
    return [n.sval for n in node if isinstance(n, ast.String)]


_RELATION_TYPES = {ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW,
                   ObjectType.OBJECT_SEQUENCE, ObjectType.OBJECT_INDEX, ObjectType.OBJECT_FOREIGN_TABLE,
                   ObjectType.OBJECT_COLUMN}
_ON_TABLE_TYPES = {ObjectType.OBJECT_POLICY, ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_RULE,
                   ObjectType.OBJECT_TABCONSTRAINT}
_FUNCTION_TYPES = {ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE,
                   ObjectType.OBJECT_AGGREGATE}
_TYPE_TYPES = {ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN}


def _object_reach(objtype: Any, obj: Any, n: _Names) -> Reach:
    """The reach of one object of a generic statement (DROP, COMMENT, OWNER, RENAME...)."""
    if objtype in _FUNCTION_TYPES and isinstance(obj, ast.ObjectWithArgs):
        parts = _names(obj.objname)
        return n.pair(parts[-2] if len(parts) > 1 else None, parts[-1], "function", "function")
    if isinstance(obj, ast.RangeVar):
        return n.pair(obj.schemaname, obj.relname, "relation", "relation")
    if objtype == ObjectType.OBJECT_SCHEMA:
        name = obj.sval if isinstance(obj, ast.String) else None
        return Reach("schema", None, n.part(name, "schema") if name else None)
    if isinstance(obj, (tuple, list)):
        parts = _names(obj)
        if objtype in _ON_TABLE_TYPES and len(parts) >= 2:
            rel = parts[:-1]
            return n.pair(rel[-2] if len(rel) > 1 else None, rel[-1], "relation", "relation")
        if objtype == ObjectType.OBJECT_COLUMN and len(parts) >= 2:
            rel = parts[:-1]
            return n.pair(rel[-2] if len(rel) > 1 else None, rel[-1], "relation", "relation")
        if objtype in _RELATION_TYPES and parts:
            return n.pair(parts[-2] if len(parts) > 1 else None, parts[-1], "relation", "relation")
        if objtype in _TYPE_TYPES and parts:
            return n.pair(parts[-2] if len(parts) > 1 else None, parts[-1], "type", "type")
    if isinstance(obj, ast.TypeName) and objtype in _TYPE_TYPES:
        parts = _names(obj.names)
        return n.pair(parts[-2] if len(parts) > 1 else None, parts[-1], "type", "type")
    return Reach("all")


def _statement_reach(stmt: ast.Node, holes: dict[int, _Hole], env: _Env, path: tuple[str, ...] | None) -> list[Reach]:
    n = _Names(holes, env, path)
    rel = lambda rv: n.pair(rv.schemaname, rv.relname, "relation", "relation")  # noqa: E731
    if isinstance(stmt, _DATA):
        return []
    if isinstance(stmt, ast.AlterTableStmt):
        if stmt.objtype == ObjectType.OBJECT_TYPE:
            return [n.pair(stmt.relation.schemaname, stmt.relation.relname, "type", "type")]
        return [rel(stmt.relation)]
    if isinstance(stmt, (ast.CreatePolicyStmt, ast.AlterPolicyStmt)):
        return [rel(stmt.table)]
    if isinstance(stmt, (ast.CreateTrigStmt, ast.IndexStmt, ast.CreateStmt, ast.AlterSeqStmt, ast.CreateSeqStmt)):
        return [rel(getattr(stmt, "relation", None) or stmt.sequence)]
    if isinstance(stmt, ast.ViewStmt):
        return [rel(stmt.view)]
    if isinstance(stmt, ast.CreateTableAsStmt):
        return [rel(stmt.into.rel)]
    if isinstance(stmt, ast.AlterDefaultPrivilegesStmt):  # changes no existing object (see describe)
        schemas = [o for o in stmt.options or () if o.defname == "schemas"]
        if not schemas:
            return [Reach("default privileges")]
        return [Reach("default privileges", n.part(s.sval, "schema"), None) for s in schemas[0].arg]
    if isinstance(stmt, ast.AlterFunctionStmt):
        return [_object_reach(stmt.objtype, stmt.func, n)]
    if isinstance(stmt, ast.CreateFunctionStmt):
        parts = _names(stmt.funcname)
        return [n.pair(parts[-2] if len(parts) > 1 else None, parts[-1], "function", "function")]
    if isinstance(stmt, ast.GrantStmt):
        if stmt.targtype == GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA:
            kind = "function" if stmt.objtype in _FUNCTION_TYPES else "relation"
            return [Reach(kind, n.part(s.sval, "schema"), None) for s in stmt.objects]
        if stmt.targtype != GrantTargetType.ACL_TARGET_OBJECT:
            return [Reach("all")]  # ALTER DEFAULT PRIVILEGES' own form
        return [_object_reach(stmt.objtype, o, n) for o in stmt.objects]
    if isinstance(stmt, ast.DropStmt):
        return [_object_reach(stmt.removeType, o, n) for o in stmt.objects]
    if isinstance(stmt, ast.CommentStmt):
        return [_object_reach(stmt.objtype, stmt.object, n)]
    if isinstance(stmt, ast.AlterOwnerStmt):
        return [_object_reach(stmt.objectType, stmt.relation or stmt.object, n)]
    if isinstance(stmt, ast.RenameStmt):
        return [_object_reach(stmt.renameType if stmt.relation is None else ObjectType.OBJECT_TABLE,
                              stmt.relation or stmt.object, n)]
    if isinstance(stmt, ast.AlterObjectSchemaStmt) and stmt.objectType == ObjectType.OBJECT_EXTENSION:
        return [Reach("extension", None, n.part(stmt.object.sval, "extension"))]  # as ALTER EXTENSION
    if isinstance(stmt, ast.AlterObjectSchemaStmt):
        return [_object_reach(stmt.objectType, stmt.relation or stmt.object, n)]
    if isinstance(stmt, (ast.AlterEnumStmt, ast.CreateEnumStmt, ast.AlterDomainStmt, ast.CreateDomainStmt)):
        # CreateDomainStmt's typeName is its base type: its own name is domainname
        parts = _names(stmt.domainname if isinstance(stmt, ast.CreateDomainStmt) else stmt.typeName)
        return [n.pair(parts[-2] if len(parts) > 1 else None, parts[-1], "type", "type")]
    if isinstance(stmt, (ast.CreateExtensionStmt, ast.AlterExtensionStmt, ast.AlterExtensionContentsStmt)):
        return [Reach("extension", None, n.part(stmt.extname, "extension"))]
    if isinstance(stmt, ast.CreateSchemaStmt) and not stmt.schemaElts:
        return [Reach("schema", None, n.part(stmt.schemaname, "schema"))] if stmt.schemaname else [Reach("all")]
    if isinstance(stmt, (ast.CreatePublicationStmt, ast.AlterPublicationStmt)):
        return [Reach("publication", None, n.part(stmt.pubname, "publication")),
                *(n.pair(o.pubtable.relation.schemaname, o.pubtable.relation.relname, "relation", "relation")
                  for o in stmt.pubobjects or () if o.pubtable is not None)]
    if isinstance(stmt, (ast.CreateRoleStmt, ast.AlterRoleStmt, ast.AlterRoleSetStmt, ast.GrantRoleStmt,
                         ast.DropRoleStmt)):
        return []  # roles: the generator keeps no definition of them to distrust
    return [Reach("all")]


# -- walking the block -------------------------------------------------------------------------


def _expr(node: dict[str, Any] | None) -> str:
    return (node or {}).get("PLpgSQL_expr", {}).get("query", "")


def _datum_name(fn: dict[str, Any], varno: int | None) -> str | None:
    datums = fn.get("datums") or ()
    if varno is None or varno >= len(datums):
        return None
    ((_, v),) = datums[varno].items()
    return v.get("refname")


def _loop_vars(node: dict[str, Any]) -> list[str]:
    var = node.get("var") or {}
    ((kind, v),) = var.items() if var else (("", {}),)
    if kind == "PLpgSQL_row":
        return [f["name"] for f in v.get("fields") or ()]
    return [v["refname"]] if v.get("refname") else []


class _Walker:
    """Walks the block's statements with the loop variables in scope at each one."""

    def __init__(self, fn: dict[str, Any], path: tuple[str, ...] | None) -> None:
        self.fn, self.path = fn, path
        self.out: list[Reach] = []
        self.assigned: dict[str, list[tuple[str, _Env]]] = {}
        self.collecting = True  # first pass: record assignments only

    def text(self, expr: ast.Node | None, e: _Env) -> None:
        if self.collecting:
            return
        templates = _template(expr, e, self.assigned)
        if templates is None:
            self.out.append(Reach("all"))
            return
        for t in templates:
            self.out.extend(reach_of_template(t, e, self.path))

    def static(self, sql: str, e: _Env) -> None:
        self.text(ast.A_Const(isnull=False, val=ast.String(sval=sql)), e)

    def walk(self, stmts: list[dict[str, Any]] | None, e: _Env) -> None:
        for stmt in stmts or ():
            ((kind, node),) = stmt.items()
            kind = kind.removeprefix("PLpgSQL_stmt_")
            if kind == "execsql":
                self.static(_expr(node.get("sqlstmt")), e)
            elif kind == "perform":
                self.static(_expr(node.get("expr")), e)
            elif kind == "dynexecute":
                self.text(_parse_expr(_expr(node.get("query"))), e)
            elif kind == "assign":
                name = _datum_name(self.fn, node.get("varno"))
                if name and self.collecting:
                    self.assigned.setdefault(name, []).append((_assigned_value(_expr(node.get("expr"))), e))
            elif kind in ("fors", "dynfors", "forc"):
                self.loop(kind, node, e)
                continue
            elif kind == "foreach_a":
                values = _const_strings(_parse_expr(_expr(node.get("expr"))), e)
                inner = _Env(dict(e.sources), e.constants)
                name = _datum_name(self.fn, node.get("varno"))
                if name:
                    inner.sources[name] = _Source(values=values)
                self.walk(node.get("body"), inner)
                continue
            elif kind == "open":
                if node.get("dynquery"):
                    self.text(_parse_expr(_expr(node["dynquery"])), e)
                elif node.get("query"):
                    self.static(_expr(node["query"]), e)
            elif kind == "call":
                if not self.collecting:
                    self.out.append(Reach("all"))  # a procedure may change anything
            self.nested(node, e)

    def loop(self, kind: str, node: dict[str, Any], e: _Env) -> None:
        text = ""
        if kind == "dynfors":
            query = _parse_expr(_expr(node.get("query")))
            self.text(query, e)
            if isinstance(query, ast.A_Const) and isinstance(query.val, ast.String):
                text = query.val.sval
        elif kind == "fors":
            text = _expr(node.get("query"))
        roles, outputs = query_roles(text, e) if text else ({}, [])
        inner = _Env(dict(e.sources), e.constants)
        var = node.get("var") or {}
        if "PLpgSQL_rec" in var:  # FOR r IN SELECT a, b: r.a, r.b
            fields = {name: carried for name, carried in outputs if name}
            inner.sources[var["PLpgSQL_rec"]["refname"]] = _Source(roles=roles, fields=fields)
        else:  # FOR a, b IN SELECT ...: each variable takes one column, in order
            names = _loop_vars(node)
            for i, v in enumerate(names):
                carried = outputs[i][1] if len(outputs) == len(names) else frozenset()
                inner.sources[v] = _Source(roles=roles, fields={"": carried})
        self.walk(node.get("body"), inner)

    def nested(self, node: dict[str, Any], e: _Env) -> None:
        for key in ("body", "then_body", "else_body", "stmts", "action"):
            if isinstance(node.get(key), list):
                self.walk(node[key], e)
        for elsif in node.get("elsif_list") or ():
            self.walk(elsif["PLpgSQL_if_elsif"].get("stmts"), e)
        for when in node.get("case_when_list") or ():
            self.walk(when["PLpgSQL_case_when"].get("stmts"), e)
        exc = (node.get("exceptions") or {}).get("PLpgSQL_exception_block")
        for handler in (exc or {}).get("exc_list") or ():
            self.walk(handler["PLpgSQL_exception"].get("action"), e)


def _assigned_value(text: str) -> str:
    """``s := 'a' || x`` -> ``'a' || x`` (PL/pgSQL keeps the whole assignment as the expression)."""
    m = re.match(r"\s*[\w$.\"]+\s*(?::=|=)\s*", text)
    return text[m.end():] if m else text


_SETS_PATH = re.compile(r"(^|')\s*(set|reset)\s+(local\s+|session\s+)?search_path|set_config\s*\(\s*'search_path'",
                        re.IGNORECASE)


def _sets_search_path(fn: dict[str, Any]) -> bool:
    """Does the block change its own search_path (so bare names may resolve anywhere)?"""
    texts: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "query" and isinstance(v, str):
                    texts.append(v)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(fn.get("action"))
    return any(_SETS_PATH.search(t) for t in texts)


def _set_otherwise(fn: dict[str, Any]) -> set[str]:
    """Variables that receive values other than by ``:=`` (INTO targets, GET DIAGNOSTICS, loops)."""
    out: set[str] = set()

    def names(target: Any) -> None:
        if isinstance(target, int):
            out.add(_datum_name(fn, target) or "")
        elif isinstance(target, dict):
            ((kind, v),) = target.items()
            if kind == "PLpgSQL_row":
                out.update(f["name"] for f in v.get("fields") or ())
            elif v.get("refname"):
                out.add(v["refname"])

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("target", "var"):
                    names(v)
                elif k == "PLpgSQL_stmt_foreach_a":
                    names(v.get("varno"))
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(fn.get("action"))
    return out


def block_reach(fn: dict[str, Any], catalog: Catalog) -> list[Reach]:
    """Everything a PL/pgSQL DO block may have changed (see the module doc)."""
    env = _Env()
    defaults: dict[str, list[str]] = {}
    for d in fn.get("datums") or ():
        ((_, v),) = d.items()
        if v.get("refname") and v.get("default_val"):
            defaults.setdefault(v["refname"], []).append(_expr(v["default_val"]))
    w = _Walker(fn, None if _sets_search_path(fn) else tuple(catalog.effective_path()))
    w.walk([fn["action"]], env)  # records the assignments, with the loop variables in scope
    for name in _set_otherwise(fn):  # SELECT/FETCH/EXECUTE ... INTO, GET DIAGNOSTICS: values unknown
        w.assigned.pop(name, None)
        defaults.pop(name, None)
    for name, texts in defaults.items():
        w.assigned.setdefault(name, []).extend((t, env) for t in texts)
    for name, entries in w.assigned.items():  # variables holding one constant value or array
        if len(entries) == 1 and name not in env.sources:
            values = _const_strings(_parse_expr(entries[0][0]), env)
            if values is not None:
                env.constants[name] = values
    w.collecting = False
    w.walk([fn["action"]], env)
    return w.out


# -- from reach to the objects the catalog knows ----------------------------------------------


def _in(values: Values, v: str) -> bool:
    return values is None or v in values or any(isinstance(p, _Like) and p.matches(v) for p in values)


def objects(reach: Iterable[Reach], cat: Catalog) -> list[ObjRef]:
    """The catalog's objects within ``reach``, as ObjRefs (a table brings its policies and triggers)."""
    out: dict[ObjRef, None] = {}

    def relations(r: Reach) -> None:
        for store, kind in ((cat.tables, "table"), (cat.views, "view"), (cat.sequences, "sequence")):
            for key in store:
                if _in(r.schemas, key[0]) and _in(r.names, key[1]):
                    k = kind if kind != "view" else ("materialized view" if cat.views[key].materialized else "view")
                    out[(k, qname(*key))] = None
                    if kind == "table":
                        out[("table", qname(*key))] = None
        for (s, t, name) in cat.policies:
            if _in(r.schemas, s) and _in(r.names, t):
                out[policy_ref(s, t, name)] = None
        for (s, t, name) in cat.triggers:
            if _in(r.schemas, s) and _in(r.names, t):
                out[trigger_ref(s, t, name)] = None
        for key in cat.indexes:
            if _in(r.schemas, key[0]) and (r.names is None or cat.indexes[key].table[1] in r.names):
                out[("index", qname(*key))] = None

    def functions(r: Reach) -> None:
        for f in cat.functions.values():
            if _in(r.schemas, f.schema) and _in(r.names, f.name):
                out[function_ref(f.schema, f.name, f.identity_args, f.kind)] = None

    def types(r: Reach) -> None:
        for key in cat.types:
            if _in(r.schemas, key[0]) and _in(r.names, key[1]):
                out[type_ref(key)] = None

    for r in reach:
        if r.kind in ("relation", "all"):
            relations(Reach("relation", r.schemas, r.names if r.kind != "all" else None))
        if r.kind in ("function", "all"):
            functions(Reach("function", r.schemas, r.names if r.kind != "all" else None))
        if r.kind in ("type", "all"):
            types(Reach("type", r.schemas, r.names if r.kind != "all" else None))
        if r.kind == "schema":
            for s in cat.schemas:
                if _in(r.names, s):
                    out[schema_ref(s)] = None
        if r.kind == "extension":
            out.update({("extension", e): None for e in cat.extensions if _in(r.names, e)})
        if r.kind == "publication":
            out.update({("publication", p): None for p in cat.publications if _in(r.names, p)})
        if r.kind == "all":
            for s in cat.schemas:
                if _in(r.schemas, s):
                    out[schema_ref(s)] = None
            if r.schemas is None:
                out.update({("publication", p): None for p in cat.publications})
                out.update({("extension", e): None for e in cat.extensions})
    return list(out)


_DEFAULTS_RE = re.compile(r"default\s+privileges", re.IGNORECASE)


def default_privilege_schemas(reach: Iterable[Reach], body: str) -> set[str]:
    """Schemas whose default privileges the block may have changed ("": every schema).

    A block whose reach is unbounded ("all") counts only when its text mentions default
    privileges (a statement cannot be written without the words)."""
    out: set[str] = set()
    for r in reach:
        if r.kind == "default privileges" or (r.kind == "all" and _DEFAULTS_RE.search(body)):
            if r.schemas is None or any(isinstance(v, _Like) for v in r.schemas):
                out.add("")
            else:
                out |= set(r.schemas)
    return out


def describe(reach: list[Reach]) -> str:
    """``functions named touch in schema public; tables/views/sequences in any schema``."""
    if any(r.kind == "all" and r.schemas is None for r in reach):
        return "objects of every kind in every schema"
    merged: dict[tuple[str, Values], Values] = {}
    for r in reach:
        key = (r.kind, r.schemas)
        if key in merged:
            prev = merged[key]
            merged[key] = None if prev is None or r.names is None else prev | r.names
        else:
            merged[key] = r.names
    return "; ".join(dict.fromkeys(Reach(k, s, n).describe() for (k, s), n in merged.items()))
