"""``ALTER TABLE t SET SCHEMA s`` → ``ALTER TABLE s.t SET SCHEMA <old>``.

PostgreSQL moves the table with its indexes, constraints, triggers, policies and the
sequences its columns own (serial and identity), and keeps every reference to them (by
OID). The catalog is re-keyed the same way: the table (through the rename machinery of
``tables``), its indexes and owned sequences (with their grants and comments), column
defaults that call a moved sequence, and views whose query names the table (their
recorded text is rewritten to the new name, as ``pg_get_viewdef`` would now print it).
Policy expressions that name the table are rewritten where certain, distrusted otherwise
(``policy_follow``).
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import ObjectType

from ..catalog import Catalog, Key
from ..engine import Context, Unsupported, handles
from ..refs import move_refs
from ..sqltext import qname, quote_ident, render
from ..steps import Step
from . import sequences
from . import views as view_handlers
from .table_renames import _table_for, rename_table_in_catalog
from .tables import index_ref, parse_stmt


def _rewrite_views(cat: Catalog, old: Key, new: Key) -> list[Key]:
    """Point recorded view queries that read ``old`` at ``new``; the views rewritten."""
    done = []
    for vkey, view in cat.views.items():
        node = parse_stmt(view.definition)
        hit = False
        for rv in view_handlers._rangevars(node.query):
            if rv.relname == old[1] and view_handlers._resolve_under(cat, view.search_path, rv.schemaname, rv.relname) == old:
                rv.schemaname, rv.relname = new
                hit = True
        if hit:
            view.definition = render(node)
            view.star_sources = {(new if k == old else k): v for k, v in view.star_sources.items()}
            done.append(vkey)
    return done


def move_table(cat: Catalog, ctx: Context, old: Key, new_schema: str) -> None:
    new = (new_schema, old[1])
    rewritten = _rewrite_views(cat, old, new)
    tainted_before = set(cat.tainted)
    rename_table_in_catalog(cat, old, new, ctx.stmt.where)  # policies naming it follow
    cat.tables[new].schema = new_schema
    for store in (cat.triggers, cat.policies):
        for k, obj in store.items():
            if k[:2] == new:
                obj.schema = new_schema
    for vkey in rewritten:  # their text now names the moved table: still trustworthy
        for ref in (("view", qname(*vkey)), ("materialized view", qname(*vkey))):
            if ref not in tainted_before:
                cat.tainted.pop(ref, None)
    for ikey in [k for k, i in cat.indexes.items() if i.table == new and k[0] != new_schema]:
        idx = cat.indexes.pop(ikey)
        idx.schema = new_schema
        cat.indexes[(new_schema, idx.name)] = idx
        move_refs(cat, index_ref(*ikey), index_ref(new_schema, idx.name))
    for seq in [s for s in cat.sequences.values() if s.owned_by and s.owned_by[0] == new and s.schema != new_schema]:
        sequences.move_sequence(cat, seq, (new_schema, seq.name))


@handles(ast.AlterObjectSchemaStmt, ObjectType.OBJECT_TABLE)
def set_table_schema(node: ast.AlterObjectSchemaStmt, ctx: Context) -> list[Step]:
    """``ALTER TABLE t SET SCHEMA s`` → move it (and what moved with it) back."""
    cat = ctx.catalog
    key = _table_for(node.relation, node.missing_ok, ctx)
    if key is None:
        return []
    if node.newschema == key[0]:
        return []
    if node.newschema not in cat.schemas:
        raise Unsupported(f"schema {quote_ident(node.newschema)} is not known from earlier migrations")
    new = (node.newschema, key[1])
    if cat.relation_name_taken(*new):
        raise Unsupported(f"relation {qname(*new)} already exists, so this statement fails")
    reason = ctx.tainted_reason(("table", qname(*key)))
    if reason:
        raise Unsupported(reason)
    move_table(cat, ctx, key, node.newschema)
    return [Step(
        title=f"Move table {qname(*new)} back to schema {quote_ident(key[0])}",
        group="Rename Tables",
        sql=[f"ALTER TABLE {qname(*new)} SET SCHEMA {quote_ident(key[0])};"],
    )]
