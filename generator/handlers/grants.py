"""GRANT / REVOKE on objects, role membership, and ALTER DEFAULT PRIVILEGES.

Object privileges (``GrantStmt``) on tables, views, columns, sequences, functions,
procedures, routines, schemas, types and domains, including ``ALL ... IN SCHEMA``:
the catalog's ACL of every object the statement touches is saved, the statement is
applied with PostgreSQL's rules, and the rollback is the GRANT/REVOKE that turns the
new ACL back into the saved one, object by object. Only what actually changed is
undone: ``GRANT SELECT ON t TO anon`` where anon already had SELECT (Supabase's default
privileges give it ALL on new public tables) has an empty rollback.

PostgreSQL's rules applied here:
- a table-level REVOKE also revokes the same column privileges on every column;
- ``ALL`` means every privilege of the object's kind;
- ``WITH GRANT OPTION`` adds the option; ``REVOKE GRANT OPTION FOR`` removes only the
  option; a plain REVOKE removes privilege and option;
- the owner's privileges are implicit: granting to the owner changes nothing, revoking
  from the owner is not modelled (manual step).

An object the catalog does not know (or whose state a statement the generator could not
analyse may have changed) has unknown earlier privileges: manual step.

``GRANT role TO member`` / ``REVOKE role FROM member``: memberships the migrations
created are tracked in ``catalog.role_members``. Memberships between Supabase's own
roles live in the cluster and are not fully known, so changing one is a manual step.

``ALTER DEFAULT PRIVILEGES``: replayed into ``catalog.default_privileges`` with
PostgreSQL's semantics (a global entry replaces the built-in default, per-schema entries
add to it) and inverted exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pglast import ast
from pglast.enums import GrantTargetType, ObjectType

from ..catalog import ALL_PRIVILEGES, BUILTIN_DEFAULT_ACL, Catalog, DefaultPrivilege, Function
from ..engine import Context, Unsupported, handles
from ..refs import Acl, acl_diff_sql, function_ref, role_name, role_sql, schema_ref, type_ref
from ..sqltext import qname, quote_ident, render
from ..steps import Hazard, Step

COLUMN_PRIVILEGES = set(ALL_PRIVILEGES["column"])

# Roles whose memberships come from the Supabase platform, not from migrations.
_PLATFORM_ROLES = {
    "postgres", "anon", "authenticated", "service_role", "authenticator", "supabase_admin",
    "supabase_auth_admin", "supabase_storage_admin", "dashboard_user", "pgbouncer",
    "supabase_realtime_admin", "supabase_replication_admin", "supabase_read_only_user",
}  # fmt: skip


@dataclass
class Target:
    """One object a GRANT/REVOKE touches."""

    ref: tuple[str, str]
    kind: str  # privilege kind: table, view, materialized view, sequence, function, ...
    owner: str
    columns: list[str] | None = None  # for relations: column names known to the catalog


# -- resolving objects ---------------------------------------------------------------------


def resolve_function(catalog: Catalog, owa: ast.ObjectWithArgs, objtype: ObjectType) -> Function | None:
    """The catalog function an ``ObjectWithArgs`` names (the functions module's lookup)."""
    from .functions import find_function

    return find_function(owa, objtype, catalog)[1]


def _tainted(ctx: Context, ref: tuple[str, str]) -> None:
    reason = ctx.tainted_reason(ref)
    if reason:
        raise Unsupported(reason)


def _relation_target(ctx: Context, schema: str | None, name: str, want_sequence: bool) -> Target:
    cat = ctx.catalog
    key = cat.resolve_relation(schema, name)
    kind = cat.relation_kind(key)
    if kind is None or kind in ("index", "type"):
        raise Unsupported(
            f"{qname(*key)} is not in the migration history, so its earlier privileges are not known"
        )
    if want_sequence and kind != "sequence":
        raise Unsupported(f"{qname(*key)} is not a sequence")
    ref = (kind, qname(*key))
    _tainted(ctx, ("view" if "view" in kind else "table", qname(*key)))
    _tainted(ctx, ref)  # a sequence's own ref
    if kind == "table":
        t = cat.tables[key]
        return Target(ref, kind, t.owner or cat.current_user, list(t.columns))
    if kind in ("view", "materialized view"):
        return Target(ref, kind, getattr(cat.views[key], "owner", None) or cat.current_user, None)
    if kind == "sequence":
        return Target(ref, kind, cat.sequences[key].owner or cat.current_user)
    return Target(ref, kind, cat.current_user)


def _function_target(ctx: Context, owa: ast.ObjectWithArgs, objtype: ObjectType) -> Target:
    f = resolve_function(ctx.catalog, owa, objtype)
    if f is None:
        raise Unsupported(
            f"function {render(owa)} is not in the migration history, so its earlier privileges are not known"
        )
    ref = function_ref(f.schema, f.name, f.identity_args, f.kind)
    _tainted(ctx, ref)
    return Target(ref, ref[0], f.owner or ctx.catalog.current_user)


def _targets(node: ast.GrantStmt, ctx: Context) -> list[Target]:
    cat = ctx.catalog
    ot = node.objtype
    if node.targtype == GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA:
        out = []
        for s in node.objects:
            schema = s.sval
            if schema not in cat.schemas:
                raise Unsupported(f"schema {quote_ident(schema)} is not in the migration history")
            _tainted(ctx, schema_ref(schema))
            if ot == ObjectType.OBJECT_TABLE:
                rels = [k for k in cat.tables if k[0] == schema] + [k for k in cat.views if k[0] == schema]
                out += [_relation_target(ctx, *k, want_sequence=False) for k in sorted(rels)]
            elif ot == ObjectType.OBJECT_SEQUENCE:
                out += [_relation_target(ctx, *k, want_sequence=True) for k in sorted(cat.sequences) if k[0] == schema]
            else:
                fns = [f for k, f in sorted(cat.functions.items()) if k[0] == schema]
                if ot == ObjectType.OBJECT_FUNCTION:
                    fns = [f for f in fns if f.kind != "procedure"]
                elif ot == ObjectType.OBJECT_PROCEDURE:
                    fns = [f for f in fns if f.kind == "procedure"]
                for f in fns:
                    ref = function_ref(f.schema, f.name, f.identity_args, f.kind)
                    _tainted(ctx, ref)
                    out.append(Target(ref, ref[0], f.owner or cat.current_user))
        return out
    if ot in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_SEQUENCE):
        return [
            _relation_target(ctx, rv.schemaname, rv.relname, ot == ObjectType.OBJECT_SEQUENCE)
            for rv in node.objects
        ]
    if ot in (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE):
        return [_function_target(ctx, owa, ot) for owa in node.objects]
    if ot == ObjectType.OBJECT_SCHEMA:
        out = []
        for s in node.objects:
            if s.sval not in cat.schemas:
                raise Unsupported(f"schema {quote_ident(s.sval)} is not in the migration history")
            ref = schema_ref(s.sval)
            _tainted(ctx, ref)
            out.append(Target(ref, "schema", cat.schemas[s.sval].owner or cat.current_user))
        return out
    if ot in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN):
        out = []
        for names in node.objects:
            parts = [n.sval for n in names]
            key = cat.resolve_type(parts[-2] if len(parts) > 1 else None, parts[-1])
            if key is None:
                raise Unsupported(f"type {'.'.join(parts)} is not in the migration history")
            ref = type_ref(key)
            _tainted(ctx, ref)
            out.append(Target(ref, "type", cat.types[key].owner or cat.current_user))
        return out
    raise Unsupported(f"GRANT/REVOKE on {ot.name[7:].lower()} is not supported")


