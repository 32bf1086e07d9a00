"""Removing a value from an enum: the inverse of ``ALTER TYPE ... ADD VALUE``.

PostgreSQL cannot drop an enum label, so the rollback rebuilds the type without it:

1. a guard (``DO`` block) counts, per column of the type, the rows that hold the value and
   stops with ``enum value 'x' of public.mood is still used by N rows of public.t.c``;
2. everything that records a dependency on the type and would either block the column
   conversion or keep the old type alive is dropped: views that read the tables or name
   the type (with their dependents), policies that use the columns, read one of the
   tables or dropped views in a subquery (a policy of ANY table) or name the type,
   triggers whose WHEN uses the columns, CHECK constraints and expression/partial indexes
   over the columns (their enum constants are typed), functions with the type in their
   signature or SQL-standard body, SQL-standard bodies that read the tables (PostgreSQL
   records the columns they read) or call a dropped function, and whatever calls those;
   defaults of other columns that name the type are dropped and set again;
3. ``CREATE TYPE <free name> AS ENUM (<labels before>)``, each column converted to it
   ``USING c::text::<free name>`` (its default dropped before), ``DROP TYPE t``,
   ``ALTER TYPE <free name> RENAME TO t``, then the owner, grants, comment and defaults;
4. everything from step 2 is recreated, functions first, views last.

Plain indexes and PRIMARY KEY/UNIQUE constraints on the columns are rebuilt by
``ALTER COLUMN TYPE`` itself. What the rebuild cannot carry (domains or composite types
over the enum, foreign keys or exclusion constraints on its columns, generated columns
over them, defaults calling a function that is rebuilt, a publication column list of
their table, a SQL-standard body reading a dropped view) makes it a manual step, and so
does what the catalog cannot vouch for: a table (known or not: an opaque CREATE TABLE
taints the name it creates) or unknown view that a statement the generator could not
analyse made or changed (its columns, rules and dependents are not known).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from pglast import ast
from pglast.parser import scan
from pglast.visitors import Visitor

from ..catalog import Catalog, Constraint, Function, Index, Key, Policy, Table, Trigger, Type
from ..engine import Context, Unsupported
from ..refs import restore_refs_sql, type_ref
from ..sqltext import NAMEDATALEN, literal, may_name, name_test, qname, quote_ident, truncate_identifier
from ..steps import Hazard, Step
from ..textscan import Scan, may_name_any
from . import functions as fn_handlers
from . import indexes as idx_handlers
from . import dependents, owners, triggers
from . import views as view_handlers
from .tables import (
    add_constraint_sql,
    column_refs,
    comment_restore,
    constraint_ref,
    parse_constraint,
    parse_expr,
    parse_stmt,
    policy_sql,
    referenced_columns,
)


class _Names(Visitor):
    """Type names and function names a parse tree mentions."""

    def __init__(self) -> None:
        self.types: list[tuple[str | None, str]] = []
        self.funcs: list[tuple[str | None, str]] = []

    def visit_TypeName(self, ancestors, node):  # noqa: N802
        names = [n.sval for n in node.names if isinstance(n, ast.String)]
        if names and names[0] != "pg_catalog":
            self.types.append((names[-2] if len(names) > 1 else None, names[-1]))

    def visit_FuncCall(self, ancestors, node):  # noqa: N802
        names = [n.sval for n in node.funcname]
        self.funcs.append((names[-2] if len(names) > 1 else None, names[-1]))


def names_in(node: ast.Node | None) -> _Names:
    v = _Names()
    if node is not None:
        v(node)
    return v


def mentions_type(cat: Catalog, node: ast.Node | None, path: tuple[str, ...], key: Key) -> bool:
    """Whether a parse tree names type ``key`` (unqualified names resolved under ``path``)."""
    saved, cat.search_path = cat.search_path, path
    try:
        return any(cat.resolve_type(s, n) == key for s, n in names_in(node).types)
    finally:
        cat.search_path = saved


def calls_any(node: ast.Node | None, funcs: list[Function]) -> bool:
    """Whether a parse tree calls a function with the name of one of ``funcs`` (over-approximated)."""
    wanted = {(f.schema, f.name) for f in funcs}
    names = {f.name for f in funcs}
    return any((s, n) in wanted or (s is None and n in names) for s, n in names_in(node).funcs)


def _column_uses(cat: Catalog, col_type: str, key: Key) -> bool:
    return may_name(col_type, [key[1]]) and mentions_type(cat, parse_expr(f"NULL::{col_type}"), ("public",), key)


@dataclass
class Plan:
    columns: list[tuple[Table, str, bool]] = field(default_factory=list)  # (table, column, is_array)
    views: list[Key] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    constraints: list[tuple[Table, Constraint]] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)  # in creation order
    defaults: list[tuple[Table, str]] = field(default_factory=list)  # other columns whose default names the type


def _expr_nodes(text: str | None) -> ast.Node | None:
    return parse_expr(text) if text is not None else None


def refuse_unknown_relations(ctx: Context, what: str) -> None:
    """Raise when a table (known or not) or a view the catalog does not know was made or
    changed by a statement the generator could not analyse: its columns, and so what
    depends on ``what``, are not known."""
    cat = ctx.catalog
    for ref in list(cat.tainted):
        kind, name = ref
        if kind == "table" or (kind in ("view", "materialized view")
                               and not any(qname(*k) == name for k in cat.views)):
            raise Unsupported(f"{ctx.tainted_reason(ref)}; it may depend on {what}")


def _sql_body(f: Function) -> ast.Node | None:
    """The parsed body of a SQL-standard (``BEGIN ATOMIC`` / ``RETURN``) function, whose
    dependencies PostgreSQL records like a view's; None for a body kept as a string."""
    return _sql_body_of(f.definition)


