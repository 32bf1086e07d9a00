"""Views and materialized views (and CREATE TABLE ... AS, their table-valued sibling).

Rules implemented:

- ``CREATE VIEW`` → ``DROP VIEW``; ``CREATE MATERIALIZED VIEW`` → ``DROP MATERIALIZED VIEW``.
  New views get the TABLES default privileges, as PostgreSQL gives them.
- ``CREATE OR REPLACE VIEW`` of an existing view → the previous definition. When both
  definitions provably have the same output columns it is ``CREATE OR REPLACE`` again;
  otherwise (PostgreSQL cannot drop or rename view columns with OR REPLACE) the view is
  dropped and recreated, together with the views that depend on it, with grants,
  comments, triggers and owner.
- ``DROP VIEW`` / ``DROP MATERIALIZED VIEW`` → recreate from the catalog with grants,
  comments, owner, triggers (and a materialized view's indexes); under ``CASCADE`` the
  dependent views the catalog knows are recreated too, in dependency order, and the
  policies that read any of them.
- ``ALTER VIEW/MATERIALIZED VIEW ... RENAME`` and ``SET SCHEMA`` → move back; views that
  reference the moved one have their recorded definitions rewritten, as PostgreSQL
  (which stores views by OID) effectively does; so have policies that name it, where
  ``policy_follow`` can bind every name with certainty (they are distrusted otherwise).
- ``ALTER VIEW ... SET/RESET (options)`` and ``OWNER TO`` → restore the previous values.
- ``REFRESH MATERIALIZED VIEW`` has no inverse (contents are derived data).
- ``CREATE TABLE ... AS`` → ``DROP TABLE`` after a backup (the rows may have changed);
  the columns are not statically known, so the table is recorded as opaque (tainted).

Definitions are stored fully qualified at the top level with the search_path they were
written under, because view bodies keep unqualified names resolved at creation.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, DropBehavior, ObjectType, SetOperation, ViewCheckOption
from pglast.visitors import Visitor

from ..catalog import Catalog, Key, Table, View
from ..engine import Context, Unsupported, handles
from ..refs import acl_diff_sql, comment_sql, move_refs, restore_acl_sql, role_name, trigger_ref
from ..sqltext import may_name, qname, quote_ident, render, clone
from ..textscan import Scan
from ..steps import Backup, Hazard, Step
from . import indexes, owners

GROUP_DROP = "Drop Views"
GROUP_RESTORE = "Restore Views"
GROUP_RECREATE = "Recreate Views"
GROUP_RENAME = "Rename Views"


# -- recorded definitions ----------------------------------------------------------------------


def kind_of(view: View) -> str:
    """The ObjRef kind and SQL keyword of a view: "view" or "materialized view"."""
    return "materialized view" if view.materialized else "view"


def view_ref(view: View) -> tuple[str, str]:
    return (kind_of(view), qname(view.schema, view.name))


def _parse(definition: str) -> ast.Node:
    return parse_sql(definition)[0].stmt


def _rel(node: ast.Node) -> ast.RangeVar:
    return node.view if isinstance(node, ast.ViewStmt) else node.into.rel


def create_sql(view: View, replace: bool = False) -> str:
    """The recorded definition under the view's current name (optionally OR REPLACE)."""
    node = _parse(view.definition)
    rel = _rel(node)
    rel.schemaname, rel.relname = view.schema, view.name
    if isinstance(node, ast.ViewStmt):
        node.replace = replace
    else:
        node.if_not_exists = False
    return render(node) + ";"


def _set_definition(view: View, node: ast.Node) -> None:
    view.definition = render(node)


class _Names(Visitor):
    def __init__(self) -> None:
        self.rels: list[ast.RangeVar] = []
        self.ctes: set[str] = set()

    def visit_RangeVar(self, ancestors, node):  # noqa: N802 (pglast's naming)
        self.rels.append(node)

    def visit_CommonTableExpr(self, ancestors, node):  # noqa: N802
        self.ctes.add(node.ctename)


