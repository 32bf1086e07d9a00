"""ALTER DOMAIN and the attributes of composite types.

Domains (the recorded ``CREATE DOMAIN`` is kept up to date, so a later DROP DOMAIN
recreates the domain as it then was):
- ``ADD CONSTRAINT c CHECK (...) [NOT VALID]`` → ``DROP CONSTRAINT c`` (unnamed checks get
  PostgreSQL's name ``<domain>_check[N]``). A NOT VALID constraint is kept out of the
  recorded definition and added after it when the domain is recreated.
- ``DROP CONSTRAINT c`` → add it back as it was (validated again unless it was NOT VALID).
- ``SET DEFAULT`` / ``DROP DEFAULT`` / ``SET NOT NULL`` / ``DROP NOT NULL`` → the previous state.
- ``VALIDATE CONSTRAINT c`` → drop it and add it back NOT VALID.
- ``RENAME CONSTRAINT a TO b`` → rename back.

Composite types (``ALTER TYPE t ... ATTRIBUTE``):
- ``ADD ATTRIBUTE a`` → ``DROP ATTRIBUTE a``;
- ``DROP ATTRIBUTE a`` → ``ADD ATTRIBUTE a`` when it was the last attribute, otherwise the
  type is dropped and recreated as it was (attribute order matters);
- ``ALTER ATTRIBUTE a TYPE x`` → the previous type;
- ``RENAME ATTRIBUTE a TO b`` → rename back.
A composite type some table column uses holds data in those attributes: manual.
"""

from __future__ import annotations

import copy

from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType, ObjectType

from ..catalog import Catalog, Key, Type
from ..engine import Context, Unsupported, handles
from ..refs import type_ref
from ..sqltext import choose_name, qname, quote_ident, render, clone
from ..steps import Hazard, Step
from .enums import mentions_type
from .tables import parse_expr, parse_stmt, type_sql

GROUP = "Restore Types"


def _key(ctx: Context, names: list[str]) -> Key:
    key = ctx.catalog.resolve_type(names[-2] if len(names) > 1 else None, names[-1])
    if key is None:
        raise Unsupported(f"type {'.'.join(names)} is not in the migration history")
    reason = ctx.tainted_reason(type_ref(key))
    if reason:
        raise Unsupported(reason)
    return key


def _path(t: Type) -> tuple[str, ...]:
    return t.search_path


# -- domains ------------------------------------------------------------------------------------


def _constraint_name_taken(cat: Catalog, schema: str, name: str) -> bool:
    return cat.constraint_name_taken(schema, name) or any(
        name in t.constraints for k, t in cat.types.items() if k[0] == schema
    )


def _set_node(t: Type, node: ast.CreateDomainStmt) -> None:
    t.definition = render(node)


def _without(node: ast.CreateDomainStmt, pred) -> tuple:
    return tuple(c for c in node.constraints or () if not pred(c))


def _check_sql(con: ast.Constraint) -> str:
    return f"CHECK ({render(con.raw_expr)})"


