"""Schemas: CREATE SCHEMA, DROP SCHEMA, ALTER SCHEMA ... RENAME.

Rules implemented:

- ``CREATE SCHEMA [IF NOT EXISTS] s [AUTHORIZATION r]`` → ``DROP SCHEMA s`` (RESTRICT).
  Objects the same migration creates in it are dropped earlier by the rollback, each step
  carrying its own data-loss hazard; objects a later migration put there make the drop
  fail rather than destroy them, so the step itself deletes nothing. ``IF NOT EXISTS`` on
  an existing schema does nothing, including a schema an extension made (pg_net's
  ``net``, see ``extensions.MEMBER_SCHEMAS``). Embedded schema elements are not handled.
- ``DROP SCHEMA s`` of an empty schema → recreate it with its owner, grants, comment and
  the default privileges set ``IN SCHEMA s`` (PostgreSQL drops those with the schema).
  With ``CASCADE`` over objects the catalog knows, the contents are recreated too (see
  ``schema_cascade``: tables come back without their rows); when some of it cannot be,
  it is a manual step that lists what was lost. A schema that belongs to an extension
  cannot be dropped (PostgreSQL refuses): manual.
- ``ALTER SCHEMA a RENAME TO b`` → rename back. The catalog is re-keyed; recorded
  definitions that name the schema are rewritten through their parse trees, and objects
  whose text still names it (string bodies, expressions kept as text) are distrusted.
"""

from __future__ import annotations

import re

from pglast import ast, parse_sql
from pglast.enums import DropBehavior, ObjectType
from pglast.visitors import Visitor

from ..catalog import Catalog, Schema
from ..engine import Context, Unsupported, handles
from ..refs import restore_refs_sql, role_name, schema_ref
from ..sqltext import qname, quote_ident, render
from ..steps import Hazard, Step
from . import grants, owners, schema_cascade
from . import views as view_handlers

GROUP_DROP = "Drop Schemas"
GROUP_RECREATE = "Recreate Schemas"
GROUP_RENAME = "Rename Schemas"


@handles(ast.CreateSchemaStmt)
def create_schema(node: ast.CreateSchemaStmt, ctx: Context) -> list[Step]:
    """``CREATE SCHEMA`` → ``DROP SCHEMA`` (RESTRICT)."""
    cat = ctx.catalog
    owner = role_name(node.authrole, cat.current_user) if node.authrole else cat.current_user
    name = node.schemaname or owner
    if node.schemaElts:
        raise Unsupported("CREATE SCHEMA with embedded schema elements is not handled; create them in separate statements")
    if name in cat.schemas:
        if node.if_not_exists:
            return []
        raise Unsupported(f"schema {quote_ident(name)} already exists, so this statement fails")
    cat.schemas[name] = Schema(name=name, owner=owner)
    cat.apply_default_privileges("schema", name, schema_ref(name))
    return [Step(title=f"Drop schema {quote_ident(name)}", group=GROUP_DROP, sql=[f"DROP SCHEMA {quote_ident(name)};"])]


# -- DROP SCHEMA ------------------------------------------------------------------------------------


def contents(cat: Catalog, name: str) -> list[str]:
    """Human descriptions of every object the catalog holds in schema ``name``."""
    out: list[str] = []
    out += [f"table {qname(*k)}" for k in cat.tables if k[0] == name]
    out += [f"{view_handlers.kind_of(v)} {qname(*k)}" for k, v in cat.views.items() if k[0] == name]
    out += [f"sequence {qname(*k)}" for k, s in cat.sequences.items() if k[0] == name and s.owned_by is None]
    out += [f"function {f.signature}" for k, f in cat.functions.items() if k[0] == name]
    out += [f"type {qname(*k)}" for k in cat.types if k[0] == name]
    out += [f"extension {quote_ident(e.name)}" for e in cat.extensions.values() if e.schema == name]
    return out


def _schema_token(name: str) -> re.Pattern[str]:
    """Matches ``name.`` as a qualifier (quoted as SQL would write it)."""
    return re.compile(r'(?<![\w"$.])' + re.escape(quote_ident(name)) + r"\.")