@lru_cache(maxsize=4096)
def _sql_body_of(definition: str) -> ast.Node | None:
    # (every ADD VALUE asks this of every function: parsed once per definition; read only)
    low = definition.lower()
    if "atomic" not in low and "return" not in low:
        return None
    # A SQL-standard body starts with the keyword RETURN or BEGIN ATOMIC; in a body kept as a
    # string those words are inside one string token. Scanning is much cheaper than parsing.
    try:
        if not any(t.name in ("RETURN", "ATOMIC") for t in scan(definition)):
            return None
    except Exception:  # noqa: BLE001 - (the parser says what is wrong)
        pass
    return fn_handlers.parse_definition(definition).sql_body


def _creation_order(funcs: list[Function]) -> list[Function]:
    """``funcs`` with each one after the functions of the list its body calls."""
    out: list[Function] = []
    rest = list(funcs)
    while rest:
        ready = [f for f in rest if not calls_any(_sql_body(f), [g for g in rest if g is not f])]
        ready = ready or rest[:1]  # a cycle (only overloads could make one): keep the order
        out += ready
        rest = [f for f in rest if f not in ready]
    return out


# Scans of the catalog for what may name a type (generator/textscan.py): its texts (and keys)
_TABLES = Scan(
    "enums.table",
    lambda t: [*(c.definition for c in t.constraints.values()),
               *(c.default for c in t.columns.values()), *(c.generated for c in t.columns.values())],
    lambda t: [("table", t.key), *(("type", c.type) for c in t.columns.values())],
    lambda t: [t.columns, t.constraints, *t.columns.values(), *t.constraints.values()],
)
_INDEXES = Scan("enums.index", lambda i: (i.definition,), lambda i: (i.table,))
_POLICIES = Scan("enums.policy", lambda p: (p.using, p.check), lambda p: ((p.schema, p.table),))
_TRIGGERS = Scan("enums.trigger", lambda t: (t.definition,), lambda t: ((t.schema, t.table),))
_FUNCTIONS = Scan("enums.function", lambda f: (f.definition,), lambda f: ("body",) if _sql_body(f) is not None else ())


