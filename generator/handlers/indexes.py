"""Indexes: CREATE INDEX, DROP INDEX, ALTER INDEX ... RENAME.

Rules implemented:

- ``CREATE INDEX`` is undone by ``DROP INDEX schema.name`` (``CONCURRENTLY`` and outside a
  transaction when the index was built concurrently). An unnamed index gets the name
  PostgreSQL would choose (``ChooseIndexName``: ``<table>_<col>..._idx`` with expression
  columns named by ``FigureIndexColname`` or ``expr``, de-duplicated, truncated to 63
  bytes, with a numeric suffix on collision). ``IF NOT EXISTS`` on a name already taken
  does nothing, so it has no inverse. The catalog keeps the full definition with the
  explicit name and qualified table, and the search_path it was written under.
- ``DROP INDEX`` is undone by recreating the recorded definition (concurrently if the drop
  was) plus its comment; an index that backs a constraint cannot be dropped (PostgreSQL
  refuses), an index the catalog does not know is a manual step.
- ``ALTER INDEX a RENAME TO b`` is undone by renaming back; the catalog follows (and so
  does the constraint the index backs, which PostgreSQL renames with it).
"""

from __future__ import annotations


from pglast import ast, parse_sql
from pglast.enums import A_Expr_Kind, DropBehavior, MinMaxOp, ObjectType, SQLValueFunctionOp, SubLinkType, XmlExprOp

from ..catalog import Catalog, Index, Key
from ..engine import Context, Unsupported, handles
from ..refs import comment_sql
from ..sqltext import NAMEDATALEN, choose_name, name_addition, qname, quote_ident, render, clone
from ..steps import Hazard, Step

GROUP_DROP = "Drop Indexes"
GROUP_RECREATE = "Recreate Indexes"
GROUP_RENAME = "Rename Indexes"


# -- PostgreSQL's automatic index names -----------------------------------------------------

_SVF_NAMES = {
    SQLValueFunctionOp.SVFOP_CURRENT_DATE: "current_date",
    SQLValueFunctionOp.SVFOP_CURRENT_TIME: "current_time",
    SQLValueFunctionOp.SVFOP_CURRENT_TIME_N: "current_time",
    SQLValueFunctionOp.SVFOP_CURRENT_TIMESTAMP: "current_timestamp",
    SQLValueFunctionOp.SVFOP_CURRENT_TIMESTAMP_N: "current_timestamp",
    SQLValueFunctionOp.SVFOP_LOCALTIME: "localtime",
    SQLValueFunctionOp.SVFOP_LOCALTIME_N: "localtime",
    SQLValueFunctionOp.SVFOP_LOCALTIMESTAMP: "localtimestamp",
    SQLValueFunctionOp.SVFOP_LOCALTIMESTAMP_N: "localtimestamp",
    SQLValueFunctionOp.SVFOP_CURRENT_ROLE: "current_role",
    SQLValueFunctionOp.SVFOP_CURRENT_USER: "current_user",
    SQLValueFunctionOp.SVFOP_USER: "user",
    SQLValueFunctionOp.SVFOP_SESSION_USER: "session_user",
    SQLValueFunctionOp.SVFOP_CURRENT_CATALOG: "current_catalog",
    SQLValueFunctionOp.SVFOP_CURRENT_SCHEMA: "current_schema",
}
_XML_NAMES = {
    XmlExprOp.IS_XMLCONCAT: "xmlconcat",
    XmlExprOp.IS_XMLELEMENT: "xmlelement",
    XmlExprOp.IS_XMLFOREST: "xmlforest",
    XmlExprOp.IS_XMLPARSE: "xmlparse",
    XmlExprOp.IS_XMLPI: "xmlpi",
    XmlExprOp.IS_XMLROOT: "xmlroot",
    XmlExprOp.IS_XMLSERIALIZE: "xmlserialize",
}
# Expression nodes PostgreSQL never names (FigureColnameInternal's default branch).
_UNNAMED = (
    ast.A_Const, ast.A_Expr, ast.BoolExpr, ast.NullTest, ast.BooleanTest, ast.ParamRef,
    ast.A_Indices, ast.SetToDefault,
)


