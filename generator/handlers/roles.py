"""Roles: CREATE / ALTER / DROP / RENAME ROLE and ``ALTER ROLE ... SET``.

Roles are cluster-wide. The generator knows everything about a role the migrations
created (``catalog.created_roles``: its attributes; ``catalog.role_settings``: the
settings the migrations gave it). Supabase's own roles (anon, authenticated,
authenticator...) carry attributes and settings the platform set, which the migration
history does not show.

Rules:
- ``CREATE ROLE/USER/GROUP r`` → ``DROP ROLE r``.
- ``ALTER ROLE r WITH <attributes>`` of a role the migrations created → the previous
  attributes. A password is never written into a rollback: setting one on a role that had
  none is undone with ``PASSWORD NULL``; replacing a known password is manual.
- ``ALTER ROLE r [IN DATABASE d] SET x = v`` / ``RESET x`` / ``RESET ALL`` → the previous
  value (``SET`` back) or ``RESET`` when the role had none. For a role the migrations did
  not create, a setting they never touched has a value the generator does not know (the
  platform may have set it, e.g. ``statement_timeout`` of ``authenticated``): manual step
  with the ``RESET`` as a suggestion.
- ``DROP ROLE r`` of a role the migrations created → recreate it with its attributes,
  memberships and settings (manual when it had a password); other roles → manual.
- ``ALTER ROLE a RENAME TO b`` → rename back; the catalog follows (grants, owners...).
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import ObjectType, RoleStmtType, VariableSetKind

from ..catalog import Catalog
from ..engine import Context, Unsupported, handles
from ..refs import role_name
from ..sqltext import literal, quote_ident, render
from ..steps import Hazard, Step

GROUP = "Restore Roles"

# CREATE ROLE option -> (keyword when true, keyword when false); None for valued options.
_FLAGS = {
    "superuser": ("SUPERUSER", "NOSUPERUSER"),
    "createdb": ("CREATEDB", "NOCREATEDB"),
    "createrole": ("CREATEROLE", "NOCREATEROLE"),
    "inherit": ("INHERIT", "NOINHERIT"),
    "canlogin": ("LOGIN", "NOLOGIN"),
    "isreplication": ("REPLICATION", "NOREPLICATION"),
    "bypassrls": ("BYPASSRLS", "NOBYPASSRLS"),
}
_MEMBERSHIP = {"addroleto", "rolemembers", "adminmembers"}


def _defaults(login: bool) -> dict[str, object]:
    attrs: dict[str, object] = {k: False for k in _FLAGS}
    attrs.update(inherit=True, canlogin=login, connectionlimit=-1, validUntil=None, password=None)
    return attrs


def _value(arg: ast.Node | None) -> object:
    if isinstance(arg, ast.Boolean):
        return bool(arg.boolval)
    if isinstance(arg, ast.Integer):
        return arg.ival
    if isinstance(arg, ast.String):
        return arg.sval
    return None


def attributes_sql(attrs: dict[str, object], names: list[str] | None = None) -> str:
    """``LOGIN NOINHERIT CONNECTION LIMIT 5 ...`` for ``names`` (all but the password by default)."""
    out = []
    for name in names or [n for n in attrs if n != "password"]:
        val = attrs[name]
        if name in _FLAGS:
            out.append(_FLAGS[name][0 if val else 1])
        elif name == "connectionlimit":
            out.append(f"CONNECTION LIMIT {val}")
        elif name == "validUntil":
            if val is not None:
                out.append(f"VALID UNTIL {literal(str(val))}")
        elif name == "password":
            out.append("PASSWORD NULL")
    return " ".join(out)


def _apply(attrs: dict[str, object], options, cat: Catalog, role: str) -> None:
    for opt in options or ():
        name = opt.defname
        if name in _MEMBERSHIP:
            for spec in opt.arg:
                other = role_name(spec, cat.current_user)
                if name == "adminmembers":
                    raise Unsupported("memberships WITH ADMIN OPTION are not tracked")
                cat.role_members.add((other, role) if name == "addroleto" else (role, other))
        elif name == "sysid":
            continue
        elif name in _FLAGS or name in ("connectionlimit", "validUntil", "password"):
            attrs[name] = _value(opt.arg)
        else:
            raise Unsupported(f"role option {name} is not supported")


@handles(ast.CreateRoleStmt)
def create_role(node: ast.CreateRoleStmt, ctx: Context) -> list[Step]:
    """``CREATE ROLE r`` → ``DROP ROLE r``."""
    cat = ctx.catalog
    if node.role in cat.roles:
        raise Unsupported(f"role {quote_ident(node.role)} already exists, so this statement fails")
    attrs = _defaults(login=node.stmt_type == RoleStmtType.ROLESTMT_USER)
    _apply(attrs, node.options, cat, node.role)
    cat.roles.add(node.role)
    cat.created_roles[node.role] = attrs
    return [Step(title=f"Drop role {quote_ident(node.role)}", group="Drop Roles",
                 sql=[f"DROP ROLE {quote_ident(node.role)};"])]


def _known_role(ctx: Context, spec) -> tuple[str, dict[str, object]]:
    cat = ctx.catalog
    name = role_name(spec, cat.current_user)
    attrs = cat.created_roles.get(name)
    if attrs is None:
        raise Unsupported(
            f"role {quote_ident(name)} was not created by the migrations, so its attributes before this "
            "migration are not known"
        )
    return name, attrs


@handles(ast.AlterRoleStmt)
def alter_role(node: ast.AlterRoleStmt, ctx: Context) -> list[Step]:
    """``ALTER ROLE r WITH <attributes>`` → the previous attributes (roles the migrations created)."""
    if node.action != 1 or any(o.defname in _MEMBERSHIP for o in node.options or ()):
        raise Unsupported("ALTER ROLE with membership options is not supported")
    name, attrs = _known_role(ctx, node.role)
    before = dict(attrs)
    _apply(attrs, node.options, ctx.catalog, name)
    changed = [k for k in attrs if attrs[k] != before[k]]
    if "password" in changed and before["password"] is not None:
        raise Unsupported(f"the previous password of role {quote_ident(name)} is not written into a rollback")
    if "validUntil" in changed and before["validUntil"] is None:
        raise Unsupported(
            f"role {quote_ident(name)} had no VALID UNTIL, which ALTER ROLE cannot restore "
            "(VALID UNTIL 'infinity' is equivalent but not the same)"
        )
    if not changed:
        return []
    return [Step(title=f"Restore the attributes of role {quote_ident(name)}", group=GROUP,
                 sql=[f"ALTER ROLE {quote_ident(name)} WITH {attributes_sql(before, changed)};"])]


# -- ALTER ROLE ... SET -------------------------------------------------------------------------


def _setting_value(stmt: ast.VariableSetStmt) -> str:
    return ", ".join(render(a) for a in stmt.args or ())


def _in_db(database: str | None) -> str:
    return f" IN DATABASE {quote_ident(database)}" if database else ""


def _restore_sql(role: str, database: str | None, name: str, value: str | None) -> str:
    head = f"ALTER ROLE {quote_ident(role)}{_in_db(database)}"
    if value is None:
        return f"{head} RESET {quote_ident(name) if '.' not in name else name};"
    return f"{head} SET {quote_ident(name) if '.' not in name else name} TO {value};"


@handles(ast.AlterRoleSetStmt)
def alter_role_set(node: ast.AlterRoleSetStmt, ctx: Context) -> list[Step]:
    """``ALTER ROLE r SET x = v`` / ``RESET x`` / ``RESET ALL`` → the previous values."""
    cat = ctx.catalog
    if node.role is None:
        raise Unsupported("ALTER ROLE ALL SET changes settings of every role; their previous values are not known")
    role = role_name(node.role, cat.current_user)
    stmt: ast.VariableSetStmt = node.setstmt
    key = (role, node.database)
    current = cat.role_settings.setdefault(key, {})
    fully_known = role in cat.created_roles
    if stmt.kind == VariableSetKind.VAR_RESET_ALL:
        names = list(current)
        new_values: dict[str, str | None] = {n: None for n in names}
        if not fully_known:
            raise Unsupported(
                f"RESET ALL removed every setting of role {quote_ident(role)}, including any the platform set, "
                "whose values are not known"
            )
    elif stmt.kind in (VariableSetKind.VAR_RESET, VariableSetKind.VAR_SET_DEFAULT):
        new_values = {stmt.name: None}
    elif stmt.kind == VariableSetKind.VAR_SET_VALUE:
        new_values = {stmt.name: _setting_value(stmt)}
    else:
        raise Unsupported(f"ALTER ROLE ... SET {stmt.name} FROM CURRENT captures a session value the generator does not know")
    steps: list[Step] = []
    for name, value in new_values.items():
        known = name in current or fully_known
        before = current.get(name)
        if value is None:
            current.pop(name, None)
        else:
            current[name] = value
        if known and before == value:
            continue
        sql = _restore_sql(role, node.database, name, before)
        if not known:
            steps += ctx.manual(
                f"the value of {name} for role {quote_ident(role)} before this migration is not known (the Supabase "
                "platform sets some role settings, e.g. statement_timeout of anon and authenticated); check it on a "
                "database that never ran this migration. The suggested RESET is right only if it was not set",
                sql=[sql],
                title=f"Manual step: restore setting {name} of role {quote_ident(role)}",
            )
        else:
            steps.append(Step(title=f"Restore setting {name} of role {quote_ident(role)}", group=GROUP, sql=[sql]))
    if not current:
        del cat.role_settings[key]
    return steps


# -- DROP / RENAME ------------------------------------------------------------------------------


def recreate_sql(cat: Catalog, name: str) -> list[str]:
    attrs = cat.created_roles[name]
    sql = [f"CREATE ROLE {quote_ident(name)} WITH {attributes_sql(attrs)};"]
    for role, member in sorted(cat.role_members):
        if member == name or role == name:
            sql.append(f"GRANT {quote_ident(role)} TO {quote_ident(member)};")
    for (role, db), settings in sorted(cat.role_settings.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if role == name:
            sql += [_restore_sql(role, db, k, v) for k, v in settings.items()]
    return sql


@handles(ast.DropRoleStmt)
def drop_role(node: ast.DropRoleStmt, ctx: Context) -> list[Step]:
    """``DROP ROLE r`` → recreate a role the migrations created; other roles: manual."""
    cat = ctx.catalog
    steps: list[Step] = []
    for spec in node.roles:
        name = role_name(spec, cat.current_user)
        if name not in cat.roles:
            if node.missing_ok:
                continue
            raise Unsupported(f"role {quote_ident(name)} is not known, so this statement fails")
        if name not in cat.created_roles:
            steps += ctx.manual(
                f"role {quote_ident(name)} was not created by the migrations; its attributes, memberships and "
                "settings are not known",
                title=f"Manual step: recreate role {quote_ident(name)}",
            )
        elif cat.created_roles[name].get("password") is not None:
            steps += ctx.manual(
                f"role {quote_ident(name)} had a password, which is not written into a rollback; recreate it and "
                "set its password by hand",
                sql=recreate_sql(cat, name),
                title=f"Manual step: recreate role {quote_ident(name)}",
            )
        else:
            steps.append(Step(title=f"Recreate role {quote_ident(name)}", group="Recreate Roles",
                              sql=recreate_sql(cat, name)).hazard(
                Hazard.AUTHZ, f"widens access: role {quote_ident(name)} can act again"))
        _forget(cat, name)
    return list(reversed(steps))


def _forget(cat: Catalog, name: str) -> None:
    cat.roles.discard(name)
    cat.created_roles.pop(name, None)
    cat.role_members = {(r, m) for r, m in cat.role_members if name not in (r, m)}
    for key in [k for k in cat.role_settings if k[0] == name]:
        del cat.role_settings[key]


def _rename_in_catalog(cat: Catalog, old: str, new: str) -> None:
    cat.roles.discard(old)
    cat.roles.add(new)
    if old in cat.created_roles:
        cat.created_roles[new] = cat.created_roles.pop(old)
    cat.role_members = {(new if r == old else r, new if m == old else m) for r, m in cat.role_members}
    for key in [k for k in cat.role_settings if k[0] == old]:
        cat.role_settings[(new, key[1])] = cat.role_settings.pop(key)
    for store in (cat.grants, cat.grant_options):
        for acl in store.values():
            if old in acl:
                acl[new] = acl.pop(old)
    for objs in (cat.tables, cat.views, cat.functions, cat.sequences, cat.types, cat.schemas):
        for obj in objs.values():
            if getattr(obj, "owner", None) == old:
                obj.owner = new
    for dp in cat.default_privileges:
        if dp.owner == old:
            dp.owner = new
        if dp.role == old:
            dp.role = new
    for policy in cat.policies.values():
        policy.roles = [new if r == old else r for r in policy.roles]


@handles(ast.RenameStmt, ObjectType.OBJECT_ROLE)
def rename_role(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """``ALTER ROLE a RENAME TO b`` → ``ALTER ROLE b RENAME TO a``."""
    cat = ctx.catalog
    old, new = node.subname, node.newname
    if old not in cat.roles or new in cat.roles:
        raise Unsupported(f"role {quote_ident(old)} cannot be renamed to {quote_ident(new)} according to the history")
    if old not in cat.created_roles:
        raise Unsupported(f"role {quote_ident(old)} was not created by the migrations; renaming it back is left to a person")
    _rename_in_catalog(cat, old, new)
    return [Step(title=f"Rename role {quote_ident(new)} back to {quote_ident(old)}", group=GROUP,
                 sql=[f"ALTER ROLE {quote_ident(new)} RENAME TO {quote_ident(old)};"])]
