"""Row-level security policies: CREATE / ALTER / DROP / RENAME POLICY.

Rules:
- ``CREATE POLICY`` → ``DROP POLICY "name" ON schema.table`` (group "Drop Policies").
- ``ALTER POLICY`` (roles, USING, WITH CHECK) → ``ALTER POLICY`` back to the exact earlier
  values of the clauses it changed. When it added a clause the policy did not have
  (ALTER cannot remove one) the policy is dropped and recreated as it was.
- ``DROP POLICY [IF EXISTS]`` → recreate it exactly (``Policy.create_sql()``) with its
  comment. A policy the catalog does not know is a manual step, except ``IF EXISTS`` on a
  table whose policies are all known: then the drop did nothing and nor does the rollback.
- ``ALTER POLICY ... RENAME TO`` → rename back.

Every step that changes access carries an AUTHZ hazard: dropping a permissive policy
narrows access, dropping a restrictive one widens it; recreating is the reverse.
"""

from __future__ import annotations

from dataclasses import replace

from pglast import ast
from pglast.enums import ObjectType

from ..catalog import DEFAULT_SEARCH_PATH, Catalog, Key, Policy, SubKey
from ..engine import Context, Unsupported, handles
from ..refs import comment_sql, move_refs, policy_ref, role_name, table_ref
from ..sqltext import qname, quote_ident, render
from ..steps import Hazard, Step


def _table_key(ctx: Context, rv: ast.RangeVar) -> Key:
    return ctx.catalog.resolve_relation(rv.schemaname, rv.relname)


def _roles(ctx: Context, specs) -> list[str]:
    return [role_name(s, ctx.catalog.current_user) for s in specs or ()] or ["public"]


def _on(p: Policy) -> str:
    return f"{quote_ident(p.name)} ON {qname(p.schema, p.table)}"


def _effect(p: Policy) -> str:
    return f"{'permissive' if p.permissive else 'restrictive'} policy {_on(p)} (FOR {p.command} TO {', '.join(p.roles)})"


def _path(p: Policy) -> tuple[str, ...] | None:
    return None if p.search_path == DEFAULT_SEARCH_PATH else p.search_path


def _known(ctx: Context, key: SubKey) -> Policy:
    """The catalog's policy, or Unsupported when it is unknown or may be stale."""
    reason = ctx.tainted_reason(table_ref(key[:2])) or ctx.tainted_reason(policy_ref(*key))
    if reason:
        raise Unsupported(reason)
    pol = ctx.catalog.policies.get(key)
    if pol is None:
        raise Unsupported(
            f"policy {quote_ident(key[2])} ON {qname(*key[:2])} is not in the migration history, "
            "so its earlier definition is not known"
        )
    reason = _reads_distrusted(ctx, pol)
    if reason:
        raise Unsupported(reason)
    return pol


def _reads_distrusted(ctx: Context, pol: Policy) -> str | None:
    """Why the recorded text of ``pol`` may be stale because of another relation it reads:
    a statement the generator could not follow may have renamed that relation's columns
    (PostgreSQL rewrites the policy, the catalog cannot) or dropped them with it."""
    from .views import _expression_relations, _resolve_under

    cat = ctx.catalog
    for expr in (pol.using, pol.check):
        for schema, name in _expression_relations(expr) if expr else ():
            rel = _resolve_under(cat, pol.search_path, schema, name)
            kind = cat.relation_kind(rel)
            if rel == (pol.schema, pol.table) or not kind:
                continue
            why = ctx.tainted_reason(("view" if "view" in kind else "table", qname(*rel)))
            if why:
                return f"policy {_on(pol)} reads {qname(*rel)}: {why}"
    return None


def drop_step(p: Policy) -> Step:
    """The rollback step that drops policy ``p``."""
    verb = "narrows" if p.permissive else "widens"
    return Step(
        title=f"Drop policy {_on(p)}",
        group="Drop Policies",
        sql=[f"DROP POLICY {_on(p)};"],
    ).hazard(Hazard.AUTHZ, f"{verb} access to {qname(p.schema, p.table)}: drops {_effect(p)}")


def recreate_step(catalog: Catalog, p: Policy) -> Step:
    """The rollback step that recreates policy ``p`` (with its comment) as the catalog has it."""
    sql = [p.create_sql() + ";"]
    ref = policy_ref(p.schema, p.table, p.name)
    if ref in catalog.comments:
        sql.append(comment_sql("policy", ref[1], catalog.comments[ref]))
    verb = "widens" if p.permissive else "narrows"
    return Step(
        title=f"Recreate policy {_on(p)}",
        group="Recreate Policies",
        sql=sql,
        search_path=_path(p),
    ).hazard(Hazard.AUTHZ, f"{verb} access to {qname(p.schema, p.table)}: recreates {_effect(p)}")


def table_policies(catalog: Catalog, key: Key) -> list[Policy]:
    """The policies of table ``key`` (for modules that drop and recreate tables)."""
    return [p for k, p in catalog.policies.items() if k[:2] == key]