def _figure_colname(node: ast.Node | None) -> tuple[int, str | None]:
    """PostgreSQL's ``FigureColnameInternal`` on a raw parse tree: (strength, name)."""
    if node is None:
        return 0, None
    if isinstance(node, ast.ColumnRef):
        names = [f.sval for f in node.fields if isinstance(f, ast.String)]
        return (2, names[-1]) if names else (0, None)
    if isinstance(node, ast.A_Indirection):
        names = [f.sval for f in node.indirection if isinstance(f, ast.String)]
        return (2, names[-1]) if names else _figure_colname(node.arg)
    if isinstance(node, ast.FuncCall):
        return 2, node.funcname[-1].sval
    if isinstance(node, ast.A_Expr):
        return (2, "nullif") if node.kind == A_Expr_Kind.AEXPR_NULLIF else (0, None)
    if isinstance(node, ast.TypeCast):
        strength, name = _figure_colname(node.arg)
        if strength <= 1 and node.typeName is not None:
            return 1, node.typeName.names[-1].sval
        return strength, name
    if isinstance(node, ast.CollateClause):
        return _figure_colname(node.arg)
    if isinstance(node, ast.GroupingFunc):
        return 2, "grouping"
    if isinstance(node, ast.SubLink):
        if node.subLinkType == SubLinkType.EXISTS_SUBLINK:
            return 2, "exists"
        if node.subLinkType == SubLinkType.ARRAY_SUBLINK:
            return 2, "array"
        if node.subLinkType == SubLinkType.EXPR_SUBLINK:
            raise Unsupported("cannot predict the name PostgreSQL gives an index column that is a scalar subquery")
        return 0, None
    if isinstance(node, ast.CaseExpr):
        strength, name = _figure_colname(node.defresult)
        return (1, "case") if strength <= 1 else (strength, name)
    if isinstance(node, ast.A_ArrayExpr):
        return 2, "array"
    if isinstance(node, ast.RowExpr):
        return 2, "row"
    if isinstance(node, ast.CoalesceExpr):
        return 2, "coalesce"
    if isinstance(node, ast.MinMaxExpr):
        return 2, "greatest" if node.op == MinMaxOp.IS_GREATEST else "least"
    if isinstance(node, ast.SQLValueFunction):
        return 2, _SVF_NAMES[node.op]
    if isinstance(node, ast.XmlExpr):
        name = _XML_NAMES.get(node.op)
        return (2, name) if name else (0, None)
    if isinstance(node, ast.XmlSerialize):
        return 2, "xmlserialize"
    if isinstance(node, _UNNAMED):
        return 0, None
    raise Unsupported(f"cannot predict the name PostgreSQL gives an index column of kind {type(node).__name__}")


def index_column_names(elems: list[ast.IndexElem]) -> list[str]:
    """PostgreSQL's ``ChooseIndexColumnNames`` (key columns then INCLUDE columns)."""
    result: list[str] = []
    for elem in elems:
        if elem.indexcolname:
            orig = elem.indexcolname
        elif elem.name:
            orig = elem.name
        else:
            orig = _figure_colname(elem.expr)[1] or "expr"
        cur, i = orig, 0
        while cur in result:
            i += 1
            suffix = str(i)
            cur = orig.encode()[: NAMEDATALEN - 1 - len(suffix)].decode(errors="ignore") + suffix
        result.append(cur)
    return result


def choose_index_name(catalog: Catalog, schema: str, table: str, node: ast.IndexStmt) -> str:
    """The name PostgreSQL gives ``CREATE INDEX ON schema.table (...)`` (``ChooseIndexName``)."""
    elems = list(node.indexParams or ()) + list(node.indexIncludingParams or ())
    cols = index_column_names(elems)
    return choose_name(table, name_addition(cols), "idx", lambda n: catalog.relation_name_taken(schema, n))


# -- definitions ------------------------------------------------------------------------------


def _parse_index(definition: str) -> ast.IndexStmt:
    node = parse_sql(definition)[0].stmt
    assert isinstance(node, ast.IndexStmt)
    return node


def create_sql(idx: Index, concurrent: bool = False) -> str:
    """``CREATE INDEX`` that rebuilds ``idx`` under its current name and table."""
    node = _parse_index(idx.definition)
    node.idxname = idx.name
    node.relation.schemaname, node.relation.relname = idx.table
    node.concurrent = concurrent
    node.if_not_exists = False
    return render(node) + ";"


def index_ref(schema: str, name: str) -> tuple[str, str]:
    return ("index", qname(schema, name))