def _resolve_under(cat: Catalog, path: tuple[str, ...], schema: str | None, name: str) -> Key:
    saved = cat.search_path
    cat.search_path = path
    try:
        return cat.resolve_relation(schema, name)
    finally:
        cat.search_path = saved


def _body_rangevars(cat: Catalog, view: View) -> list[tuple[ast.RangeVar, Key]]:
    """Every relation the view's query names, resolved as at its creation."""
    node = _parse(view.definition)
    v = _Names()
    v(node.query)
    out = []
    for rv in v.rels:
        if not rv.schemaname and rv.relname in v.ctes:
            if cat.relation_kind(_resolve_under(cat, view.search_path, None, rv.relname)):
                raise Unsupported(
                    f"view {qname(view.schema, view.name)} uses a CTE named like the relation {rv.relname}; "
                    "its dependencies are ambiguous"
                )
            continue
        out.append((rv, _resolve_under(cat, view.search_path, rv.schemaname, rv.relname)))
    return out


def references(cat: Catalog, view: View) -> set[Key]:
    return {key for _, key in _body_rangevars(cat, view)}


class _Stars(Visitor):
    def __init__(self) -> None:
        self.found = False

    def visit_A_Star(self, ancestors, node):  # noqa: N802
        self.found = True


def uses_star(definition: str) -> bool:
    v = _Stars()
    v(_parse(definition).query)
    return v.found


def fingerprint(cat: Catalog, key: Key) -> str | None:
    """What ``*`` over relation ``key`` expands to now (None: not known)."""
    if key in cat.tables and ("table", qname(*key)) not in cat.tainted:
        return "table:" + ",".join(quote_ident(c) for c in cat.tables[key].columns)
    if key in cat.views:
        node = _parse(cat.views[key].definition)
        cols = node.aliases if isinstance(node, ast.ViewStmt) else node.into.colNames
        aliases = ",".join(a.sval for a in cols or ())
        return f"view:({aliases}) {render(node.query)}"
    return None


def star_sources(cat: Catalog, view: View) -> dict[Key, str | None]:
    """The fingerprints to record for ``view`` (empty when its query uses no ``*``)."""
    if not uses_star(view.definition):
        return {}
    return {key: fingerprint(cat, key) for key in sorted(references(cat, view))}


def _check_star(cat: Catalog, view: View) -> None:
    for key, then in view.star_sources.items():
        if then is None or fingerprint(cat, key) != then:
            raise Unsupported(
                f"view {qname(view.schema, view.name)} was created with *, which PostgreSQL expanded to the "
                f"columns {qname(*key)} had then; "
                + ("those are not known" if then is None else "they have changed since")
                + ", so its recorded definition would not recreate it exactly"
            )


VIEWS = Scan("views.view", lambda v: (v.definition,))  # views that may name something (generator/textscan.py)


def dependent_views(cat: Catalog, keys: list[Key]) -> list[Key]:
    """Views (transitively) built on any of ``keys``, excluding ``keys`` themselves."""
    found: list[Key] = []
    frontier = set(keys)
    deps: dict[Key, set[Key]] = {}  # parsed only for views whose text may name the frontier
    every = list(cat.views.items())
    objs = [v for _, v in every]
    while frontier:
        names = [k[1] for k in frontier]
        nxt = set()
        for k, v in (every[i] for i in VIEWS.find(objs, names)):
            if k in found or k in keys or not may_name(v.definition, names):
                continue
            if k not in deps:
                deps[k] = references(cat, v)
            if deps[k] & frontier:
                nxt.add(k)
        found.extend(sorted(nxt))
        frontier = nxt
    return found