@handles(ast.AlterDomainStmt)
def alter_domain(node: ast.AlterDomainStmt, ctx: Context) -> list[Step]:
    """ALTER DOMAIN ... → the domain's previous constraint, default or NOT NULL state."""
    cat = ctx.catalog
    key = _key(ctx, [n.sval for n in node.typeName])
    t = cat.types[key]
    if t.kind != "domain":
        raise Unsupported(f"{qname(*key)} is not a domain")
    q = qname(*key)
    dnode: ast.CreateDomainStmt = parse_stmt(t.definition)
    st = node.subtype

    def step(title: str, sql: list[str], hazard: str | None = None) -> list[Step]:
        s = Step(title=title, group=GROUP, sql=sql, search_path=_path(t))
        if hazard:
            s.hazard(Hazard.ACCESS_EXCLUSIVE_LOCK, hazard)
        return [s]

    if st == "T":
        old = next((render(c.raw_expr) for c in dnode.constraints or () if c.contype == ConstrType.CONSTR_DEFAULT), None)
        new_default = node.def_
        rest = _without(dnode, lambda c: c.contype == ConstrType.CONSTR_DEFAULT)
        if new_default is not None:
            rest += (ast.Constraint(contype=ConstrType.CONSTR_DEFAULT, raw_expr=new_default),)
        dnode.constraints = rest or None
        _set_node(t, dnode)
        if (render(new_default) if new_default is not None else None) == old:
            return []
        back = f"SET DEFAULT {old}" if old is not None else "DROP DEFAULT"
        return step(f"Restore the default of domain {q}", [f"ALTER DOMAIN {q} {back};"])
    if st in ("O", "N"):
        was = any(c.contype == ConstrType.CONSTR_NOTNULL for c in dnode.constraints or ())
        want = st == "O"
        rest = _without(dnode, lambda c: c.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_NULL))
        if want:
            rest = (ast.Constraint(contype=ConstrType.CONSTR_NOTNULL), *rest)
        dnode.constraints = rest or None
        _set_node(t, dnode)
        if was == want:
            return []
        if want:
            return step(f"Allow NULL in domain {q} again", [f"ALTER DOMAIN {q} DROP NOT NULL;"])
        return step(f"Make domain {q} NOT NULL again", [f"ALTER DOMAIN {q} SET NOT NULL;"],
                    f"every column of domain {q} is checked for NULLs; fails if NULLs were written since")
    if st == "C":
        con: ast.Constraint = clone(node.def_)
        if con.contype != ConstrType.CONSTR_CHECK:
            raise Unsupported("only CHECK constraints can be added to a domain here")
        name = con.conname or choose_name(key[1], None, "check", lambda n: _constraint_name_taken(cat, key[0], n))
        if name in t.constraints:
            raise Unsupported(f"constraint {name} of domain {q} already exists, so this statement fails")
        if con.skip_validation:
            t.constraints[name] = _check_sql(con) + " NOT VALID"
        else:
            con.conname = name
            dnode.constraints = (*(dnode.constraints or ()), con)
            _set_node(t, dnode)
            t.constraints[name] = _check_sql(con)
        return step(f"Drop constraint {quote_ident(name)} of domain {q}",
                    [f"ALTER DOMAIN {q} DROP CONSTRAINT {quote_ident(name)};"])
    if st == "X":
        name = node.name
        if name not in t.constraints:
            if node.missing_ok:
                return []
            raise Unsupported(f"constraint {name} of domain {q} is not in the migration history")
        text = t.constraints.pop(name)
        dnode.constraints = _without(dnode, lambda c: c.conname == name) or None
        _set_node(t, dnode)
        return step(f"Restore constraint {quote_ident(name)} of domain {q}",
                    [f"ALTER DOMAIN {q} ADD CONSTRAINT {quote_ident(name)} {text};"],
                    None if text.endswith(" NOT VALID") else
                    f"every value of every column of domain {q} is checked; fails if values written since violate it")
    if st == "V":
        name = node.name
        text = t.constraints.get(name)
        if text is None:
            raise Unsupported(f"constraint {name} of domain {q} is not in the migration history")
        if not text.endswith(" NOT VALID"):
            return []
        check = text.removesuffix(" NOT VALID")
        t.constraints[name] = check
        con = parse_stmt(f"CREATE DOMAIN x AS int CONSTRAINT {quote_ident(name)} {check}").constraints[0]
        dnode.constraints = (*(dnode.constraints or ()), con)
        _set_node(t, dnode)
        return step(f"Mark constraint {quote_ident(name)} of domain {q} NOT VALID again", [
            f"ALTER DOMAIN {q} DROP CONSTRAINT {quote_ident(name)};",
            f"ALTER DOMAIN {q} ADD CONSTRAINT {quote_ident(name)} {text};",
        ])
    raise Unsupported(f"ALTER DOMAIN subcommand {st!r} is not supported")