# -- applying a GRANT/REVOKE to the catalog --------------------------------------------------


def _privileges(node: ast.GrantStmt, kind: str) -> tuple[set[str], dict[str, set[str]]]:
    """(object-level privileges, {column: privileges}) the statement names for ``kind``."""
    allp = set(ALL_PRIVILEGES[_acl_kind(kind)])
    if not node.privileges:
        return allp, {}
    obj: set[str] = set()
    cols: dict[str, set[str]] = {}
    for ap in node.privileges:
        privs = {ap.priv_name.upper()} if ap.priv_name and ap.priv_name != "all" else None
        if ap.cols:
            for c in ap.cols:
                cols.setdefault(c.sval, set()).update(privs or COLUMN_PRIVILEGES)
        else:
            obj |= privs or allp
    unknown = obj - allp
    if unknown:
        if kind == "sequence" and node.objtype == ObjectType.OBJECT_TABLE:
            raise Unsupported(f"privilege {', '.join(sorted(unknown))} does not apply to sequences")
        raise Unsupported(f"privilege {', '.join(sorted(unknown))} is not known for a {kind}")
    return obj, cols


def _change(cat: Catalog, ref: tuple[str, str], role: str, privs: set[str], grant: bool, option: bool) -> None:
    cur = cat.privileges(ref, role)
    opts = cat.grant_options_of(ref, role)
    if grant:
        cat.set_privileges(ref, role, cur | privs)
        if option:
            cat.set_grant_options(ref, role, opts | privs)
    elif option:  # REVOKE GRANT OPTION FOR
        cat.set_grant_options(ref, role, opts - privs)
    else:
        cat.set_privileges(ref, role, cur - privs)