def creation_order(cat: Catalog, keys: list[Key]) -> list[Key]:
    """``keys`` ordered so that every view comes after the views it reads."""
    pending = list(dict.fromkeys(keys))
    deps = {k: references(cat, cat.views[k]) & set(pending) for k in pending}
    out: list[Key] = []
    while pending:
        ready = [k for k in pending if not (deps[k] - set(out) - {k})]
        if not ready:
            raise Unsupported("views that depend on each other in a cycle cannot be recreated")
        out.extend(ready)
        pending = [k for k in pending if k not in ready]
    return out


def _column_refs(cat: Catalog, rel_ident: str) -> list[str]:
    prefix = rel_ident + "."
    seen: dict[str, None] = {}
    for store in (cat.grants, cat.comments):
        for ref in store.related(rel_ident):
            if ref[0] == "column" and ref[1].startswith(prefix):
                seen[ref[1]] = None
    return list(seen)


def recreate_steps(cat: Catalog, keys: list[Key]) -> list[Step]:
    """Steps that recreate the recorded views ``keys`` (in dependency order) as they are now.

    Each view comes back with its owner, grants, comments, column grants and comments and
    triggers; a materialized view also with its indexes.
    """
    steps: list[Step] = []
    for key in creation_order(cat, keys):
        view = cat.views[key]
        _check_star(cat, view)
        kind = kind_of(view)
        ref = view_ref(view)
        sql = [create_sql(view)]
        if view.owner and view.owner != cat.current_user:
            sql.append(f"ALTER {kind.upper()} {ref[1]} OWNER TO {quote_ident(view.owner)};")
        sql += restore_acl_sql(cat, kind, view.schema, ref, cat.grants.get(ref, {}), cat.grant_options.get(ref, {}))
        if ref in cat.comments:
            sql.append(comment_sql(kind, ref[1], cat.comments[ref]))
        for cident in _column_refs(cat, ref[1]):
            cref = ("column", cident)
            sql += acl_diff_sql("column", cident, {}, cat.grants.get(cref, {}), None, cat.grant_options.get(cref, {}))
            if cref in cat.comments:
                sql.append(comment_sql("column", cident, cat.comments[cref]))
        for tkey, trig in cat.triggers.items():
            if (tkey[0], tkey[1]) == key:
                sql.append(trig.definition.rstrip().rstrip(";") + ";")
                tref = trigger_ref(*tkey)
                if tref in cat.comments:
                    sql.append(comment_sql("trigger", tref[1], cat.comments[tref]))
        steps.append(
            Step(
                title=f"Recreate {kind} {ref[1]}",
                group=GROUP_RECREATE,
                sql=sql,
                search_path=view.search_path,
            )
        )
        for idx in [i for i in cat.indexes.values() if i.table == key] if view.materialized else ():  # only they have indexes
            steps += indexes.recreate_steps(cat, idx, new_relation=True)
    return steps


def forget_view(cat: Catalog, key: Key) -> None:
    """Remove a view with its refs, triggers and indexes from the catalog."""
    view = cat.views.pop(key)
    cat.drop_object_refs(view_ref(view))
    for ikey in [k for k, i in cat.indexes.items() if i.table == key]:
        indexes.forget_index(cat, ikey)
    for tkey in [k for k in cat.triggers if (k[0], k[1]) == key]:
        del cat.triggers[tkey]
        cat.drop_object_refs(trigger_ref(*tkey))


def _check_trusted(ctx: Context, cat: Catalog, keys: list[Key]) -> None:
    for key in keys:
        view = cat.views[key]
        for ref in (view_ref(view), ("table", qname(*key))):
            reason = ctx.tainted_reason(ref)
            if reason:
                raise Unsupported(reason)


# -- column names, for deciding whether OR REPLACE can revert ----------------------------------


