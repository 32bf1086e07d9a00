"""Object references (``ObjRef``) and the SQL that restores an object's grants and comments.

An ``ObjRef`` is ``(kind, identity)`` where ``identity`` is the object's name exactly as
SQL writes it after ``GRANT ... ON <kind>`` or ``COMMENT ON <kind>``:

    ("table", "public.t")             ("column", "public.t.c")
    ("view", "public.v")              ("materialized view", "public.mv")
    ("sequence", "public.s")          ("schema", "app")
    ("function", "public.f(bigint)")  ("procedure", "public.p(text)")
    ("type", "public.mood")           (enums, domains, composite and range types alike)
    ("policy", '"p x" ON public.t')   ("trigger", "trg ON public.t")
    ("index", "public.i")             ("constraint", "c ON public.t")
    ("extension", "pgcrypto")         ("publication", "supabase_realtime")

A relation's kind is what it is (``relation_ref`` picks it from the catalog); grants on
views and materialized views are written ``GRANT ... ON TABLE`` as PostgreSQL requires,
and their comments ``COMMENT ON VIEW`` / ``COMMENT ON MATERIALIZED VIEW``.
The owner's own privileges are implicit: they are never stored nor granted.
"""

from __future__ import annotations

from .catalog import ALL_PRIVILEGES, Catalog, Key, ObjRef
from .sqltext import literal, qname, quote_ident

Acl = dict[str, set[str]]  # role -> privileges ("public" is PUBLIC)

# ObjRef kind -> what GRANT writes before the object's name.
_GRANT_TARGET = {
    "table": "TABLE",
    "view": "TABLE",
    "materialized view": "TABLE",
    "sequence": "SEQUENCE",
    "function": "FUNCTION",
    "procedure": "PROCEDURE",
    "schema": "SCHEMA",
    "type": "TYPE",
}


def table_ref(key: Key) -> ObjRef:
    return ("table", qname(*key))


def column_ref(key: Key, column: str) -> ObjRef:
    return ("column", f"{qname(*key)}.{quote_ident(column)}")


def relation_ref(catalog: Catalog, key: Key) -> ObjRef | None:
    """The ref of an existing relation: table, view, materialized view or sequence."""
    kind = catalog.relation_kind(key)
    if kind in ("table", "view", "materialized view", "sequence", "index"):
        return (kind, qname(*key))
    return None


def type_ref(key: Key) -> ObjRef:
    return ("type", qname(*key))


def schema_ref(name: str) -> ObjRef:
    return ("schema", quote_ident(name))


def function_ref(schema: str, name: str, identity_args: str, kind: str = "function") -> ObjRef:
    """``("function", "public.f(bigint, text)")``; procedures get kind "procedure"."""
    return ("procedure" if kind == "procedure" else "function", f"{qname(schema, name)}({identity_args})")


def policy_ref(schema: str, table: str, name: str) -> ObjRef:
    return ("policy", f"{quote_ident(name)} ON {qname(schema, table)}")


def trigger_ref(schema: str, table: str, name: str) -> ObjRef:
    return ("trigger", f"{quote_ident(name)} ON {qname(schema, table)}")


def constraint_ref(key: Key, name: str) -> ObjRef:
    return ("constraint", f"{quote_ident(name)} ON {qname(*key)}")


def role_sql(role: str) -> str:
    return "PUBLIC" if role == "public" else quote_ident(role)  # a role named "Public" is not PUBLIC


def _plist(kind: str, privs: set[str]) -> str:
    order = ALL_PRIVILEGES.get(kind, ())
    return ", ".join(sorted(privs, key=lambda p: (order.index(p) if p in order else 99, p)))