@handles(ast.CreatePolicyStmt)
def create_policy(node: ast.CreatePolicyStmt, ctx: Context) -> list[Step]:
    """CREATE POLICY → DROP POLICY."""
    schema, table = _table_key(ctx, node.table)
    pol = Policy(
        schema=schema,
        table=table,
        name=node.policy_name,
        permissive=bool(node.permissive),
        command=(node.cmd_name or "all").upper(),
        roles=_roles(ctx, node.roles),
        using=render(node.qual) if node.qual is not None else None,
        check=render(node.with_check) if node.with_check is not None else None,
        search_path=ctx.catalog.search_path,
    )
    ctx.catalog.policies[(schema, table, pol.name)] = pol
    return [drop_step(pol)]


def _roles_change(old: list[str], new: list[str]) -> str | None:
    """"widens"/"narrows" when going from ``new`` roles back to ``old`` is clearly one."""
    o, n = set(old), set(new)
    if o == n:
        return None
    if "public" in o or (o > n and "public" not in n):
        return "widens"
    if "public" in n or o < n:
        return "narrows"
    return None


@handles(ast.AlterPolicyStmt)
def alter_policy(node: ast.AlterPolicyStmt, ctx: Context) -> list[Step]:
    """ALTER POLICY → ALTER POLICY back to the earlier roles/USING/WITH CHECK."""
    schema, table = _table_key(ctx, node.table)
    key = (schema, table, node.policy_name)
    old = _known(ctx, key)
    new = replace(old, roles=list(old.roles))
    if node.roles:
        new.roles = _roles(ctx, node.roles)
    if node.qual is not None:
        new.using = render(node.qual)
        new.search_path = ctx.catalog.search_path
    if node.with_check is not None:
        new.check = render(node.with_check)
        new.search_path = ctx.catalog.search_path
    ctx.catalog.policies[key] = new
    exprs_changed = (old.using, old.check) != (new.using, new.check)
    direction = None if exprs_changed else _roles_change(old.roles, new.roles)
    if direction and not old.permissive:
        direction = "narrows" if direction == "widens" else "widens"
    what = "roles, USING and WITH CHECK" if exprs_changed else "roles"
    reason = f"{direction or 'changes'} access to {qname(schema, table)}: restores the earlier {what} of {_effect(old)}"
    if (old.using is None and new.using is not None) or (old.check is None and new.check is not None):
        # ALTER POLICY cannot remove a clause: drop and recreate as it was.
        step = recreate_step(ctx.catalog, old)
        step.title = f"Restore policy {_on(old)}"
        step.group = "Restore Policies"
        step.sql.insert(0, f"DROP POLICY {_on(new)};")
        step.hazards.clear()
        return [step.hazard(Hazard.AUTHZ, reason)]
    parts = []
    if old.roles != new.roles:
        parts.append("TO " + ", ".join("public" if r == "public" else quote_ident(r) for r in old.roles))
    if old.using != new.using:
        parts.append(f"USING ({old.using})")
    if old.check != new.check:
        parts.append(f"WITH CHECK ({old.check})")
    if not parts:
        return []
    return [
        Step(
            title=f"Restore policy {_on(old)}",
            group="Restore Policies",
            sql=[f"ALTER POLICY {_on(old)} {' '.join(parts)};"],
            search_path=_path(old),
        ).hazard(Hazard.AUTHZ, reason)
    ]


@handles(ast.DropStmt, ObjectType.OBJECT_POLICY)
def drop_policy(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """DROP POLICY [IF EXISTS] → recreate the policy exactly, with its comment."""
    steps: list[Step] = []
    for obj in node.objects:
        names = [s.sval for s in obj]
        *rel, name = names
        schema, table = ctx.catalog.resolve_relation(rel[-2] if len(rel) > 1 else None, rel[-1])
        key = (schema, table, name)
        if key not in ctx.catalog.policies and node.missing_ok:
            reason = ctx.tainted_reason(table_ref((schema, table)))
            if (schema, table) in ctx.catalog.tables and not reason:
                continue  # the policy did not exist: the statement did nothing
        try:
            steps.append(recreate_step(ctx.catalog, _known(ctx, key)))
        except Unsupported as exc:
            steps += ctx.manual(str(exc))
        ctx.catalog.policies.pop(key, None)  # gone, whatever the rollback knows of it
        ctx.catalog.drop_object_refs(policy_ref(*key))
    return steps


@handles(ast.RenameStmt, ObjectType.OBJECT_POLICY)
def rename_policy(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """ALTER POLICY old ON t RENAME TO new → ALTER POLICY new ON t RENAME TO old.

    A rename does not change who can access what, so it carries no AUTHZ hazard.
    """
    schema, table = _table_key(ctx, node.relation)
    old_key, new_key = (schema, table, node.subname), (schema, table, node.newname)
    pol = ctx.catalog.policies.pop(old_key, None)
    if pol is not None:
        pol.name = node.newname
        ctx.catalog.policies[new_key] = pol
    move_refs(ctx.catalog, policy_ref(*old_key), policy_ref(*new_key))
    return [
        Step(
            title=f"Rename policy {quote_ident(node.newname)} on {qname(schema, table)} back to {quote_ident(node.subname)}",
            group="Restore Policies",
            sql=[
                f"ALTER POLICY {quote_ident(node.newname)} ON {qname(schema, table)} "
                f"RENAME TO {quote_ident(node.subname)};"
            ],
        )
    ]