def _query_names(query: ast.Node) -> list[str] | None:
    if not isinstance(query, ast.SelectStmt):
        return None
    if query.op != SetOperation.SETOP_NONE:
        return _query_names(query.larg)
    if query.valuesLists:
        return [f"column{i + 1}" for i in range(len(query.valuesLists[0]))]
    names = []
    for target in query.targetList or ():
        if target.name:
            names.append(target.name)
            continue
        val = target.val
        if isinstance(val, ast.ColumnRef) and isinstance(val.fields[-1], ast.A_Star):
            return None  # "*" expands to columns the generator cannot see
        try:
            name = indexes._figure_colname(val)[1]
        except Unsupported:
            return None
        names.append(name or "?column?")
    return names


def output_names(definition: str) -> list[str] | None:
    """The view's column names, or None when they cannot be known statically."""
    node = _parse(definition)
    names = _query_names(node.query)
    if names is None:
        return None
    aliases = [a.sval for a in node.aliases or ()]
    if len(aliases) > len(names):
        return None
    return aliases + names[len(aliases):]


# -- CREATE [OR REPLACE] VIEW ---------------------------------------------------------------------


@handles(ast.ViewStmt)
def create_view(node: ast.ViewStmt, ctx: Context) -> list[Step]:
    """``CREATE VIEW`` → ``DROP VIEW``; ``CREATE OR REPLACE`` → the previous definition."""
    cat = ctx.catalog
    rel = node.view
    if rel.relpersistence == "t":
        return []  # a temporary view is gone when the migration's session ends
    key = (rel.schemaname or cat.creation_schema(), rel.relname)
    stored = clone(node)
    stored.view.schemaname = key[0]
    stored.replace = False
    definition = render(stored)
    kind = cat.relation_kind(key)
    if kind is None:
        ref = ("view", qname(*key))
        view = View(
            schema=key[0], name=key[1], definition=definition, search_path=cat.search_path, owner=cat.current_user
        )
        view.star_sources = star_sources(cat, view)
        cat.views[key] = view
        cat.apply_default_privileges("view", key[0], ref)
        return [Step(title=f"Drop view {ref[1]}", group=GROUP_DROP, sql=[f"DROP VIEW {ref[1]};"])]
    if kind != "view" or not node.replace:
        raise Unsupported(f"{kind} {qname(*key)} already exists, so this statement fails")

    _check_trusted(ctx, cat, [key])
    old = cat.views[key]
    old_names = output_names(old.definition)
    if old_names is not None and old_names == output_names(definition):
        _check_star(cat, old)
        steps = [
            Step(
                title=f"Restore the previous definition of view {qname(*key)}",
                group=GROUP_RESTORE,
                sql=[create_sql(old, replace=True)],
                search_path=old.search_path,
            )
        ]
    else:
        # OR REPLACE cannot drop or rename columns: drop and recreate, dependents included.
        deps = dependent_views(cat, [key])
        _check_trusted(ctx, cat, deps)
        drops = [
            f"DROP {kind_of(cat.views[k]).upper()} {qname(*k)};"
            for k in reversed(creation_order(cat, deps))
        ]
        steps = [
            Step(
                title=f"Drop view {qname(*key)} to restore its previous columns",
                group=GROUP_RESTORE,
                sql=drops + [f"DROP VIEW {qname(*key)};"],
            ),
            *recreate_steps(cat, [key, *deps]),
        ]
    old.definition = definition
    old.search_path = cat.search_path
    old.star_sources = star_sources(cat, old)
    return steps


# -- DROP VIEW / DROP MATERIALIZED VIEW ------------------------------------------------------------


def _names(obj: ast.Node) -> list[str]:
    items = obj if isinstance(obj, (list, tuple)) else [obj]
    return [i.sval for i in items]