def _picked(scan: Scan, objs: list, names: list[str], keys=()) -> list:
    """The ``objs`` whose text may name one of ``names`` (``sqltext.name_test``), or with one
    of ``keys``, in order: what a loop over ``objs`` that first tests that goes on to look at."""
    return [objs[i] for i in scan.find(objs, names, keys)]


def plan(ctx: Context, key: Key) -> Plan:
    """What must be dropped and recreated around rebuilding enum ``key``.

    PostgreSQL will not change the type of a column that a view, rule, policy (of any table:
    a subquery reading the column counts), trigger WHEN, CHECK constraint, index expression,
    generated column, SQL-standard function body or publication column list depends on, nor
    drop a type that a signature, default, constraint, index, policy or view names.
    """
    cat = ctx.catalog
    p = Plan()
    q = qname(*key)
    names_enum = name_test([key[1]])
    if cat.tainted:
        refuse_unknown_relations(ctx, q)
    # the column types that are (arrays of) the enum: each distinct type spelling decided once.
    # Every ADD VALUE asks this (and what follows) of the whole catalog: the scans
    # (generator/textscan.py) return only the objects whose texts may name what is looked for.
    every_table = list(cat.tables.values())
    types = [k[1] for k in _TABLES.all_keys(every_table) if k[0] == "type"]
    uses = {ty for ty in (types[i] for i in may_name_any(types, [key[1]])) if _column_uses(cat, ty, key)}
    if uses:
        p.columns = [(t, c.name, c.type.endswith("]")) for t in _picked(_TABLES, every_table, [], [("type", ty) for ty in uses])
                     for c in t.columns.values() if c.type in uses]
    for tk, ty in cat.types.items():
        if tk != key and ty.kind in ("domain", "composite", "range") and names_enum(ty.definition) and mentions_type(
            cat, parse_stmt(ty.definition), ty.search_path, key
        ):
            raise Unsupported(f"{ty.kind} {qname(*tk)} is built on {q}; rebuilding it is not automated")
    cols = {(t.key, c) for t, c, _ in p.columns}
    tables = {t.key for t, _, _ in p.columns}
    for pub in cat.publications.values():
        for tk in tables & set(pub.table_specs):
            if pub.table_specs[tk].lstrip().startswith("("):
                raise Unsupported(f"publication {quote_ident(pub.name)} publishes a column list of {qname(*tk)}, "
                                  f"which may hold a column of {q}; rebuilding the type around it is not automated")

    def trusted(f: Function) -> Function:
        reason = ctx.tainted_reason(fn_handlers.function_ref(f))
        if reason:
            raise Unsupported(reason)
        return f

    every_function = list(cat.functions.values())
    functions = [trusted(f) for f in _picked(_FUNCTIONS, every_function, [key[1]])
                 if names_enum(f.definition) and mentions_type(
                     cat, fn_handlers.parse_definition(f.definition), f.search_path, key)]
    every_view = list(cat.views.items())
    view_objs = [v for _, v in every_view]
    # views and SQL-body functions read each other's outputs: grow both until neither changes
    while True:
        wanted = [key[1]] + [f.name for f in functions]  # what a definition must name to matter
        names_wanted = name_test(wanted)
        direct = [
            vk for vk, v in (every_view[i] for i in view_handlers.VIEWS.find(view_objs, wanted))
            if names_wanted(v.definition) and (
                mentions_type(cat, parse_stmt(v.definition), v.search_path, key)
                or calls_any(parse_stmt(v.definition), functions)
            )
        ]
        views = view_handlers.creation_order(
            cat, sorted(set(direct) | set(view_handlers.dependent_views(cat, sorted(set(direct) | tables)))))
        read = tables | set(views)
        more = [f for f in _picked(_FUNCTIONS, every_function, [], ["body"])
                if f not in functions and (body := _sql_body(f)) is not None and (
            dependents.reads_any(cat, body, f.search_path, read) or calls_any(body, functions))]
        if not more:
            break
        functions += [trusted(f) for f in more]
    for f in functions:
        body = _sql_body(f)
        if body is not None and views and dependents.reads_any(cat, body, f.search_path, set(views)):
            raise Unsupported(f"{f.kind} {f.signature} reads a view that rebuilding {q} recreates; "
                              "recreating them in order is not automated")
    p.functions = _creation_order(functions)
    p.views = views
    for vk in p.views:
        for ref in (view_handlers.view_ref(cat.views[vk]), ("table", qname(*vk))):
            reason = ctx.tainted_reason(ref)
            if reason:
                raise Unsupported(reason)

    def uses_columns(table: Key, node: ast.Node | None) -> bool:
        if node is None:
            return False
        return any((table, r[-1]) in cols for r in column_refs(node).refs)

    def names_it(node: ast.Node | None, path: tuple[str, ...]) -> bool:
        return mentions_type(cat, node, path, key) or calls_any(node, p.functions)

    for t in _picked(_TABLES, every_table, wanted, [("table", tk) for tk in tables]):
        ours = t.key in tables
        for con in t.constraints.values():
            if not ours and not names_wanted(con.definition):
                continue
            involved = [c for c in con.columns if (t.key, c) in cols]
            if con.kind in ("f", "x") and involved:
                raise Unsupported(
                    f"constraint {quote_ident(con.name)} of {qname(*t.key)} involves a column of {q}; "
                    "rebuilding the type around it is not automated"
                )
            if con.kind == "c" and (involved or names_it(parse_constraint(con.definition), t.search_path)):
                p.constraints.append((t, con))
        for c in t.columns.values():
            if c.generated is not None and (ours or names_wanted(c.generated)):
                gen = _expr_nodes(c.generated)
                if uses_columns(t.key, gen) or names_it(gen, t.search_path):
                    raise Unsupported(f"generated column {qname(*t.key)}.{quote_ident(c.name)} uses {q}; "
                                      "rebuilding the type around it is not automated")
            if not names_wanted(c.default):
                continue
            default = _expr_nodes(c.default)
            if calls_any(default, p.functions):
                raise Unsupported(f"column {qname(*t.key)}.{quote_ident(c.name)} calls a function that uses {q}")
            if (t.key, c.name) not in cols and mentions_type(cat, default, t.search_path, key):
                p.defaults.append((t, c.name))
    for idx in _picked(_INDEXES, list(cat.indexes.values()), wanted, tables):
        if idx.constraint is not None or (idx.table not in tables and not names_wanted(idx.definition)):
            continue
        node = parse_stmt(idx.definition)
        exprs = [e.expr for e in node.indexParams or () if e.expr is not None]
        if any(uses_columns(idx.table, e) for e in exprs) or uses_columns(idx.table, node.whereClause) or (
            names_it(node, idx.search_path)
        ):
            p.indexes.append(idx)
    read = tables | set(p.views)
    names_read = name_test(sorted({k[1] for k in read}))
    for pol in _picked(_POLICIES, list(cat.policies.values()), sorted({k[1] for k in read}) + wanted, tables):
        tk = (pol.schema, pol.table)
        if tk not in tables and not any(names_read(e) or names_wanted(e) for e in (pol.using, pol.check)):
            continue  # (a subquery can read a table or view only by naming it: cheap test first)
        exprs = [_expr_nodes(e) for e in (pol.using, pol.check) if e is not None]
        if (tk in tables and any(uses_columns(tk, e) for e in exprs)) or (
            # a subquery reading one of the tables: PostgreSQL records the columns it reads
            any(dependents.reads_any(cat, e, pol.search_path, read) for e in exprs)
        ) or ((names_wanted(pol.using) or names_wanted(pol.check)) and any(names_it(e, pol.search_path) for e in exprs)):
            p.policies.append(pol)
    for trg in [trg for trg in _picked(_TRIGGERS, list(cat.triggers.values()), wanted, tables)
                if (trg.schema, trg.table) in tables or names_wanted(trg.definition)]:
        tk = (trg.schema, trg.table)
        node = parse_stmt(trg.definition)
        tcols = [s.sval for s in node.columns or ()] + referenced_columns(node.whenClause, {"new", "old"})
        if any((tk, c) in cols for c in tcols) or names_it(node.whenClause, ("public",)):
            p.triggers.append(trg)
    return p


