"""Object references (``ObjRef``) and the SQL that restores an object's grants and comments.

An ``ObjRef`` is ``(kind, identity)`` where ``identity`` is the object's name exactly as
SQL writes it after ``GRANT ... ON <kind>`` or ``COMMENT ON <kind>``:

    ("table", "public.t")             ("column", "public.t.c")
    ("view", "public.v")              ("sequence", "public.s")
    ("function", "public.f(bigint)")  ("procedure", "public.p(text)")
    ("schema", "app")                 ("type", "public.mood")
    ("policy", '"p x" ON public.t')   ("trigger", "trg ON public.t")
    ("index", "public.i")             ("constraint", "c ON public.t")
    ("extension", "pgcrypto")

Tables and views share the ``"table"`` kind for grants (PostgreSQL's ``GRANT ... ON TABLE``).
"""

from __future__ import annotations

from .catalog import ALL_PRIVILEGES, Catalog, Key, ObjRef
from .sqltext import literal, qname, quote_ident


def table_ref(key: Key) -> ObjRef:
    return ("table", qname(*key))


def column_ref(key: Key, column: str) -> ObjRef:
    return ("column", f"{qname(*key)}.{quote_ident(column)}")


def role_sql(role: str) -> str:
    return "PUBLIC" if role.lower() == "public" else quote_ident(role)


def grant_sql(kind: str, identity: str, role: str, privs: set[str], revoke: bool = False) -> str:
    """``GRANT SELECT, UPDATE ON TABLE public.t TO anon;`` (or the REVOKE)."""
    order = ALL_PRIVILEGES.get(kind, ())
    plist = ", ".join(sorted(privs, key=lambda p: order.index(p) if p in order else 99))
    if kind == "column":
        rel, _, col = identity.rpartition(".")
        target, what = f"TABLE {rel}", f"{plist} ({col})"
    else:
        target, what = f"{kind.upper()} {identity}", plist
        if kind == "view":
            target = f"TABLE {identity}"
    if revoke:
        return f"REVOKE {what} ON {target} FROM {role_sql(role)};"
    return f"GRANT {what} ON {target} TO {role_sql(role)};"


def acl_diff_sql(kind: str, identity: str, have: dict[str, set[str]], want: dict[str, set[str]]) -> list[str]:
    """GRANT/REVOKE statements that turn the ACL ``have`` into ``want``."""
    out = []
    for role in sorted(set(have) | set(want)):
        cur, tgt = have.get(role, set()), want.get(role, set())
        if cur - tgt:
            out.append(grant_sql(kind, identity, role, cur - tgt, revoke=True))
        if tgt - cur:
            out.append(grant_sql(kind, identity, role, tgt - cur))
    return out


def restore_acl_sql(catalog: Catalog, kind: str, schema: str | None, ref: ObjRef, want: dict[str, set[str]]) -> list[str]:
    """After an object is recreated by the rollback, the statements that give it ``want``.

    A recreated object first receives what PostgreSQL grants any new object of its kind
    (default privileges, PUBLIC EXECUTE on functions); the result is the difference.
    """
    probe = Catalog(default_privileges=catalog.default_privileges, current_user=catalog.current_user)
    probe.apply_default_privileges(kind, schema or "", ref)
    have = probe.grants.get(ref, {})
    return acl_diff_sql("table" if kind == "view" else kind, ref[1], have, want)


def comment_sql(kind: str, identity: str, text: str | None) -> str:
    return f"COMMENT ON {kind.upper()} {identity} IS {literal(text)};"