@handles(ast.DropStmt, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)
def drop_view(node: ast.DropStmt, ctx: Context) -> list[Step]:
    """``DROP [MATERIALIZED] VIEW`` → recreate it (and, under CASCADE, its dependents)."""
    cat = ctx.catalog
    want = "materialized view" if node.removeType == ObjectType.OBJECT_MATVIEW else "view"
    keys: list[Key] = []
    for obj in node.objects:
        names = _names(obj)
        if len(names) > 2:
            raise Unsupported(f"cross-database reference {'.'.join(names)}")
        key = cat.resolve_relation(*names) if len(names) == 2 else cat.resolve_relation(None, names[0])
        kind = cat.relation_kind(key)
        if kind is None:
            if node.missing_ok:
                continue
            raise Unsupported(f"{want} {qname(*key)} is not known from earlier migrations, so its definition cannot be restored")
        if kind != want:
            raise Unsupported(f"{qname(*key)} is a {kind}, not a {want}, so this statement fails")
        keys.append(key)
    if not keys:
        return []
    deps = [k for k in dependent_views(cat, keys) if k not in keys]
    if deps and node.behavior != DropBehavior.DROP_CASCADE:
        raise Unsupported(
            f"{', '.join(qname(*k) for k in deps)} depend(s) on it: PostgreSQL refuses DROP without CASCADE"
        )
    everything = keys + deps
    _check_trusted(ctx, cat, everything)
    from . import dependents

    pols = dependents.policies_on(cat, set(everything)) if node.behavior == DropBehavior.DROP_CASCADE else []
    for p in pols:
        reason = ctx.tainted_reason(("policy", f"{quote_ident(p.name)} ON {qname(p.schema, p.table)}"))
        if reason:
            raise Unsupported(reason)
    steps = dependents.recreate_after_cascade(cat, everything, pols)
    dependents.forget(cat, everything, pols)
    return steps


# -- RENAME / SET SCHEMA ------------------------------------------------------------------------------


def move_view(cat: Catalog, ctx: Context, old: Key, new: Key) -> None:
    """Rename or re-schema a view in the catalog; references to it follow."""
    from .policy_follow import PolicyFollower

    policies = PolicyFollower(cat, {old[1], new[1]}).start()
    # Views reading it: PostgreSQL keeps them pointing at the same view; rewrite their text.
    for other in cat.views.values():
        if (other.schema, other.name) == old:
            continue
        node = _parse(other.definition)
        hit = False
        for rv in _rangevars(node.query):
            if rv.relname == old[1] and _resolve_under(cat, other.search_path, rv.schemaname, rv.relname) == old:
                rv.schemaname, rv.relname = new
                hit = True
        if hit:
            _set_definition(other, node)
    for other in cat.views.values():
        if old in other.star_sources:
            other.star_sources = {(new if k == old else k): v for k, v in other.star_sources.items()}
    view = cat.views.pop(old)
    old_ref = view_ref(view)
    view.schema, view.name = new
    cat.views[new] = view
    node = _parse(view.definition)
    _rel(node).schemaname, _rel(node).relname = new
    _set_definition(view, node)
    move_refs(cat, old_ref, view_ref(view))
    policies.finish(ctx.stmt.where, relations={old: new})  # policies naming the view follow, or are distrusted
    for ikey in [k for k, i in cat.indexes.items() if i.table == old]:
        idx = cat.indexes[ikey]
        idx.table = new
        if ikey[0] != new[0]:  # indexes move with their relation
            cat.indexes.pop(ikey)
            idx.schema = new[0]
            cat.indexes[(new[0], idx.name)] = idx
            move_refs(cat, indexes.index_ref(*ikey), indexes.index_ref(new[0], idx.name))
    for tkey in [k for k in cat.triggers if (k[0], k[1]) == old]:
        trig = cat.triggers.pop(tkey)
        trig.schema, trig.table = new
        tnode = _parse(trig.definition)
        tnode.relation.schemaname, tnode.relation.relname = new
        trig.definition = render(tnode)
        cat.triggers[(new[0], new[1], tkey[2])] = trig
        move_refs(cat, trigger_ref(*tkey), trigger_ref(new[0], new[1], tkey[2]))