def _forget_contents(cat: Catalog, ctx: Context, name: str) -> None:
    """Remove from the catalog what DROP SCHEMA ... CASCADE destroyed; distrust what touched it."""
    gone_rel = {k for k in [*cat.tables, *cat.views, *cat.sequences, *cat.types] if k[0] == name}
    gone_views = [k for k in cat.views if k[0] == name]
    gone_views += [k for k in view_handlers.dependent_views(cat, sorted(gone_rel)) if k not in gone_views]
    for key in gone_views:
        view_handlers.forget_view(cat, key)
    for store in (cat.tables, cat.indexes, cat.sequences, cat.types):
        for key in [k for k in store if k[0] == name]:
            del store[key]
    for key in [k for k, i in cat.indexes.items() if i.table[0] == name]:
        del cat.indexes[key]
    for store in (cat.functions, cat.triggers, cat.policies):
        for key in [k for k in store if k[0] == name]:
            del store[key]
    for et in [e for e, x in cat.event_triggers.items() if x.function[0] == name]:
        del cat.event_triggers[et]  # (their function went with the schema)
    for ext in [e for e, x in cat.extensions.items() if x.schema == name]:
        del cat.extensions[ext]
        for member in [s for s, x in cat.schemas.items() if x.extension == ext and s != name]:
            del cat.schemas[member]
    cat.default_privileges = [d for d in cat.default_privileges if d.schema != name]
    token = _schema_token(name)
    for store in (cat.grants, cat.grant_options, cat.comments, cat.tainted):
        for ref in [r for r in store if token.search(r[1]) or r == schema_ref(name)]:
            del store[ref]
    # Tables elsewhere may have lost foreign keys, columns of its types or defaults.
    for key, table in cat.tables.items():
        texts = [c.type + " " + (c.default or "") + " " + (c.generated or "") for c in table.columns.values()]
        texts += [c.definition for c in table.constraints.values()]
        if any(c.references and c.references[0] == name for c in table.constraints.values()) or any(
            token.search(t) for t in texts
        ):
            ctx.taint(("table", qname(*key)))
    del cat.schemas[name]