def _esc(text: str) -> str:
    return text.replace("%", "%%")


def _guard_sql(key: Key, values: list[str], columns: list[tuple[Table, str, bool]]) -> str:
    """A DO block that stops the rollback while any row still holds one of ``values``."""
    lines = ["DO $rollback$", "DECLARE n bigint;", "BEGIN"]
    if len(values) == 1:
        shown = f"enum value '{values[0]}' of {qname(*key)} is"
        match = f"= {literal(values[0])}"
    else:
        shown = f"enum values of {qname(*key)} the rollback removes ('{values[0]}'...) are"
        match = f"= ANY (ARRAY[{', '.join(literal(v) for v in values)}])"
    for t, c, is_array in columns:
        cq = quote_ident(c)
        if is_array:
            cond = f"{cq}::text[] && ARRAY[{', '.join(literal(v) for v in values)}]"
        else:
            cond = f"{cq}::text {match}"
        where = f"{qname(*t.key)}.{cq}"
        message = _esc(f"{shown} still used by ") + "%" + _esc(f" rows of {where}")
        lines.append(f"  SELECT count(*) INTO n FROM {qname(*t.key)} WHERE {cond};")
        lines.append(f"  IF n > 0 THEN RAISE EXCEPTION {literal(message)}, n; END IF;")
    lines += ["END", "$rollback$;"]
    return "\n".join(lines)