def _acl(cat: Catalog, ref: tuple[str, str]) -> tuple[Acl, Acl]:
    return (
        {r: set(p) for r, p in cat.grants.get(ref, {}).items()},
        {r: set(p) for r, p in cat.grant_options.get(ref, {}).items()},
    )


def _column_refs(cat: Catalog, t: Target) -> list[tuple[str, str]]:
    """Column refs of a relation: its known columns plus any column with recorded grants."""
    prefix = t.ref[1] + "."
    refs = {("column", prefix + quote_ident(c)) for c in t.columns or ()}
    refs |= {r for r in (*cat.grants.related(t.ref[1]), *cat.grant_options.related(t.ref[1]))
             if r[0] == "column" and r[1].startswith(prefix)}
    return sorted(refs)


def _column_regrants(cat: Catalog, ref: tuple[str, str], was: tuple[Acl, Acl], now: tuple[Acl, Acl],
                     before: dict[tuple[str, str], tuple[Acl, Acl]]) -> list[str]:
    """A table-level REVOKE also revokes the same privileges on every column of the table
    (and REVOKE GRANT OPTION FOR their grant options): after the rollback's revoke of what
    the migration granted on a relation, the column privileges it had are granted again."""
    if ref[0] not in ("table", "view", "materialized view", "foreign table"):
        return []
    (old, old_opts), (new, new_opts) = was, now
    lost = {r: (p - old.get(r, set())) & COLUMN_PRIVILEGES for r, p in new.items()}
    lost_opts = {r: ((p & old.get(r, set())) - old_opts.get(r, set())) & COLUMN_PRIVILEGES
                 for r, p in new_opts.items()}
    if not any(lost.values()) and not any(lost_opts.values()):
        return []
    prefix = ref[1] + "."
    out: list[str] = []
    for cref in sorted({r for r in (*cat.grants.related(ref[1]), *cat.grant_options.related(ref[1]))
                        if r[0] == "column" and r[1].startswith(prefix)}):
        want, want_opts = before.get(cref) or _acl(cat, cref)
        have = {r: p - lost.get(r, set()) for r, p in want.items()}
        have_opts = {r: p - lost.get(r, set()) - lost_opts.get(r, set()) for r, p in want_opts.items()}
        out += [s for s in acl_diff_sql("column", cref[1], have, want, have_opts, want_opts) if s.startswith("GRANT")]
    return out


def _restore_steps(cat: Catalog, before: dict[tuple[str, str], tuple[Acl, Acl]]) -> list[Step]:
    """Steps that turn each ref's ACL now back into ``before``."""
    steps = []
    for ref, (old, old_opts) in before.items():
        new, new_opts = _acl(cat, ref)
        sql = acl_diff_sql(ref[0], ref[1], new, old, new_opts, old_opts)
        if not sql:
            continue
        sql += _column_regrants(cat, ref, (old, old_opts), (new, new_opts), before)
        step = Step(title=f"Restore privileges on {ref[0]} {ref[1]}", group="Restore Grants", sql=sql,
                    search_path=cat.signature_path(ref))
        grants = [s for s in sql if s.startswith("GRANT")]
        revokes = [s for s in sql if s.startswith("REVOKE")]
        if revokes and not grants:
            step.title, step.group = f"Revoke grants on {ref[0]} {ref[1]}", "Revoke Grants"
        elif grants and not revokes:
            step.title, step.group = f"Grant back privileges on {ref[0]} {ref[1]}", "Restore Grants"
        if grants:
            step.hazard(Hazard.AUTHZ, f"widens access: grants back what the migration revoked on {ref[0]} {ref[1]}")
        if revokes:
            step.hazard(Hazard.AUTHZ, f"narrows access: revokes what the migration granted on {ref[0]} {ref[1]}")
        steps.append(step)
    return steps