def recreate_steps(catalog: Catalog, idx: Index, concurrent: bool = False, new_relation: bool = False) -> list[Step]:
    """Steps that recreate a recorded index with its comment.

    The build blocks writes to its table unless ``concurrent``, or ``new_relation`` (the
    table or materialized view was itself just recreated by the rollback).
    """
    ref = index_ref(idx.schema, idx.name)
    sql = [create_sql(idx, concurrent)]
    if ref in catalog.comments:
        sql.append(comment_sql("index", ref[1], catalog.comments[ref]))
    step = Step(
        title=f"Recreate index {qname(idx.schema, idx.name)}",
        group=GROUP_RECREATE,
        sql=sql,
        transactional=not concurrent,
        search_path=idx.search_path,
    )
    if not concurrent and not new_relation:
        step.hazard(Hazard.BLOCKS_WRITES, f"CREATE INDEX blocks writes to {qname(*idx.table)} while it builds")
    return [step]


def forget_index(catalog: Catalog, key: Key) -> None:
    """Remove an index and its comment from the catalog."""
    catalog.indexes.pop(key, None)
    catalog.drop_object_refs(index_ref(*key))


# -- CREATE INDEX -------------------------------------------------------------------------------


@handles(ast.IndexStmt)
def create_index(node: ast.IndexStmt, ctx: Context) -> list[Step]:
    """``CREATE INDEX`` → ``DROP INDEX [CONCURRENTLY] schema.name``."""
    cat = ctx.catalog
    rel = node.relation
    table_key = cat.resolve_relation(rel.schemaname, rel.relname)
    known = table_key in cat.tables or table_key in cat.views
    if not known and not rel.schemaname:
        raise Unsupported(f"table {rel.relname} is not known from earlier migrations, so its schema is not certain")
    schema = table_key[0]
    if node.idxname:
        name = node.idxname
    else:
        if not known:
            raise Unsupported(
                f"table {qname(*table_key)} is not known from earlier migrations, so the name PostgreSQL chose for the index is not certain"
            )
        name = choose_index_name(cat, schema, table_key[1], node)
    key = (schema, name)
    if cat.relation_name_taken(schema, name):
        if node.if_not_exists:
            return []  # PostgreSQL skips it with a notice: nothing to undo
        raise Unsupported(f"relation {qname(*key)} already exists, so this statement fails")

    stored = clone(node)
    stored.idxname = name
    stored.relation.schemaname = schema
    stored.concurrent = False
    stored.if_not_exists = False
    cat.indexes[key] = Index(
        schema=schema,
        name=name,
        table=table_key,
        definition=render(stored),
        unique=bool(node.unique),
        search_path=cat.search_path,
    )
    concurrently = " CONCURRENTLY" if node.concurrent else ""
    return [
        Step(
            title=f"Drop index {qname(*key)}",
            group=GROUP_DROP,
            sql=[f"DROP INDEX{concurrently} {qname(*key)};"],
            transactional=not node.concurrent,
        )
    ]


# -- DROP INDEX -----------------------------------------------------------------------------------


def _names(obj: ast.Node) -> list[str]:
    items = obj if isinstance(obj, (list, tuple)) else getattr(obj, "names", None) or [obj]
    return [i.sval for i in items]


def _resolve_index(cat: Catalog, names: list[str]) -> Key:
    if len(names) == 1:
        return cat.resolve_relation(None, names[0])
    if len(names) == 2:
        return (names[0], names[1])
    raise Unsupported(f"cross-database reference {'.'.join(names)}")