def _rangevars(node: ast.Node) -> list[ast.RangeVar]:
    v = _Names()
    v(node)
    return v.rels


@lru_cache(maxsize=4096)
def _expression_relations(expr: str) -> tuple[tuple[str | None, str], ...]:
    """The relations a policy expression names, as written (parsed once per text: a DROP
    TABLE asks this of every policy of the catalog)."""
    return tuple((rv.schemaname, rv.relname) for rv in _rangevars(parse_sql(f"SELECT {expr}")[0].stmt))


def _policy_references(cat: Catalog, pol, keys: set[Key]) -> bool:
    for expr in (pol.using, pol.check):
        if expr is None:
            continue
        for schema, name in _expression_relations(expr):
            if _resolve_under(cat, pol.search_path, schema, name) in keys:
                return True
    return False


policy_references = _policy_references  # for modules that follow CASCADE to policies


def _existing_view(ctx: Context, rel: ast.RangeVar, objtype: ObjectType, missing_ok: bool) -> Key | None:
    cat = ctx.catalog
    want = "materialized view" if objtype == ObjectType.OBJECT_MATVIEW else "view"
    key = cat.resolve_relation(rel.schemaname, rel.relname)
    kind = cat.relation_kind(key)
    if kind is None:
        if missing_ok:
            return None
        raise Unsupported(f"{want} {qname(*key)} is not known from earlier migrations")
    if kind != want:
        raise Unsupported(f"ALTER {want.upper()} on {kind} {qname(*key)} is not handled")
    return key


@handles(ast.RenameStmt, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)
def rename_view(node: ast.RenameStmt, ctx: Context) -> list[Step]:
    """``ALTER [MATERIALIZED] VIEW a RENAME TO b`` → rename back."""
    cat = ctx.catalog
    key = _existing_view(ctx, node.relation, node.renameType, node.missing_ok)
    if key is None:
        return []
    new = (key[0], node.newname)
    if cat.relation_name_taken(*new):
        raise Unsupported(f"relation {qname(*new)} already exists, so this statement fails")
    kind = kind_of(cat.views[key])
    move_view(cat, ctx, key, new)
    return [
        Step(
            title=f"Rename {kind} {qname(*new)} back to {quote_ident(key[1])}",
            group=GROUP_RENAME,
            sql=[f"ALTER {kind.upper()} {qname(*new)} RENAME TO {quote_ident(key[1])};"],
        )
    ]


@handles(ast.AlterObjectSchemaStmt, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)
def set_view_schema(node: ast.AlterObjectSchemaStmt, ctx: Context) -> list[Step]:
    """``ALTER [MATERIALIZED] VIEW v SET SCHEMA s`` → move it back."""
    cat = ctx.catalog
    key = _existing_view(ctx, node.relation, node.objectType, node.missing_ok)
    if key is None:
        return []
    new = (node.newschema, key[1])
    if new == key:
        return []
    if node.newschema not in cat.schemas:
        raise Unsupported(f"schema {quote_ident(node.newschema)} is not known from earlier migrations")
    if cat.relation_name_taken(*new):
        raise Unsupported(f"relation {qname(*new)} already exists, so this statement fails")
    kind = kind_of(cat.views[key])
    move_view(cat, ctx, key, new)
    return [
        Step(
            title=f"Move {kind} {qname(*new)} back to schema {quote_ident(key[0])}",
            group=GROUP_RENAME,
            sql=[f"ALTER {kind.upper()} {qname(*new)} SET SCHEMA {quote_ident(key[0])};"],
        )
    ]


# -- ALTER VIEW ... SET/RESET (options), OWNER TO -----------------------------------------------------

_CHECK_OPTION = {
    ViewCheckOption.LOCAL_CHECK_OPTION: "local",
    ViewCheckOption.CASCADED_CHECK_OPTION: "cascaded",
}