@handles(ast.GrantStmt, ObjectType.OBJECT_TABLE, ObjectType.OBJECT_SEQUENCE, ObjectType.OBJECT_FUNCTION,
         ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE, ObjectType.OBJECT_SCHEMA,
         ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN)  # fmt: skip
def grant(node: ast.GrantStmt, ctx: Context) -> list[Step]:
    """GRANT/REVOKE privileges → the opposite change, only for what actually changed."""
    cat = ctx.catalog
    targets = _targets(node, ctx)
    roles = [role_name(r, cat.current_user) for r in node.grantees]
    before: dict[tuple[str, str], tuple[Acl, Acl]] = {}
    plans = []
    for t in targets:
        obj, cols = _privileges(node, t.kind)
        if cols and t.kind not in ("table", "view", "materialized view"):
            raise Unsupported(f"column privileges on a {t.kind}")
        if t.owner in roles:
            if not node.is_grant:
                raise Unsupported(f"revoking privileges of {t.ref[0]} {t.ref[1]} from its owner {t.owner} is not modelled")
        affected = [t.ref] if obj else []
        if cols:
            affected += [("column", f"{t.ref[1]}.{quote_ident(c)}") for c in cols]
        if not node.is_grant and obj & COLUMN_PRIVILEGES and t.kind != "sequence":
            affected += _column_refs(cat, t)
        for ref in affected:
            before.setdefault(ref, _acl(cat, ref))
        plans.append((t, obj, cols))
    # objects whose earlier privileges for these roles are not known (``catalog.uncertain_acl``)
    # (one the migration created itself does not matter: its rollback drops it)
    doubts = {t.ref: cat.acl_doubt(t.ref, [r for r in roles if r != t.owner]) for t, _, _ in plans
              if t.ref not in cat.file_created}
    for t, obj, cols in plans:
        for role in roles:
            if role == t.owner:
                continue  # the owner holds every privilege implicitly
            if obj:
                _change(cat, t.ref, role, obj, node.is_grant, node.grant_option)
            for c, privs in cols.items():
                _change(cat, ("column", f"{t.ref[1]}.{quote_ident(c)}"), role, privs, node.is_grant, node.grant_option)
            if not node.is_grant and obj & COLUMN_PRIVILEGES and t.kind != "sequence":
                for cref in _column_refs(cat, t):
                    _change(cat, cref, role, obj & COLUMN_PRIVILEGES, False, node.grant_option)
        if obj and not cols:
            _learn(cat, t.ref, roles, obj == set(ALL_PRIVILEGES.get(_acl_kind(t.kind), ())), node)
    if any(doubts.values()):
        return _restore_steps(cat, {r: acl for r, acl in before.items() if not doubts.get(r)}) + ctx.manual(
            "; ".join(dict.fromkeys(d for d in doubts.values() if d))
            + ", so what this statement changed is not known")
    return _restore_steps(cat, before)


def _acl_kind(kind: str) -> str:
    return "table" if kind in ("view", "materialized view") else kind


def _learn(cat: Catalog, ref: tuple[str, str], roles: list[str], everything: bool, node: ast.GrantStmt) -> None:
    """After ``GRANT ALL`` / ``REVOKE ALL`` the roles' privileges on an object whose ACL is
    uncertain are known: all of them, or none."""
    entry = cat.uncertain_acl.get(ref)
    if entry is None or not everything or node.grant_option:
        return
    cat.uncertain_acl[ref] = (entry[0], entry[1] | frozenset(roles))


# -- role membership ----------------------------------------------------------------------