def _free_name(cat: Catalog, key: Key) -> str:
    """``<name>_new``, then ``<name>_new1``...: a free type name of at most 63 bytes (the
    base is shortened to leave room for the number, or PostgreSQL would cut the number off)."""
    n = 0
    while True:
        suffix = str(n) if n else ""
        name = truncate_identifier(f"{key[1]}_new", NAMEDATALEN - 1 - len(suffix)) + suffix
        if (key[0], name) not in cat.types and not cat.relation_name_taken(key[0], name):
            return name
        n += 1


def _shown(values: list[str]) -> str:
    if len(values) == 1:
        return f"the value {literal(values[0])}"
    first = ", ".join(literal(v) for v in values[:3])
    return f"the values {first}" + (f" and {len(values) - 3} more" if len(values) > 3 else "")


def remove_value_steps(ctx: Context, t: Type, values: list[str], labels: list[str]) -> list[Step]:
    """Steps that rebuild enum ``t`` with ``labels`` (it now also has ``values``)."""
    cat = ctx.catalog
    key = (t.schema, t.name)
    q = qname(*key)
    p = plan(ctx, key)
    steps: list[Step] = []
    if p.columns:
        steps.append(Step(title=f"Check that no row uses {_shown(values).removeprefix('the ')} of {q}",
                          group="Restore Types", sql=[_guard_sql(key, values, p.columns)]))
    drops: list[str] = []
    drops += [f"DROP POLICY {quote_ident(pol.name)} ON {qname(pol.schema, pol.table)};" for pol in p.policies]
    drops += [f"DROP {view_handlers.kind_of(cat.views[vk]).upper()} {qname(*vk)};" for vk in reversed(p.views)]
    drops += [f"DROP TRIGGER {quote_ident(tr.name)} ON {qname(tr.schema, tr.table)};" for tr in p.triggers]
    drops += [f"ALTER TABLE {qname(*tb.key)} DROP CONSTRAINT {quote_ident(con.name)};" for tb, con in p.constraints]
    drops += [f"DROP INDEX {qname(i.schema, i.name)};" for i in p.indexes]
    drops += [f"DROP {f.kind.upper()} {f.signature};" for f in reversed(p.functions)]
    if drops:
        steps.append(Step(title=f"Drop what depends on {q} before rebuilding it", group="Restore Types", sql=drops))
    tmp = qname(key[0], _free_name(cat, key))
    sql = [f"CREATE TYPE {tmp} AS ENUM ({', '.join(literal(v) for v in labels)});"]
    later: list[str] = []
    for tb, c, is_array in p.columns:
        col = tb.columns[c]
        cq = quote_ident(c)
        target = f"{tmp}[]" if is_array else tmp
        actions = []
        if col.default is not None:
            actions.append(f"ALTER COLUMN {cq} DROP DEFAULT")
            later.append(f"ALTER TABLE {qname(*tb.key)} ALTER COLUMN {cq} SET DEFAULT {col.default};")
        actions.append(f"ALTER COLUMN {cq} TYPE {target} USING {cq}::text{'[]' if is_array else ''}::{target}")
        sql.append(f"ALTER TABLE {qname(*tb.key)} {', '.join(actions)};")
    for tb, c in p.defaults:  # other columns whose default names the type (a cast)
        cq = quote_ident(c)
        sql.append(f"ALTER TABLE {qname(*tb.key)} ALTER COLUMN {cq} DROP DEFAULT;")
        later.append(f"ALTER TABLE {qname(*tb.key)} ALTER COLUMN {cq} SET DEFAULT {tb.columns[c].default};")
    sql.append(f"DROP TYPE {q};")
    sql.append(f"ALTER TYPE {tmp} RENAME TO {quote_ident(key[1])};")
    sql += owners.owner_sql(f"ALTER TYPE {q}", t.owner, cat.current_user)
    sql += restore_refs_sql(cat, type_ref(key), t.schema)
    sql += later
    paths = [tb.search_path for tb, c, _ in p.columns if tb.columns[c].default is not None]
    paths += [tb.search_path for tb, _ in p.defaults]
    rebuild = Step(title=f"Rebuild {q} without {_shown(values)}", group="Restore Types", sql=sql,
                   search_path=paths[0] if paths else None)
    for tb, c, _ in p.columns:
        rebuild.hazard(Hazard.REWRITES_TABLE, f"converting {qname(*tb.key)}.{quote_ident(c)} to the rebuilt type rewrites the table")
        rebuild.hazard(Hazard.ACCESS_EXCLUSIVE_LOCK, f"{qname(*tb.key)} is locked while it is converted")
    steps.append(rebuild)
    for f in p.functions:
        steps.append(Step(title=f"Recreate {f.kind} {f.signature}", group="Recreate Functions",
                          sql=fn_handlers.recreate_sql(f, cat), search_path=f.search_path))
    for tb, con in p.constraints:
        sql = [add_constraint_sql(tb.key, con), *comment_restore(cat, constraint_ref(tb.key, con.name))]
        steps.append(Step(title=f"Restore constraint {quote_ident(con.name)} on {qname(*tb.key)}",
                          group="Restore Constraints", sql=sql, search_path=con.search_path or tb.search_path))
    for i in p.indexes:
        steps += idx_handlers.recreate_steps(cat, i)
    for tr in p.triggers:
        steps.append(Step(title=f"Recreate trigger {quote_ident(tr.name)} on {qname(tr.schema, tr.table)}",
                          group="Recreate Triggers", sql=triggers.recreate_sql(tr, cat)))
    if p.views:
        steps += view_handlers.recreate_steps(cat, p.views)
    for pol in p.policies:  # after the views: a policy may read one
        steps.append(Step(title=f"Recreate policy {quote_ident(pol.name)} on {qname(pol.schema, pol.table)}",
                          group="Recreate Policies", sql=policy_sql(cat, pol), search_path=pol.search_path))
    return steps