def grant_sql(
    kind: str,
    identity: str,
    role: str,
    privs: set[str],
    revoke: bool = False,
    grant_option: bool = False,
) -> str:
    """``GRANT SELECT, UPDATE ON TABLE public.t TO anon;`` (or the REVOKE).

    ``grant_option`` adds ``WITH GRANT OPTION`` to a GRANT, and makes a REVOKE
    ``REVOKE GRANT OPTION FOR`` (which keeps the privileges themselves).
    """
    plist = _plist(kind, privs)
    if kind == "column":
        # a quoted column name may contain dots: split at the last dot outside quotes
        rel, col = _split_column(identity)
        # each privilege names the column: "SELECT, UPDATE (c)" would grant SELECT on the whole table
        target, what = f"TABLE {rel}", ", ".join(f"{p} ({col})" for p in plist.split(", "))
    else:
        target, what = f"{_GRANT_TARGET.get(kind, kind.upper())} {identity}", plist
    if revoke:
        prefix = "REVOKE GRANT OPTION FOR" if grant_option else "REVOKE"
        return f"{prefix} {what} ON {target} FROM {role_sql(role)};"
    suffix = " WITH GRANT OPTION" if grant_option else ""
    return f"GRANT {what} ON {target} TO {role_sql(role)}{suffix};"


def _split_column(identity: str) -> tuple[str, str]:
    """``'public.t."a.b"'`` -> ``('public.t', '"a.b"')``."""
    in_quote = False
    last = -1
    for i, ch in enumerate(identity):
        if ch == '"':
            in_quote = not in_quote
        elif ch == "." and not in_quote:
            last = i
    return identity[:last], identity[last + 1 :]


def acl_diff_sql(
    kind: str,
    identity: str,
    have: Acl,
    want: Acl,
    have_options: Acl | None = None,
    want_options: Acl | None = None,
) -> list[str]:
    """GRANT/REVOKE statements that turn the ACL ``have`` into ``want``.

    ``*_options`` give the privileges held WITH GRANT OPTION (None: none).
    """
    have_options = have_options or {}
    want_options = want_options or {}
    out = []
    roles = set(have) | set(want) | set(have_options) | set(want_options)
    for role in sorted(roles):
        cur, tgt = have.get(role, set()), want.get(role, set())
        cur_o, tgt_o = have_options.get(role, set()) & cur, want_options.get(role, set()) & tgt
        if cur - tgt:
            out.append(grant_sql(kind, identity, role, cur - tgt, revoke=True))
        drop_opts = (cur_o & tgt) - tgt_o
        if drop_opts:
            out.append(grant_sql(kind, identity, role, drop_opts, revoke=True, grant_option=True))
        plain = (tgt - cur) - tgt_o
        if plain:
            out.append(grant_sql(kind, identity, role, plain))
        with_opt = tgt_o - cur_o
        if with_opt:
            out.append(grant_sql(kind, identity, role, with_opt, grant_option=True))
    return out


def default_acl(catalog: Catalog, kind: str, schema: str | None, ref: ObjRef) -> Acl:
    """The ACL PostgreSQL gives a new object of ``kind`` created now by the current user."""
    probe = Catalog(default_privileges=catalog.default_privileges, current_user=catalog.current_user)
    probe.apply_default_privileges(kind, schema or "", ref)
    return probe.grants.get(ref, {})


def restore_acl_sql(
    catalog: Catalog,
    kind: str,
    schema: str | None,
    ref: ObjRef,
    want: Acl,
    want_options: Acl | None = None,
) -> list[str]:
    """After an object is recreated by the rollback, the statements that give it ``want``.

    A recreated object first receives what PostgreSQL grants any new object of its kind
    (default privileges, PUBLIC EXECUTE on functions, PUBLIC USAGE on types); the result
    is the difference. ``kind`` is the ObjRef kind used for default privileges.
    """
    doubt = catalog.acl_doubt(ref)
    if doubt:
        from .engine import Unsupported

        raise Unsupported(doubt)
    if catalog.defaults_doubt(schema):  # what the new object receives is not known: clear it first
        return [reset_acl_sql(ref[0], ref[1]), *acl_diff_sql(ref[0], ref[1], {}, want, None, want_options)]
    have = default_acl(catalog, kind, schema, ref)
    return acl_diff_sql(ref[0], ref[1], have, want, None, want_options)