def _options(node: ast.ViewStmt) -> dict[str, str | None]:
    """Reloptions of a view as ``name -> value text`` (check_option included)."""
    out: dict[str, str | None] = {}
    for d in node.options or ():
        out[d.defname] = _value(d.arg)
    if node.withCheckOption in _CHECK_OPTION:
        out["check_option"] = _CHECK_OPTION[node.withCheckOption]
    return out


def _value(arg: ast.Node | None) -> str | None:
    if arg is None:
        return None
    if isinstance(arg, ast.String):
        return arg.sval
    if isinstance(arg, ast.Integer):
        return str(arg.ival)
    if isinstance(arg, ast.Float):
        return arg.fval
    if isinstance(arg, ast.Boolean):
        return "true" if arg.boolval else "false"
    return render(arg)


def _apply_options(node: ast.ViewStmt, opts: dict[str, str | None]) -> None:
    node.withCheckOption = ViewCheckOption.NO_CHECK_OPTION
    defs = []
    for name, val in opts.items():
        if name == "check_option":
            node.withCheckOption = (
                ViewCheckOption.LOCAL_CHECK_OPTION if (val or "").lower() == "local" else ViewCheckOption.CASCADED_CHECK_OPTION
            )
            continue
        defs.append(ast.DefElem(defname=name, arg=None if val is None else ast.String(sval=val)))
    node.options = tuple(defs) or None


def _option_sql(name: str, val: str | None) -> str:
    if val is None:
        return quote_ident(name)
    return f"{quote_ident(name)} = {_literal_option(val)}"


def _literal_option(val: str) -> str:
    """A reloption value as written after ``=``: a bare word or number, else a literal."""
    from ..sqltext import literal

    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+", val):
        return val
    return literal(val)


@handles(ast.AlterTableStmt, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)
def alter_view(node: ast.AlterTableStmt, ctx: Context) -> list[Step]:
    """``ALTER VIEW v SET (...)``, ``RESET (...)``, ``OWNER TO`` → restore the previous values.

    ``ALTER MATERIALIZED VIEW`` supports ``OWNER TO`` only. Giving a view back to its
    previous owner re-grants what the new owner held (PostgreSQL folded it into the
    owner's rights).
    """
    cat = ctx.catalog
    key = _existing_view(ctx, node.relation, node.objtype, node.missing_ok)
    if key is None:
        return []
    _check_trusted(ctx, cat, [key])
    view = copy.deepcopy(cat.views[key])
    qn = qname(*key)
    sql: list[str] = []
    owner_steps: list[Step] = []
    for cmd in node.cmds:
        vnode = _parse(view.definition)
        opts = _options(vnode) if not view.materialized else {}
        if view.materialized and cmd.subtype != AlterTableType.AT_ChangeOwner:
            raise Unsupported(f"ALTER MATERIALIZED VIEW subcommand {cmd.subtype.name} is not handled")
        if cmd.subtype in (AlterTableType.AT_SetRelOptions, AlterTableType.AT_ResetRelOptions):
            new = dict(opts)
            for d in cmd.def_:
                if cmd.subtype == AlterTableType.AT_SetRelOptions:
                    new[d.defname] = _value(d.arg) if d.arg is not None else "true"
                else:
                    new.pop(d.defname, None)
            changed = [n for n in set(opts) | set(new) if opts.get(n, "\0") != new.get(n, "\0") or (n in opts) != (n in new)]
            back_set = [_option_sql(n, opts[n]) for n in sorted(changed) if n in opts]
            back_reset = [quote_ident(n) for n in sorted(changed) if n not in opts]
            if back_set:
                sql.insert(0, f"ALTER VIEW {qn} SET ({', '.join(back_set)});")
            if back_reset:
                sql.insert(0, f"ALTER VIEW {qn} RESET ({', '.join(back_reset)});")
            _apply_options(vnode, new)
            _set_definition(view, vnode)
        elif cmd.subtype == AlterTableType.AT_ChangeOwner:
            previous = view.owner or cat.current_user
            view.owner = role_name(cmd.newowner, cat.current_user)
            word = kind_of(view)
            owner_steps = owners.give_back(
                cat, view_ref(view), f"ALTER {word.upper()} {qn}", previous, view.owner,
                f"Give {word} {qn} back to {quote_ident(previous)}",
            ) + owner_steps
        else:
            raise Unsupported(f"ALTER VIEW subcommand {cmd.subtype.name} is not handled")
    cat.views[key] = view
    if not sql:
        return owner_steps
    return owner_steps + [Step(title=f"Restore the settings of view {qn}", group=GROUP_RESTORE, sql=sql)]