@handles(ast.GrantRoleStmt)
def grant_role(node: ast.GrantRoleStmt, ctx: Context) -> list[Step]:
    """GRANT role TO member → REVOKE role FROM member when it was not a member (and back)."""
    cat = ctx.catalog
    if node.opt:
        raise Unsupported("role membership options (ADMIN/INHERIT/SET) are not tracked")
    steps = []
    for ap in node.granted_roles:
        role = ap.priv_name
        for spec in node.grantee_roles:
            member = role_name(spec, cat.current_user)
            pair = (role, member)
            known = pair in cat.role_members
            if not known and role in _PLATFORM_ROLES and member in _PLATFORM_ROLES:
                raise Unsupported(
                    f"whether {member} was already a member of {role} is decided by the Supabase "
                    "platform, not by the migrations, so the earlier membership is not known"
                )
            if node.is_grant and not known:
                cat.role_members.add(pair)
                steps.append(
                    Step(
                        title=f"Revoke role {role} from {member}",
                        group="Revoke Grants",
                        sql=[f"REVOKE {quote_ident(role)} FROM {role_sql(member)};"],
                    ).hazard(Hazard.AUTHZ, f"narrows access: {member} loses the privileges of {role}")
                )
            elif not node.is_grant and known:
                cat.role_members.discard(pair)
                steps.append(
                    Step(
                        title=f"Grant role {role} back to {member}",
                        group="Restore Grants",
                        sql=[f"GRANT {quote_ident(role)} TO {role_sql(member)};"],
                    ).hazard(Hazard.AUTHZ, f"widens access: {member} regains the privileges of {role}")
                )
    return steps


# -- default privileges -----------------------------------------------------------------------

_DEFAULT_KIND = {
    ObjectType.OBJECT_TABLE: "table",
    ObjectType.OBJECT_SEQUENCE: "sequence",
    ObjectType.OBJECT_FUNCTION: "function",
    ObjectType.OBJECT_ROUTINE: "function",
    ObjectType.OBJECT_PROCEDURE: "function",
    ObjectType.OBJECT_TYPE: "type",
    ObjectType.OBJECT_DOMAIN: "type",
    ObjectType.OBJECT_SCHEMA: "schema",
}
_DEFAULT_SQL_KIND = {"table": "TABLES", "sequence": "SEQUENCES", "function": "FUNCTIONS", "type": "TYPES", "schema": "SCHEMAS"}


def default_acl(cat: Catalog, owner: str, schema: str | None, kind: str) -> Acl:
    """The default ACL (without the owner) of (owner, schema, kind) as pg_default_acl holds it.

    For the global entry (``schema`` None) with no row, PostgreSQL's built-in default.
    """
    entries = [dp for dp in cat.default_privileges if (dp.owner, dp.schema, dp.kind) == (owner, schema, kind)]
    if schema is None and not entries:
        return {r: set(p) for r, p in BUILTIN_DEFAULT_ACL.get(kind, {}).items()}
    return {dp.role: set(dp.privileges) for dp in entries if dp.privileges}


def set_default_acl(cat: Catalog, owner: str, schema: str | None, kind: str, acl: Acl) -> None:
    """Store ``acl`` as the entries of (owner, schema, kind), as SetDefaultACL would."""
    cat.default_privileges = [
        dp for dp in cat.default_privileges if (dp.owner, dp.schema, dp.kind) != (owner, schema, kind)
    ]
    acl = {r: p for r, p in acl.items() if p}
    builtin = BUILTIN_DEFAULT_ACL.get(kind, {})
    if schema is None and acl == builtin:
        return  # equal to the built-in default: PostgreSQL deletes the row
    roles = sorted(set(acl) | (set(builtin) if schema is None else set()))
    if schema is None and not roles:
        roles = ["public"]  # an existing global row that grants nothing
    for r in roles:
        cat.default_privileges.append(DefaultPrivilege(owner, schema, kind, r, frozenset(acl.get(r, set()))))


def _default_sql(owner: str, schema: str | None, kind: str, role: str, privs: set[str], grant: bool) -> str:
    plist = ", ".join(sorted(privs, key=lambda p: ALL_PRIVILEGES[kind].index(p)))
    where = f" IN SCHEMA {quote_ident(schema)}" if schema else ""
    head = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(owner)}{where}"
    what = f"{plist} ON {_DEFAULT_SQL_KIND[kind]}"
    if grant:
        return f"{head} GRANT {what} TO {role_sql(role)};"
    return f"{head} REVOKE {what} FROM {role_sql(role)};"