@handles(ast.DropStmt, ObjectType.OBJECT_INDEX)
def drop_index(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """``DROP INDEX`` → recreate each index from the catalog (concurrently if dropped so)."""
    cat = ctx.catalog
    steps: list[Step] = []
    keys: list[Key] = []
    for obj in node.objects:
        key = _resolve_index(cat, _names(obj))
        if key not in cat.indexes:
            if node.missing_ok and not cat.relation_name_taken(*key):
                continue  # IF EXISTS on an index that is not there: nothing happened
            if cat.relation_name_taken(*key):
                raise Unsupported(f"{qname(*key)} is a {cat.relation_kind(key)}, not an index, so DROP INDEX fails")
            raise Unsupported(f"index {qname(*key)} is not known from earlier migrations, so its definition cannot be restored")
        idx = cat.indexes[key]
        for ref in (index_ref(*key), ("table", qname(*idx.table))):
            reason = ctx.tainted_reason(ref)
            if reason:
                raise Unsupported(reason)
        if idx.constraint:
            raise Unsupported(
                f"index {qname(*key)} backs constraint {quote_ident(idx.constraint)} on {qname(*idx.table)}: "
                "PostgreSQL refuses DROP INDEX on it (drop the constraint instead), so this statement fails"
            )
        if node.behavior == DropBehavior.DROP_CASCADE and idx.unique and _referenced_by_foreign_key(cat, idx.table):
            raise Unsupported(
                f"DROP INDEX ... CASCADE on unique index {qname(*key)} may also have dropped foreign keys that "
                f"reference {qname(*idx.table)}; which ones is not known"
            )
        step = recreate_steps(cat, idx, concurrent=bool(node.concurrent))[0]
        table = cat.tables.get(idx.table)
        if table is not None and table.replica_identity == f"index:{idx.name}":
            # The table keeps REPLICA IDENTITY USING INDEX, but the new index is not marked.
            step.sql.append(f"ALTER TABLE {qname(*idx.table)} REPLICA IDENTITY USING INDEX {quote_ident(idx.name)};")
        steps.append(step)
        keys.append(key)
    for key in keys:
        forget_index(cat, key)
    return steps


def _referenced_by_foreign_key(cat: Catalog, table: Key) -> bool:
    return any(c.kind == "f" and c.references == table for t in cat.tables.values() for c in t.constraints.values())


# -- ALTER INDEX ... RENAME ---------------------------------------------------------------------------


def rename_index(cat: Catalog, key: Key, new_name: str) -> None:
    """Rename an index in the catalog (with its comment and the constraint it backs)."""
    idx = cat.indexes.pop(key)
    old_ref, new_ref = index_ref(*key), index_ref(key[0], new_name)
    old_name, idx.name = idx.name, new_name
    node = _parse_index(idx.definition)  # the recorded CREATE INDEX names it too
    node.idxname = new_name
    idx.definition = render(node)
    cat.indexes[(key[0], new_name)] = idx
    for store in (cat.comments, cat.grants, cat.tainted):
        if old_ref in store:
            store[new_ref] = store.pop(old_ref)
    table = cat.tables.get(idx.table)
    if table is None:
        return
    if table.replica_identity == f"index:{old_name}":
        table.replica_identity = f"index:{new_name}"
    if idx.constraint and idx.constraint in table.constraints:
        # PostgreSQL renames the constraint an index backs together with the index.
        old_con = idx.constraint
        table.constraints = {
            (new_name if n == old_con else n): c for n, c in table.constraints.items()
        }
        con = table.constraints[new_name]
        con.name, con.index, idx.constraint = new_name, new_name, new_name
        tqn = qname(*idx.table)
        old_cref = ("constraint", f"{quote_ident(old_con)} ON {tqn}")
        new_cref = ("constraint", f"{quote_ident(new_name)} ON {tqn}")
        for store in (cat.comments, cat.tainted):
            if old_cref in store:
                store[new_cref] = store.pop(old_cref)


@handles(ast.RenameStmt, ObjectType.OBJECT_INDEX)
def rename_index_stmt(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """``ALTER INDEX a RENAME TO b`` → ``ALTER INDEX s.b RENAME TO a``."""
    cat = ctx.catalog
    rel = node.relation
    key = cat.resolve_relation(rel.schemaname, rel.relname)
    if key not in cat.indexes:
        if node.missing_ok and not cat.relation_name_taken(*key):
            return []
        if cat.relation_name_taken(*key):
            raise Unsupported(f"ALTER INDEX ... RENAME on {cat.relation_kind(key)} {qname(*key)} is not handled")
        raise Unsupported(f"index {qname(*key)} is not known from earlier migrations")
    if cat.relation_name_taken(key[0], node.newname):
        raise Unsupported(f"relation {qname(key[0], node.newname)} already exists, so this statement fails")
    rename_index(cat, key, node.newname)
    return [
        Step(
            title=f"Rename index {qname(key[0], node.newname)} back to {quote_ident(key[1])}",
            group=GROUP_RENAME,
            sql=[f"ALTER INDEX {qname(key[0], node.newname)} RENAME TO {quote_ident(key[1])};"],
        )
    ]