# -- CREATE MATERIALIZED VIEW / CREATE TABLE AS, REFRESH ------------------------------------------------


def _version(ctx: Context) -> str:
    return ctx.migration.version if ctx.migration is not None else "rollback"


@handles(ast.CreateTableAsStmt)
def create_table_as(node: ast.CreateTableAsStmt, ctx: Context) -> list[Step]:
    """``CREATE MATERIALIZED VIEW`` → drop it; ``CREATE TABLE AS`` → back up and drop."""
    cat = ctx.catalog
    rel = node.into.rel
    if rel.relpersistence == "t":
        return []  # temporary: gone when the migration's session ends
    key = (rel.schemaname or cat.creation_schema(), rel.relname)
    qn = qname(*key)
    if cat.relation_name_taken(*key):
        if node.if_not_exists:
            return []
        raise Unsupported(f"relation {qn} already exists, so this statement fails")
    if node.objtype == ObjectType.OBJECT_MATVIEW:
        stored = clone(node)
        stored.into.rel.schemaname = key[0]
        stored.if_not_exists = False
        view = View(
            schema=key[0], name=key[1], definition=render(stored), materialized=True,
            search_path=cat.search_path, owner=cat.current_user,
        )
        view.star_sources = star_sources(cat, view)
        cat.views[key] = view
        cat.apply_default_privileges("materialized view", key[0], ("materialized view", qn))
        return [Step(title=f"Drop materialized view {qn}", group=GROUP_DROP, sql=[f"DROP MATERIALIZED VIEW {qn};"])]
    if node.objtype != ObjectType.OBJECT_TABLE:
        raise Unsupported(f"CREATE ... AS for {node.objtype.name} is not handled")
    cat.tables[key] = Table(
        schema=key[0], name=key[1],
        persistence="unlogged" if rel.relpersistence == "u" else "permanent",
        owner=cat.current_user, search_path=cat.search_path,
    )
    cat.apply_default_privileges("table", key[0], ("table", qn))
    # Its columns come from a query the generator does not type: distrust the record.
    ctx.taint(("table", qn))
    backup = f"{_version(ctx)}_{key[1]}"
    return [
        Step(
            title=f"Drop table {qn}",
            group="Drop Tables",
            sql=[f"DROP TABLE {qn};"],
            backups=[Backup(name=backup, query=f"TABLE {qn}", what=f"rows of {qn}")],
            lost=[f"table {qn} (every row, including rows written since the migration)"],
        ).hazard(Hazard.DELETES_DATA, f"drops table {qn} and every row in it")
    ]


@handles(ast.RefreshMatViewStmt)
def refresh_matview(node: ast.RefreshMatViewStmt, ctx: Context) -> list[Step]:
    """``REFRESH MATERIALIZED VIEW`` has no inverse; the catalog records populated or not."""
    cat = ctx.catalog
    key = cat.resolve_relation(node.relation.schemaname, node.relation.relname)
    view = cat.views.get(key)
    if view is not None and view.materialized:
        vnode = _parse(view.definition)
        vnode.into.skipData = bool(node.skipData)
        _set_definition(view, vnode)
    return []
