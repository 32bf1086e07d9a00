"""Logical replication publications (Supabase Realtime's ``supabase_realtime``).

Rules:
- ``CREATE PUBLICATION`` → ``DROP PUBLICATION``.
- ``ALTER PUBLICATION ... ADD TABLE`` → ``DROP TABLE`` of the tables that were not members
  (nothing for one that already was); ``DROP TABLE`` → ``ADD TABLE`` back with its column
  list and row filter; ``SET TABLE`` → ``SET TABLE`` to the earlier list (or ``DROP TABLE``
  when it was empty); ``SET (options)`` → the earlier option values.
- ``DROP PUBLICATION [IF EXISTS]`` → recreate it with its tables, options and comment.
- ``ALTER PUBLICATION ... RENAME TO`` → rename back.
Publications over ``TABLES IN SCHEMA`` are not modelled: manual.

Tables modules use ``memberships``/``restore_membership_sql`` when they drop and recreate
a table (PostgreSQL removes a dropped table from every publication).
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import AlterPublicationAction, ObjectType, PublicationObjSpecType
from pglast.parser import parse_sql

from ..catalog import Catalog, Key, Publication
from ..engine import Context, Unsupported, handles
from ..refs import comment_sql, move_refs, role_name
from ..sqltext import literal, qname, quote_ident, render
from ..steps import Step

DEFAULT_OPTIONS = {"publish": "insert, update, delete, truncate", "publish_via_partition_root": "false"}


def _ref(name: str) -> tuple[str, str]:
    return ("publication", quote_ident(name))


def _options(defs) -> dict[str, str]:
    out = {}
    for d in defs or ():
        arg = d.arg
        out[d.defname] = arg.sval if isinstance(arg, ast.String) else (
            str(arg.boolval).lower() if isinstance(arg, ast.Boolean) else render(arg)
        )  # fmt: skip
    return out


def _options_sql(opts: dict[str, str]) -> str:
    return ", ".join(f"{k} = {literal(v)}" for k, v in opts.items())


def _stored_options(p: Publication) -> dict[str, str]:
    if not p.definition:
        return {}
    return _options(parse_sql(f"CREATE PUBLICATION x WITH ({p.definition})")[0].stmt.options)


def _tables(ctx: Context, objs) -> list[tuple[Key, str]]:
    """(table key, spec) of each table a publication statement names."""
    out = []
    for o in objs or ():
        if o.pubobjtype != PublicationObjSpecType.PUBLICATIONOBJ_TABLE:
            raise Unsupported("publications of TABLES IN SCHEMA are not modelled")
        pt = o.pubtable
        rv = pt.relation
        key = ctx.catalog.resolve_relation(rv.schemaname, rv.relname)
        if not rv.inh and not _childless(ctx, key):
            raise Unsupported("publishing ONLY a table that has (or may have) inheritance children or partitions is not modelled")
        spec = ""
        if pt.columns:
            spec += " (" + ", ".join(quote_ident(c.sval) for c in pt.columns) + ")"
        if pt.whereClause is not None:
            spec += f" WHERE ({render(pt.whereClause)})"
        out.append((key, spec.strip()))
    return out


def _childless(ctx: Context, key: Key) -> bool:
    """``ONLY t`` means ``t`` (pg_dump writes ONLY): true for a known plain table no table inherits from."""
    cat = ctx.catalog
    table = cat.tables.get(key)
    if table is None or table.partition_by or ctx.tainted_reason(("table", qname(*key))):
        return False
    return not any(key in t.inherits or (t.partition_of and t.partition_of[0] == key) for t in cat.tables.values())


def _table_list(p: Publication, keys: list[Key]) -> str:
    return ", ".join(f"{qname(*k)} {p.table_specs.get(k, '')}".rstrip() for k in keys)


def create_sql(catalog: Catalog, p: Publication) -> list[str]:
    sql = f"CREATE PUBLICATION {quote_ident(p.name)}"
    if p.all_tables:
        sql += " FOR ALL TABLES"
    elif p.tables:
        sql += " FOR TABLE " + _table_list(p, p.tables)
    if p.definition:
        sql += f" WITH ({p.definition})"
    out = [sql + ";"]
    if p.owner and p.owner != catalog.current_user:
        out.append(f"ALTER PUBLICATION {quote_ident(p.name)} OWNER TO {quote_ident(p.owner)};")
    if _ref(p.name) in catalog.comments:
        out.append(comment_sql("publication", quote_ident(p.name), catalog.comments[_ref(p.name)]))
    return out


def _known(ctx: Context, name: str) -> Publication:
    reason = ctx.tainted_reason(_ref(name))
    if reason:
        raise Unsupported(reason)
    p = ctx.catalog.publications.get(name)
    if p is None:
        raise Unsupported(f"publication {quote_ident(name)} is not in the migration history")
    return p


@handles(ast.CreatePublicationStmt)
def create_publication(node: ast.CreatePublicationStmt, ctx: Context) -> list[Step]:
    """CREATE PUBLICATION → DROP PUBLICATION."""
    name = node.pubname
    drop = Step(
        title=f"Drop publication {quote_ident(name)}",
        group="Drop Publications",
        sql=[f"DROP PUBLICATION {quote_ident(name)};"],
    )
    try:
        tables = _tables(ctx, node.pubobjects)
    except Unsupported:
        ctx.taint(_ref(name))  # the drop is still right; the recorded definition is not
        tables = []
    opts = _options(node.options)
    ctx.catalog.publications[name] = Publication(
        name=name,
        all_tables=bool(node.for_all_tables),
        tables=[k for k, _ in tables],
        definition=_options_sql(opts) or None,
        table_specs={k: s for k, s in tables if s},
    )
    return [drop]


@handles(ast.DropStmt, ObjectType.OBJECT_PUBLICATION)
def drop_publication(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """DROP PUBLICATION [IF EXISTS] → recreate it as it was."""
    steps: list[Step] = []
    for obj in node.objects:
        name = obj.sval
        if name not in ctx.catalog.publications and node.missing_ok and not ctx.tainted_reason(_ref(name)):
            continue  # did not exist: nothing happened
        try:
            p = _known(ctx, name)
            steps.append(
                Step(
                    title=f"Recreate publication {quote_ident(name)}",
                    group="Recreate Publications",
                    sql=create_sql(ctx.catalog, p),
                )
            )
        except Unsupported as exc:
            steps += ctx.manual(str(exc))
        ctx.catalog.publications.pop(name, None)
        ctx.catalog.drop_object_refs(_ref(name))
    return steps


def _alter(name: str, verb: str, what: str) -> str:
    return f"ALTER PUBLICATION {quote_ident(name)} {verb} {what};"


@handles(ast.AlterPublicationStmt)
def alter_publication(node: ast.AlterPublicationStmt, ctx: Context) -> list[Step]:
    """ALTER PUBLICATION ADD/DROP/SET TABLE or SET (options) → the opposite change."""
    p = _known(ctx, node.pubname)
    name = p.name
    if node.options:
        old = {**DEFAULT_OPTIONS, **_stored_options(p)}
        new = _options(node.options)
        merged = {**_stored_options(p), **new}
        p.definition = _options_sql(merged) or None
        back = {k: old[k] for k in new if k in old}
        return [
            Step(
                title=f"Restore options of publication {quote_ident(name)}",
                group="Restore Publications",
                sql=[_alter(name, "SET", f"({_options_sql(back)})")],
            )
        ]
    tables = _tables(ctx, node.pubobjects)
    keys = [k for k, _ in tables]
    if node.action == AlterPublicationAction.AP_AddObjects:
        added = [k for k in keys if k not in p.tables]
        p.tables += added
        p.table_specs.update({k: s for k, s in tables if s and k in added})
        if not added:
            return []
        sql = [_alter(name, "DROP TABLE", ", ".join(qname(*k) for k in added))]
        title = f"Remove {', '.join(qname(*k) for k in added)} from publication {quote_ident(name)}"
    elif node.action == AlterPublicationAction.AP_DropObjects:
        removed = [k for k in keys if k in p.tables]
        sql = [_alter(name, "ADD TABLE", _table_list(p, removed))] if removed else []
        p.tables = [k for k in p.tables if k not in removed]
        for k in removed:
            p.table_specs.pop(k, None)
        if not sql:
            return []
        title = f"Add {', '.join(qname(*k) for k in removed)} back to publication {quote_ident(name)}"
    else:  # SET TABLE
        old = Publication(name, tables=list(p.tables), table_specs=dict(p.table_specs))
        p.tables = keys
        p.table_specs = {k: s for k, s in tables if s}
        if old.tables == p.tables and old.table_specs == p.table_specs:
            return []
        if old.tables:
            sql = [_alter(name, "SET TABLE", _table_list(old, old.tables))]
        else:
            sql = [_alter(name, "DROP TABLE", ", ".join(qname(*k) for k in keys))]
        title = f"Restore the tables of publication {quote_ident(name)}"
    return [Step(title=title, group="Restore Publications", sql=sql)]


@handles(ast.RenameStmt, ObjectType.OBJECT_PUBLICATION)
def rename_publication(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """ALTER PUBLICATION old RENAME TO new → rename back."""
    old, new = node.object.sval, node.newname
    p = ctx.catalog.publications.pop(old, None)
    if p is not None:
        p.name = new
        ctx.catalog.publications[new] = p
    move_refs(ctx.catalog, _ref(old), _ref(new))
    return [
        Step(
            title=f"Rename publication {quote_ident(new)} back to {quote_ident(old)}",
            group="Restore Publications",
            sql=[f"ALTER PUBLICATION {quote_ident(new)} RENAME TO {quote_ident(old)};"],
        )
    ]


# -- helpers for modules that drop, recreate or rename tables ---------------------------------


def memberships(catalog: Catalog, key: Key) -> list[Publication]:
    """Publications that list table ``key`` explicitly."""
    return [p for p in catalog.publications.values() if key in p.tables]


def restore_membership_sql(catalog: Catalog, key: Key) -> list[str]:
    """After recreating table ``key``: add it back to the publications it was in."""
    return [_alter(p.name, "ADD TABLE", _table_list(p, [key])) for p in memberships(catalog, key)]


def forget_table(catalog: Catalog, key: Key) -> None:
    """Table ``key`` was dropped: PostgreSQL removed it from every publication."""
    for p in memberships(catalog, key):
        p.tables.remove(key)
        p.table_specs.pop(key, None)


def rename_table(catalog: Catalog, old: Key, new: Key) -> None:
    """Table ``old`` is now ``new`` (rename or SET SCHEMA): memberships follow it."""
    for p in memberships(catalog, old):
        p.tables[p.tables.index(old)] = new
        if old in p.table_specs:
            p.table_specs[new] = p.table_specs.pop(old)


@handles(ast.AlterOwnerStmt, ObjectType.OBJECT_PUBLICATION)
def alter_publication_owner(node: ast.AlterOwnerStmt, ctx: Context) -> list[Step]:
    """ALTER PUBLICATION p OWNER TO r → back to the previous owner (publications have no ACL)."""
    p = _known(ctx, node.object.sval)
    previous = p.owner or ctx.catalog.current_user
    p.owner = role_name(node.newowner, ctx.catalog.current_user)
    if p.owner == previous:
        return []
    return [Step(title=f"Give publication {quote_ident(p.name)} back to {quote_ident(previous)}", group="Restore Owners",
                 sql=[f"ALTER PUBLICATION {quote_ident(p.name)} OWNER TO {quote_ident(previous)};"])]