@handles(ast.DropStmt, ObjectType.OBJECT_SCHEMA)
def drop_schema(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """``DROP SCHEMA`` → recreate an empty schema with owner, grants, comment; CASCADE over contents is manual."""
    cat = ctx.catalog
    steps: list[Step] = []
    for obj in node.objects:
        name = obj.sval
        if name not in cat.schemas:
            if node.missing_ok:
                continue
            raise Unsupported(f"schema {quote_ident(name)} is not known from earlier migrations")
        reason = ctx.tainted_reason(schema_ref(name))
        if reason:
            raise Unsupported(reason)
        schema = cat.schemas[name]
        if schema.extension:
            raise Unsupported(
                f"schema {quote_ident(name)} belongs to extension {quote_ident(schema.extension)}: PostgreSQL refuses "
                f"to drop it (\"extension {schema.extension} requires it\"); DROP EXTENSION drops it"
            )
        create = f"CREATE SCHEMA {quote_ident(name)}"
        if schema.owner and schema.owner != cat.current_user:
            create += f" AUTHORIZATION {quote_ident(schema.owner)}"
        # (its default privileges went with it: restored before its contents come back)
        sql = [create + ";", *restore_refs_sql(cat, schema_ref(name), None),
               *grants.schema_default_privileges_sql(cat, name)]
        lost = contents(cat, name)
        if lost:
            if node.behavior != DropBehavior.DROP_CASCADE:
                raise Unsupported(f"schema {quote_ident(name)} is not empty ({', '.join(lost)}): PostgreSQL refuses DROP without CASCADE")
            try:
                contents_steps = schema_cascade.cascade(ctx, name)
            except Unsupported as exc:
                reason = str(exc)
            else:
                steps.append(Step(title=f"Recreate schema {quote_ident(name)}", group=GROUP_RECREATE, sql=sql))
                steps += contents_steps
                cat.drop_object_refs(schema_ref(name))
                cat.default_privileges = [d for d in cat.default_privileges if d.schema != name]
                del cat.schemas[name]
                continue
            step = ctx.manual(
                f"DROP SCHEMA ... CASCADE destroyed {', '.join(lost)} and anything elsewhere that depended on "
                f"them, and not all of it can be recreated ({reason}); recreate the schema, then restore these "
                "objects (and their data) from a backup",
                sql=sql,
                title=f"Manual step: restore schema {quote_ident(name)} and its contents",
            )[0]
            step.lost.extend(lost)
            tables = [d for d in lost if d.startswith("table ")]
            if tables:
                step.hazard(Hazard.DATA_NOT_RESTORED, f"the rows of {', '.join(t[6:] for t in tables)} were destroyed")
            steps.append(step)
            _forget_contents(cat, ctx, name)
            continue
        steps.append(Step(title=f"Recreate schema {quote_ident(name)}", group=GROUP_RECREATE, sql=sql))
        cat.drop_object_refs(schema_ref(name))
        cat.default_privileges = [d for d in cat.default_privileges if d.schema != name]
        del cat.schemas[name]
    return steps


# -- ALTER SCHEMA ... RENAME -------------------------------------------------------------------------


class _Requalify(Visitor):
    """Rewrites schema qualifiers ``old`` → ``new`` in a parse tree."""

    _NAME_LISTS = ("funcname", "names", "opclass", "collname", "defnames", "typeName", "domainname", "objname")

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def visit_RangeVar(self, ancestors, node):  # noqa: N802
        if node.schemaname == self.old:
            node.schemaname = self.new

    def visit(self, ancestors, node):
        for attr in self._NAME_LISTS:
            names = getattr(node, attr, None)
            if (
                isinstance(names, tuple)
                and len(names) >= 2
                and isinstance(names[0], ast.String)
                and names[0].sval == self.old
            ):
                setattr(node, attr, (ast.String(sval=self.new), *names[1:]))
        if isinstance(node, ast.ColumnRef) and len(node.fields) == 3 and getattr(node.fields[0], "sval", None) == self.old:
            node.fields = (ast.String(sval=self.new), *node.fields[1:])


def _requalify(definition: str, old: str, new: str) -> tuple[str, bool]:
    """``definition`` with ``old.`` qualifiers renamed; False if text still names ``old``."""
    stmts = [r.stmt for r in parse_sql(definition)]
    for stmt in stmts:
        _Requalify(old, new)(stmt)
    text = "; ".join(render(s) for s in stmts)
    return text, not _schema_token(old).search(text)


def _rekey(store: dict, old: str, new: str, fix) -> None:
    items = list(store.items())
    store.clear()
    for key, obj in items:
        if key[0] == old:
            key = (new, *key[1:])
            fix(obj)
        store[key] = obj


def rename_schema(cat: Catalog, ctx: Context, old: str, new: str) -> None:
    """Re-key the catalog for ``ALTER SCHEMA old RENAME TO new``."""
    distrust: list[tuple[str, str]] = []

    def setschema(obj) -> None:
        obj.schema = new

    def path(p: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if s == old else s for s in p)

    def defn(obj, ref: tuple[str, str]) -> None:
        obj.definition, ok = _requalify(obj.definition, old, new)
        if not ok:
            distrust.append(ref)

    schema = cat.schemas.pop(old)
    schema.name = new
    cat.schemas[new] = schema
    for store in (cat.tables, cat.indexes, cat.sequences, cat.views, cat.types, cat.functions, cat.triggers, cat.policies):
        _rekey(store, old, new, setschema)
    token = _schema_token(old)
    for key, t in cat.tables.items():
        t.search_path = path(t.search_path)
        for c in t.constraints.values():
            if c.references and c.references[0] == old:
                c.references = (new, c.references[1])
        if t.partition_of and t.partition_of[0][0] == old:
            t.partition_of = ((new, t.partition_of[0][1]), t.partition_of[1])
        t.inherits = [(new, k[1]) if k[0] == old else k for k in t.inherits]
        texts = [c.type + " " + (c.default or "") + " " + (c.generated or "") for c in t.columns.values()]
        texts += [c.definition for c in t.constraints.values()]
        if any(token.search(x) for x in texts):
            distrust.append(("table", qname(*key)))
    for key, i in cat.indexes.items():
        if i.table[0] == old:
            i.table = (new, i.table[1])
        i.search_path = path(i.search_path)
        defn(i, ("index", qname(*key)))
    for key, s in cat.sequences.items():
        if s.owned_by and s.owned_by[0][0] == old:
            s.owned_by = ((new, s.owned_by[0][1]), s.owned_by[1])
        defn(s, ("sequence", qname(*key)))
    for key, v in cat.views.items():
        v.search_path = path(v.search_path)
        defn(v, view_handlers.view_ref(v))
    for key, ty in cat.types.items():
        ty.search_path = path(ty.search_path)
        defn(ty, ("type", qname(*key)))
    for key, f in cat.functions.items():
        f.search_path = path(f.search_path)
        defn(f, ("function", f.signature))
        if token.search(f.identity_args):
            distrust.append(("function", f.signature))
    for key, tr in cat.triggers.items():
        defn(tr, ("trigger", f"{quote_ident(key[2])} ON {qname(key[0], key[1])}"))
    for key, p in cat.policies.items():
        p.search_path = path(p.search_path)
        if any(token.search(x or "") for x in (p.using, p.check)):
            distrust.append(("policy", f"{quote_ident(key[2])} ON {qname(key[0], key[1])}"))
    for ext in cat.extensions.values():
        if ext.schema == old:
            ext.schema = new
        if ext.search_path:
            ext.search_path = path(ext.search_path)
    for dp in cat.default_privileges:
        if dp.schema == old:
            dp.schema = new
    old_q, new_q = quote_ident(old) + ".", quote_ident(new) + "."
    for store in (cat.grants, cat.grant_options, cat.comments, cat.tainted):
        for ref in list(store):
            if ref == schema_ref(old):
                store[schema_ref(new)] = store.pop(ref)
            elif token.search(ref[1]):
                store[(ref[0], token.sub(new_q, ref[1]))] = store.pop(ref)
    for ref in distrust:
        ctx.taint((ref[0], token.sub(new_q, ref[1])) if old_q in ref[1] else ref)


@handles(ast.RenameStmt, ObjectType.OBJECT_SCHEMA)
def rename_schema_stmt(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """``ALTER SCHEMA a RENAME TO b`` → ``ALTER SCHEMA b RENAME TO a``."""
    cat = ctx.catalog
    old, new = node.subname, node.newname
    if old not in cat.schemas:
        raise Unsupported(f"schema {quote_ident(old)} is not known from earlier migrations")
    if new in cat.schemas:
        raise Unsupported(f"schema {quote_ident(new)} already exists, so this statement fails")
    rename_schema(cat, ctx, old, new)
    return [
        Step(
            title=f"Rename schema {quote_ident(new)} back to {quote_ident(old)}",
            group=GROUP_RENAME,
            sql=[f"ALTER SCHEMA {quote_ident(new)} RENAME TO {quote_ident(old)};"],
        )
    ]


@handles(ast.AlterOwnerStmt, ObjectType.OBJECT_SCHEMA)
def alter_schema_owner(node: ast.AlterOwnerStmt, ctx: Context) -> list[Step]:
    """``ALTER SCHEMA s OWNER TO r`` → back to the previous owner (folded grants re-granted)."""
    cat = ctx.catalog
    name = node.object.sval
    if name not in cat.schemas:
        raise Unsupported(f"schema {quote_ident(name)} is not known from earlier migrations")
    reason = ctx.tainted_reason(schema_ref(name))
    if reason:
        raise Unsupported(reason)
    schema = cat.schemas[name]
    if schema.owner is None:
        raise Unsupported(f"the owner of schema {quote_ident(name)} is not known")
    new_owner = role_name(node.newowner, cat.current_user)
    steps = owners.give_back(cat, schema_ref(name), f"ALTER SCHEMA {quote_ident(name)}", schema.owner, new_owner,
                             f"Give schema {quote_ident(name)} back to {quote_ident(schema.owner)}")
    schema.owner = new_owner
    return steps
