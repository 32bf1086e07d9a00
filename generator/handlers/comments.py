"""COMMENT ON ... IS ...: the rollback restores the earlier comment, or removes it.

Comments live in ``catalog.comments`` under the object's ``refs`` identity. The earlier
comment is known when the object is in the catalog (created by the baseline or by an
earlier migration, and not changed by a statement the generator could not analyse):
no recorded comment then means none. Otherwise the earlier comment is unknown and the
step is manual. Extensions are the exception: ``CREATE EXTENSION`` sets the comment of
the extension's control file, which the generator does not know, so unless a comment
was recorded for the extension its earlier comment is unknown.

``COMMENT ... IS NULL`` and ``IS ''`` both remove the comment, as in PostgreSQL.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import ObjectType

from ..catalog import Key
from ..engine import Context, Unsupported, handles
from ..refs import column_ref, comment_sql, constraint_ref, function_ref, policy_ref, trigger_ref, type_ref
from ..sqltext import qname, quote_ident, render
from ..steps import Step
from .grants import resolve_function

# Comments PostgreSQL itself puts on objects every database has.
BUILTIN_COMMENTS: dict[tuple[str, str], str] = {("schema", "public"): "standard public schema"}

_RELATION_KINDS = {
    ObjectType.OBJECT_TABLE: ("table",),
    ObjectType.OBJECT_VIEW: ("view",),
    ObjectType.OBJECT_MATVIEW: ("materialized view",),
    ObjectType.OBJECT_INDEX: ("index",),
    ObjectType.OBJECT_SEQUENCE: ("sequence",),
}
_FUNCTION_KINDS = (
    ObjectType.OBJECT_FUNCTION,
    ObjectType.OBJECT_PROCEDURE,
    ObjectType.OBJECT_ROUTINE,
)


def _unknown(what: str) -> Unsupported:
    return Unsupported(f"{what} is not in the migration history, so its earlier comment is not known")


def _relation(ctx: Context, names: list[str]) -> Key:
    return ctx.catalog.resolve_relation(names[-2] if len(names) > 1 else None, names[-1])


def _check_relation(ctx: Context, key: Key) -> str:
    kind = ctx.catalog.relation_kind(key)
    if kind is None:
        raise _unknown(f"relation {qname(*key)}")
    ref = ("view" if "view" in kind else "table", qname(*key))
    reason = ctx.tainted_reason(ref)
    if reason:
        raise Unsupported(reason)
    return kind


def _ref(node: ast.CommentStmt, ctx: Context) -> tuple[str, str]:
    """The ref of the commented object; Unsupported if its earlier comment is unknown."""
    cat = ctx.catalog
    ot = node.objtype
    obj = node.object
    if ot in _RELATION_KINDS:
        key = _relation(ctx, [s.sval for s in obj])
        kind = _check_relation(ctx, key)
        if kind not in _RELATION_KINDS[ot]:
            raise Unsupported(f"{qname(*key)} is a {kind}, not a {_RELATION_KINDS[ot][0]}")
        return (kind, qname(*key))
    if ot == ObjectType.OBJECT_COLUMN:
        *rel, col = [s.sval for s in obj]
        key = _relation(ctx, rel)
        kind = _check_relation(ctx, key)
        if kind == "table" and col not in cat.tables[key].columns:
            raise _unknown(f"column {qname(*key)}.{quote_ident(col)}")
        return column_ref(key, col)
    if ot in _FUNCTION_KINDS:
        f = resolve_function(cat, obj, ot)
        if f is None:
            raise _unknown(f"function {render(obj)}")
        ref = function_ref(f.schema, f.name, f.identity_args, f.kind)
    elif ot == ObjectType.OBJECT_SCHEMA:
        if obj.sval not in cat.schemas:
            raise _unknown(f"schema {quote_ident(obj.sval)}")
        ref = ("schema", quote_ident(obj.sval))
    elif ot in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN):
        names = [s.sval for s in obj.names]
        key = cat.resolve_type(names[-2] if len(names) > 1 else None, names[-1])
        if key is None:
            raise _unknown(f"type {'.'.join(names)}")
        ref = type_ref(key)
    elif ot in (ObjectType.OBJECT_POLICY, ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_TABCONSTRAINT):
        *rel, name = [s.sval for s in obj]
        key = _relation(ctx, rel)
        _check_relation(ctx, key)
        if ot == ObjectType.OBJECT_POLICY:
            known, ref = (*key, name) in cat.policies, policy_ref(*key, name)
        elif ot == ObjectType.OBJECT_TRIGGER:
            known, ref = (*key, name) in cat.triggers, trigger_ref(*key, name)
        else:
            known, ref = key in cat.tables and name in cat.tables[key].constraints, constraint_ref(key, name)
        if not known:
            raise _unknown(f"{ref[0]} {ref[1]}")
    elif ot == ObjectType.OBJECT_EXTENSION:
        ref = ("extension", quote_ident(obj.sval))
        if obj.sval not in cat.extensions or ref not in cat.comments:
            raise Unsupported(
                f"the earlier comment of extension {ref[1]} comes from its control file, which the generator does not know"
            )
    elif ot == ObjectType.OBJECT_EVENT_TRIGGER:
        if obj.sval not in cat.event_triggers:
            raise _unknown(f"event trigger {quote_ident(obj.sval)}")
        ref = ("event trigger", quote_ident(obj.sval))
    elif ot == ObjectType.OBJECT_PUBLICATION:
        if obj.sval not in cat.publications:
            raise _unknown(f"publication {quote_ident(obj.sval)}")
        ref = ("publication", quote_ident(obj.sval))
    else:
        raise Unsupported(f"comments on {ot.name[7:].lower()} objects are not supported")
    reason = ctx.tainted_reason(ref)
    if reason:
        raise Unsupported(reason)
    return ref


def current_comment(catalog, ref: tuple[str, str]) -> str | None:
    """The object's comment now; "" in the catalog records a removed built-in comment."""
    if ref in catalog.comments:
        return catalog.comments[ref] or None
    return BUILTIN_COMMENTS.get(ref)


@handles(ast.CommentStmt)
def comment(node: ast.CommentStmt, ctx: Context) -> list[Step]:
    """COMMENT ON x IS 'new' → COMMENT ON x IS 'old' (or NULL)."""
    ref = _ref(node, ctx)
    old = current_comment(ctx.catalog, ref)
    new = node.comment or None
    if new is None:
        ctx.catalog.comments.pop(ref, None)
        if ref in BUILTIN_COMMENTS:
            ctx.catalog.comments[ref] = ""  # the built-in comment was removed ('' means none)
    else:
        ctx.catalog.comments[ref] = new
    if old == new:
        return []
    return [
        Step(
            title=f"{'Restore' if old is not None else 'Remove'} comment on {ref[0]} {ref[1]}",
            group="Restore Comments",
            sql=[comment_sql(ref[0], ref[1], old)],
            search_path=ctx.catalog.signature_path(ref),
        )
    ]