@handles(ast.RenameStmt, ObjectType.OBJECT_DOMCONSTRAINT)
def rename_domain_constraint(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """``ALTER DOMAIN d RENAME CONSTRAINT a TO b`` → rename back."""
    key = _key(ctx, [n.sval for n in node.object])
    t = ctx.catalog.types[key]
    if node.subname not in t.constraints:
        raise Unsupported(f"constraint {node.subname} of domain {qname(*key)} is not in the migration history")
    t.constraints = {(node.newname if k == node.subname else k): v for k, v in t.constraints.items()}
    dnode = parse_stmt(t.definition)
    for c in dnode.constraints or ():
        if c.conname == node.subname:
            c.conname = node.newname
    _set_node(t, dnode)
    q = qname(*key)
    return [Step(title=f"Rename constraint {quote_ident(node.newname)} of domain {q} back", group=GROUP,
                 sql=[f"ALTER DOMAIN {q} RENAME CONSTRAINT {quote_ident(node.newname)} TO {quote_ident(node.subname)};"])]


def not_valid_sql(t: Type) -> list[str]:
    """``ALTER DOMAIN ... ADD ... NOT VALID`` for the constraints kept out of the definition."""
    return [
        f"ALTER DOMAIN {qname(t.schema, t.name)} ADD CONSTRAINT {quote_ident(n)} {text};"
        for n, text in t.constraints.items() if text.endswith(" NOT VALID")
    ]


# -- composite types --------------------------------------------------------------------------------


def _used_by_columns(cat: Catalog, key: Key) -> list[str]:
    return [
        f"{qname(*tk)}.{quote_ident(c.name)}"
        for tk, tb in cat.tables.items()
        for c in tb.columns.values()
        if mentions_type(cat, parse_expr(f"NULL::{c.type}"), ("public",), key)
    ]


def _attr_sql(cd: ast.ColumnDef) -> str:
    out = f"{quote_ident(cd.colname)} {render(cd.typeName)}"
    if cd.collClause is not None:
        out += " " + render(cd.collClause)
    return out


@handles(ast.AlterTableStmt, ObjectType.OBJECT_TYPE)
def alter_composite(node: ast.AlterTableStmt, ctx: Context) -> list[Step]:
    """ALTER TYPE ... ADD/DROP/ALTER ATTRIBUTE → the previous attributes."""
    from .types import recreate_sql

    cat = ctx.catalog
    rv = node.relation
    key = _key(ctx, [n for n in (rv.schemaname, rv.relname) if n])
    t = cat.types[key]
    if t.kind != "composite":
        raise Unsupported(f"{qname(*key)} is not a composite type")
    users = _used_by_columns(cat, key)
    if users:
        raise Unsupported(f"columns {', '.join(users)} hold values of {qname(*key)}; changing its attributes changed them")
    q = qname(*key)
    before = copy.deepcopy(t)
    tnode: ast.CompositeTypeStmt = parse_stmt(t.definition)
    attrs = list(tnode.coldeflist or ())
    sql: list[str] = []
    rebuild = False
    for cmd in node.cmds:
        names = [a.colname for a in attrs]
        if cmd.subtype == AT.AT_AddColumn:
            cd = clone(cmd.def_)
            if cd.colname in names:
                raise Unsupported(f"attribute {cd.colname} of {q} already exists, so this statement fails")
            cd.typeName = parse_expr(f"NULL::{type_sql(cd.typeName, cat)}").typeName
            attrs.append(cd)
            sql.insert(0, f"ALTER TYPE {q} DROP ATTRIBUTE {quote_ident(cd.colname)};")
        elif cmd.subtype == AT.AT_DropColumn:
            if cmd.name not in names:
                if cmd.missing_ok:
                    continue
                raise Unsupported(f"attribute {cmd.name} of {q} is not in the migration history")
            i = names.index(cmd.name)
            if i == len(attrs) - 1:
                sql.insert(0, f"ALTER TYPE {q} ADD ATTRIBUTE {_attr_sql(attrs[i])};")
            else:
                rebuild = True
            del attrs[i]
        elif cmd.subtype == AT.AT_AlterColumnType:
            if cmd.name not in names:
                raise Unsupported(f"attribute {cmd.name} of {q} is not in the migration history")
            cd = attrs[names.index(cmd.name)]
            collate = f" {render(cd.collClause)}" if cd.collClause is not None else ""
            sql.insert(0, f"ALTER TYPE {q} ALTER ATTRIBUTE {quote_ident(cd.colname)} TYPE {render(cd.typeName)}{collate};")
            cd.typeName = parse_expr(f"NULL::{type_sql(cmd.def_.typeName, cat)}").typeName
            cd.collClause = cmd.def_.collClause
        else:
            raise Unsupported(f"ALTER TYPE {AT(cmd.subtype).name} on a composite type is not supported")
    tnode.coldeflist = tuple(attrs)
    t.definition = render(tnode)
    if rebuild:
        sql = [f"DROP TYPE {q};", *recreate_sql(cat, before)]
    if not sql:
        return []
    return [Step(title=f"Restore the attributes of composite type {q}", group=GROUP, sql=sql, search_path=_path(before))]


@handles(ast.RenameStmt, ObjectType.OBJECT_ATTRIBUTE)
def rename_attribute(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """``ALTER TYPE t RENAME ATTRIBUTE a TO b`` → rename back."""
    rv = node.relation
    key = _key(ctx, [n for n in (rv.schemaname, rv.relname) if n])
    t = ctx.catalog.types[key]
    tnode = parse_stmt(t.definition)
    hit = [a for a in tnode.coldeflist or () if a.colname == node.subname]
    if not hit:
        raise Unsupported(f"attribute {node.subname} of {qname(*key)} is not in the migration history")
    hit[0].colname = node.newname
    t.definition = render(tnode)
    q = qname(*key)
    return [Step(title=f"Rename attribute {quote_ident(node.newname)} of {q} back", group=GROUP,
                 sql=[f"ALTER TYPE {q} RENAME ATTRIBUTE {quote_ident(node.newname)} TO {quote_ident(node.subname)};"])]
