"""Renames of tables, columns and constraints, and the bookkeeping that makes the catalog
follow them.

- ``ALTER TABLE a RENAME TO b`` → ``ALTER TABLE b RENAME TO a``;
- ``ALTER TABLE t RENAME COLUMN a TO b`` → ``RENAME COLUMN b TO a``;
- ``ALTER TABLE t RENAME CONSTRAINT a TO b`` → ``RENAME CONSTRAINT b TO a``.

Recorded definitions that name the renamed object (constraints, indexes, triggers,
policies) are parsed back, the names are replaced structurally and they are rendered
again; views that read a renamed table are no longer trusted. Policies may name the
renamed table or column from any table, in subqueries: ``policy_follow`` rewrites them
where every name's binding is certain and distrusts them otherwise.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import ObjectType
from pglast.visitors import Visitor

from .. import refs
from ..catalog import Catalog, Key, ObjRef, Table
from ..engine import Context, Unsupported, handles
from ..refs import column_ref
from ..sqltext import qname, quote_ident, render
from ..steps import Step
from .policy_follow import PolicyFollower
from .tables import (
    _definition,
    constraint_ref,
    index_ref,
    parse_constraint,
    parse_expr,
    parse_stmt,
    policy_ref,
    rename_refs,
    trigger_ref,
    views_using,
)


# -- RENAME ------------------------------------------------------------------------------------


def _rewrite_definition(sql: str, fn) -> str:
    node = parse_stmt(sql)
    fn(node)
    return render(node)


def _retarget_rangevars(node: ast.Node, old: Key, new: Key) -> None:
    class V(Visitor):
        def visit_RangeVar(self, ancestors, rv):  # noqa: N802
            if rv.relname == old[1] and rv.schemaname in (old[0], None):
                rv.relname = new[1]
                if rv.schemaname:
                    rv.schemaname = new[0]

    V()(node)


def _move_ref(cat: Catalog, old: ObjRef, new: ObjRef) -> None:
    refs.move_refs(cat, old, new)


def rename_table_in_catalog(cat: Catalog, old: Key, new: Key, where: str) -> None:
    """Make every catalog entry that names table ``old`` name ``new``."""
    policies = PolicyFollower(cat, {old[1], new[1]}).start()
    table = cat.tables.pop(old)
    table.name = new[1]
    cat.tables[new] = table
    oq, nq = qname(*old), qname(*new)
    for t in cat.tables.values():
        for con in t.constraints.values():
            if con.kind == "f" and con.references == old:
                con.references = new
                node = parse_constraint(con.definition)
                node.pktable.relname = new[1]
                con.definition = _definition(node)
    for idx in cat.indexes.values():
        if idx.table == old:
            idx.table = new
            idx.definition = _rewrite_definition(idx.definition, lambda n: _retarget_rangevars(n.relation, old, new))
    for seq in cat.sequences.values():
        if seq.owned_by and seq.owned_by[0] == old:
            seq.owned_by = (new, seq.owned_by[1])
    for tkey in [k for k in cat.triggers if k[:2] == old]:
        trg = cat.triggers.pop(tkey)
        trg.table = new[1]
        trg.definition = _rewrite_definition(trg.definition, lambda n: _retarget_rangevars(n.relation, old, new))
        cat.triggers[(*new, tkey[2])] = trg
        _move_ref(cat, trigger_ref(old, tkey[2]), trigger_ref(new, tkey[2]))
    for pkey in [k for k in cat.policies if k[:2] == old]:
        pol = cat.policies.pop(pkey)
        pol.table = new[1]
        cat.policies[(*new, pkey[2])] = pol
        _move_ref(cat, policy_ref(old, pkey[2]), policy_ref(new, pkey[2]))
    for name in table.constraints:
        _move_ref(cat, constraint_ref(old, name), constraint_ref(new, name))
    for pub in cat.publications.values():
        pub.tables = [new if t == old else t for t in pub.tables]
    _move_ref(cat, ("table", oq), ("table", nq))  # columns follow
    policies.finish(where, relations={old: new})
    for vkey in views_using(cat, old):
        cat.tainted[("view", qname(*vkey))] = cat.tainted.get(("view", qname(*vkey)), f"rename of {oq}")


def rename_column_in_catalog(cat: Catalog, key: Key, old: str, new: str, where: str) -> None:
    """Make every catalog entry that names column ``old`` of ``key`` name ``new``."""
    policies = PolicyFollower(cat, {old, new}).start()
    table = cat.tables[key]
    quals = {key[1]}
    table.columns = {(new if n == old else n): c for n, c in table.columns.items()}
    table.columns[new].name = new
    for c in table.columns.values():
        if c.generated is not None:
            expr = parse_expr(c.generated)
            rename_refs(expr, old, new, quals)
            c.generated = render(expr)
    for con in table.constraints.values():
        node = parse_constraint(con.definition)
        for attr in ("keys", "including", "fk_attrs", "fk_del_set_cols"):
            vals = getattr(node, attr, None)
            if vals:
                setattr(node, attr, tuple(ast.String(new if s.sval == old else s.sval) for s in vals))
        for pair in node.exclusions or ():
            if pair[0].name == old:
                pair[0].name = new
        rename_refs(node, old, new, quals)
        con.definition = _definition(node)
        con.columns = [new if c == old else c for c in con.columns]
    for t in cat.tables.values():
        for con in t.constraints.values():
            if con.kind == "f" and con.references == key:
                node = parse_constraint(con.definition)
                if node.pk_attrs:
                    node.pk_attrs = tuple(ast.String(new if s.sval == old else s.sval) for s in node.pk_attrs)
                con.definition = _definition(node)
    for idx in cat.indexes.values():
        if idx.table == key:
            idx.definition = _rewrite_definition(idx.definition, lambda n: _rename_index_columns(n, old, new, quals))
    for trg in cat.triggers.values():
        if (trg.schema, trg.table) == key:
            trg.definition = _rewrite_definition(trg.definition, lambda n: _rename_trigger_columns(n, old, new))
    for seq in cat.sequences.values():
        if seq.owned_by == (key, old):
            seq.owned_by = (key, new)
    _move_ref(cat, column_ref(key, old), column_ref(key, new))
    policies.finish(where, columns={(key, old): new})
    if table.replica_identity == f"index:{old}":
        pass  # replica identity names an index, not a column
    for vkey in views_using(cat, key):
        if _may_name_column(cat.views[vkey].definition, old):
            cat.tainted.setdefault(("view", qname(*vkey)), where)


class _NamesColumn(Visitor):
    def __init__(self, name: str) -> None:
        self.name, self.hit = name, False

    def visit_String(self, ancestors, node):  # noqa: N802
        self.hit = self.hit or node.sval == self.name

    def visit_A_Star(self, ancestors, node):  # noqa: N802
        self.hit = True

    def visit_JoinExpr(self, ancestors, node):  # noqa: N802
        self.hit = self.hit or bool(node.isNatural)


def _may_name_column(definition: str, column: str) -> bool:
    """Whether a view's text may depend on the name of ``column``.

    Conservative: any identifier or string spelled like the column, any ``*`` and any
    NATURAL join count. A view that passes this test reads the table only through
    other columns, so renaming the column leaves its definition unchanged.
    """
    v = _NamesColumn(column)
    try:
        v(parse_stmt(definition))
    except Exception:  # unparsable stored text: assume it depends
        return True
    return v.hit


def _rename_index_columns(node: ast.IndexStmt, old: str, new: str, quals: set[str]) -> None:
    for elem in (*(node.indexParams or ()), *(node.indexIncludingParams or ())):
        if elem.name == old:
            elem.name = new
        rename_refs(elem.expr, old, new, quals)
    rename_refs(node.whereClause, old, new, quals)


def _rename_trigger_columns(node: ast.CreateTrigStmt, old: str, new: str) -> None:
    if node.columns:
        node.columns = tuple(ast.String(new if s.sval == old else s.sval) for s in node.columns)
    rename_refs(node.whenClause, old, new, {"new", "old"})


def _table_for(rv: ast.RangeVar, missing_ok: bool, ctx: Context) -> Key | None:
    key = ctx.catalog.resolve_relation(rv.schemaname, rv.relname)
    if key not in ctx.catalog.tables:
        if missing_ok and not ctx.catalog.relation_kind(key):
            return None
        raise Unsupported(f"table {qname(*key)} is not in the catalog")
    return key


@handles(ast.RenameStmt, ObjectType.OBJECT_TABLE)
def rename_table(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """ALTER TABLE a RENAME TO b → ALTER TABLE b RENAME TO a."""
    key = _table_for(node.relation, node.missing_ok, ctx)
    if key is None:
        return []
    new = (key[0], node.newname)
    if ctx.catalog.relation_name_taken(*new):
        raise Unsupported(f"the catalog already has a relation {qname(*new)}")
    rename_table_in_catalog(ctx.catalog, key, new, ctx.stmt.where)
    return [Step(
        title=f"Rename table {qname(*new)} back to {quote_ident(key[1])}",
        group="Rename Tables",
        sql=[f"ALTER TABLE {qname(*new)} RENAME TO {quote_ident(key[1])};"],
    )]


@handles(ast.RenameStmt, ObjectType.OBJECT_COLUMN)
def rename_column(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """ALTER TABLE t RENAME COLUMN a TO b → RENAME COLUMN b TO a."""
    if node.relationType != ObjectType.OBJECT_TABLE:
        raise Unsupported("renaming columns of relations other than tables is not supported")
    key = _table_for(node.relation, node.missing_ok, ctx)
    if key is None:
        return []
    table = ctx.catalog.tables[key]
    if node.subname not in table.columns:
        raise Unsupported(f"column {node.subname} of {qname(*key)} is not in the catalog")
    if node.newname in table.columns:
        raise Unsupported(f"column {node.newname} of {qname(*key)} already exists in the catalog")
    rename_column_in_catalog(ctx.catalog, key, node.subname, node.newname, ctx.stmt.where)
    q = qname(*key)
    return [Step(
        title=f"Rename column {q}.{quote_ident(node.newname)} back to {quote_ident(node.subname)}",
        group="Rename Columns",
        sql=[f"ALTER TABLE {q} RENAME COLUMN {quote_ident(node.newname)} TO {quote_ident(node.subname)};"],
    )]


def rename_constraint_in_catalog(cat: Catalog, table: Table, old: str, new: str) -> None:
    """Rename a constraint (and the index backing it, which PostgreSQL renames too)."""
    key = table.key
    table.constraints = {(new if n == old else n): c for n, c in table.constraints.items()}
    con = table.constraints[new]
    con.name = new
    _move_ref(cat, constraint_ref(key, old), constraint_ref(key, new))
    if con.index:
        idx = cat.indexes.pop((table.schema, con.index))
        _move_ref(cat, index_ref(table.schema, con.index), index_ref(table.schema, new))
        idx.name = new
        idx.constraint = new

        def fix(n: ast.IndexStmt) -> None:
            n.idxname = new

        idx.definition = _rewrite_definition(idx.definition, fix)
        cat.indexes[(table.schema, new)] = idx
        if table.replica_identity == f"index:{con.index}":
            table.replica_identity = f"index:{new}"
        con.index = new


@handles(ast.RenameStmt, ObjectType.OBJECT_TABCONSTRAINT)
def rename_constraint(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """ALTER TABLE t RENAME CONSTRAINT a TO b → RENAME CONSTRAINT b TO a."""
    key = _table_for(node.relation, node.missing_ok, ctx)
    if key is None:
        return []
    table = ctx.catalog.tables[key]
    if node.subname not in table.constraints:
        raise Unsupported(f"constraint {node.subname} of {qname(*key)} is not in the catalog")
    rename_constraint_in_catalog(ctx.catalog, table, node.subname, node.newname)
    q = qname(*key)
    return [Step(
        title=f"Rename constraint {quote_ident(node.newname)} on {q} back to {quote_ident(node.subname)}",
        group="Rename Constraints",
        sql=[f"ALTER TABLE {q} RENAME CONSTRAINT {quote_ident(node.newname)} TO {quote_ident(node.subname)};"],
    )]