# ObjRef kind -> (catalog table, its ACL, owner and oid columns, the regtype that reads the
# identity, acldefault's object type)
_ACL_OF = {
    "table": ("pg_class", "relacl", "relowner", "regclass", "r"),
    "view": ("pg_class", "relacl", "relowner", "regclass", "r"),
    "materialized view": ("pg_class", "relacl", "relowner", "regclass", "r"),
    "sequence": ("pg_class", "relacl", "relowner", "regclass", "s"),
    "function": ("pg_proc", "proacl", "proowner", "regprocedure", "f"),
    "procedure": ("pg_proc", "proacl", "proowner", "regprocedure", "f"),
    "type": ("pg_type", "typacl", "typowner", "regtype", "T"),
    "schema": ("pg_namespace", "nspacl", "nspowner", "regnamespace", "n"),
}


def reset_acl_sql(kind: str, identity: str) -> str:
    """A block that revokes every privilege anyone but the owner holds on the object.

    For an object the rollback recreates where the default privileges are not known (a
    statement the generator could not follow may have changed them): whatever PostgreSQL
    gave it is cleared, and the recorded privileges are granted after it.
    """
    table, acl, owner, reg, code = _ACL_OF[kind]
    target = f"{_GRANT_TARGET[kind]} {identity}".replace("%", "%%")
    return (
        "DO $acl$\n"
        "DECLARE\n"
        "  grantee text;\n"
        "BEGIN\n"
        "  FOR grantee IN\n"
        "    SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END\n"
        f"    FROM {table} o, aclexplode(coalesce(o.{acl}, acldefault('{code}', o.{owner}))) a\n"
        f"    WHERE o.oid = {literal(identity)}::{reg} AND a.grantee <> o.{owner}\n"
        "  LOOP\n"
        f"    EXECUTE format({literal('REVOKE ALL ON ' + target + ' FROM %s')}, grantee);\n"
        "  END LOOP;\n"
        "END\n"
        "$acl$;"
    )


def comment_sql(kind: str, identity: str, text: str | None) -> str:
    return f"COMMENT ON {kind.upper()} {identity} IS {literal(text)};"


def restore_refs_sql(catalog: Catalog, ref: ObjRef, schema: str | None, columns: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Grants and comments of ``ref`` (as the catalog holds them now) for its recreation.

    Call with the catalog state *before* the object is dropped. ``columns`` (for
    relations) adds each column's grants and comment.
    """
    out = restore_acl_sql(
        catalog, ref[0], schema, ref, catalog.grants.get(ref, {}), catalog.grant_options.get(ref, {})
    )
    if ref in catalog.comments:
        out.append(comment_sql(ref[0], ref[1], catalog.comments[ref]))
    for col in columns:
        cref = ("column", f"{ref[1]}.{quote_ident(col)}")
        out += acl_diff_sql("column", cref[1], {}, catalog.grants.get(cref, {}), None, catalog.grant_options.get(cref, {}))
        if cref in catalog.comments:
            out.append(comment_sql("column", cref[1], catalog.comments[cref]))
    return out


def move_refs(catalog: Catalog, old: ObjRef, new: ObjRef) -> None:
    """An object was renamed (or moved): carry its grants, comment and taint along.

    For relations, the refs of its columns follow too.
    """
    prefix = old[1] + "."
    for store in (catalog.grants, catalog.grant_options, catalog.comments, catalog.tainted, catalog.uncertain_acl):
        for ref in store.related(old[1]):
            if ref == old:
                store[new] = store.pop(ref)
            elif (
                old[0] in ("table", "view", "materialized view")
                and ref[0] == "column"
                and ref[1].startswith(prefix)
            ):
                store[("column", new[1] + "." + ref[1][len(prefix):])] = store.pop(ref)


def role_name(spec, current_user: str) -> str:
    """The role a ``RoleSpec`` names: "public" for PUBLIC, the user for CURRENT_USER."""
    from pglast.enums import RoleSpecType

    if spec.roletype == RoleSpecType.ROLESPEC_CSTRING:
        return spec.rolename
    if spec.roletype == RoleSpecType.ROLESPEC_PUBLIC:
        return "public"
    return current_user  # CURRENT_USER, CURRENT_ROLE, SESSION_USER