def schema_default_privileges_sql(cat: Catalog, schema: str) -> list[str]:
    """The ``ALTER DEFAULT PRIVILEGES ... IN SCHEMA schema`` statements that recreate its entries.

    PostgreSQL drops a schema's pg_default_acl rows with the schema, so a rollback that
    recreates it must put them back (before recreating its contents, which then receive
    them as they did when first created).
    """
    out = []
    for dp in sorted(
        (d for d in cat.default_privileges if d.schema == schema and d.privileges),
        key=lambda d: (d.owner, d.kind, d.role),
    ):
        out.append(_default_sql(dp.owner, schema, dp.kind, dp.role, set(dp.privileges), grant=True))
    return out


def _option_list(options: Iterable[ast.DefElem] | None, name: str) -> list:
    for o in options or ():
        if o.defname == name:
            return list(o.arg)
    return []


@handles(ast.AlterDefaultPrivilegesStmt)
def alter_default_privileges(node: ast.AlterDefaultPrivilegesStmt, ctx: Context) -> list[Step]:
    """ALTER DEFAULT PRIVILEGES → the opposite GRANT/REVOKE for what actually changed.

    One the generator cannot follow leaves the default privileges of its schemas (every
    schema, without ``IN SCHEMA``) uncertain: what objects created later receive is not
    known (``catalog.uncertain_defaults``). Where they already are uncertain, what this
    statement changes is not known either.
    """
    cat = ctx.catalog
    schemas = [s.sval for s in _option_list(node.options, "schemas")] or [""]
    doubt = next(filter(None, (cat.uncertain_defaults.get(s) or cat.uncertain_defaults.get("") for s in schemas)), None)
    try:
        if doubt:
            raise Unsupported(f"the default privileges it changes are not known: {doubt} may have changed them "
                              "in a way the generator does not follow")
        return _alter_default_privileges(node, ctx)
    except Unsupported:
        for s in schemas:
            cat.uncertain_defaults.setdefault(s, f"the ALTER DEFAULT PRIVILEGES at {ctx.stmt.where}")
        raise


def _alter_default_privileges(node: ast.AlterDefaultPrivilegesStmt, ctx: Context) -> list[Step]:
    cat = ctx.catalog
    act: ast.GrantStmt = node.action
    kind = _DEFAULT_KIND.get(act.objtype)
    if kind is None:
        raise Unsupported(f"default privileges on {act.objtype.name[7:].lower()}")
    if act.grant_option:
        raise Unsupported("default privileges WITH GRANT OPTION are not tracked")
    owners = [role_name(r, cat.current_user) for r in _option_list(node.options, "roles")] or [cat.current_user]
    schemas: list[str | None] = [s.sval for s in _option_list(node.options, "schemas")] or [None]
    allp = set(ALL_PRIVILEGES[kind])
    privs = allp if not act.privileges else {ap.priv_name.upper() for ap in act.privileges}
    if "ALL" in privs:
        privs = allp
    if privs - allp:
        raise Unsupported(f"privilege {', '.join(sorted(privs - allp))} on {kind}s")
    roles = [role_name(r, cat.current_user) for r in act.grantees]
    if set(owners) & set(roles) and None in schemas:
        # A global entry for the owner itself changes the owner's rights on new objects.
        raise Unsupported("global default privileges of the owner itself are not modelled")
    steps = []
    for owner in owners:
        for schema in schemas:
            old = default_acl(cat, owner, schema, kind)
            new = {r: set(p) for r, p in old.items()}
            for role in roles:
                cur = new.get(role, set())
                new[role] = cur | privs if act.is_grant else cur - privs
            set_default_acl(cat, owner, schema, kind, new)
            new = default_acl(cat, owner, schema, kind)
            sql = []
            for role in sorted(set(old) | set(new)):
                o, n = old.get(role, set()), new.get(role, set())
                if n - o:
                    sql.append(_default_sql(owner, schema, kind, role, n - o, grant=False))
                if o - n:
                    sql.append(_default_sql(owner, schema, kind, role, o - n, grant=True))
            if not sql:
                continue
            where = f" in schema {quote_ident(schema)}" if schema else ""
            step = Step(
                title=f"Restore default privileges of {owner} on new {kind}s{where}",
                group="Restore Default Privileges",
                sql=sql,
            )
            if any(" GRANT " in s for s in sql):
                step.hazard(Hazard.AUTHZ, f"widens access to {kind}s {owner} creates later{where}")
            if any(" REVOKE " in s for s in sql):
                step.hazard(Hazard.AUTHZ, f"narrows access to {kind}s {owner} creates later{where}")
            steps.append(step)
    return steps
