"""What an opaque statement observably changed, in a form the catalog can take over exactly.

``learn`` snapshots the schema right before and after an opaque statement. For a distrusted
object that changed, ``observe(before, after, ref)`` lists the changes, or says why they
cannot be imported. Only attributes the catalog stores exactly are importable:

- a table's row level security (enabled, forced), comment and privileges; a column's
  comment and privileges; the privileges and comments of views, sequences and schemas;
  a view's options (``ALTER VIEW ... SET (security_invoker = true)``);
- the policies on a table: created, dropped or changed, each by its full definition as
  PostgreSQL deparses it (command, permissive, roles, USING, WITH CHECK) and its comment;
- a function's privileges, comment and the options ``ALTER FUNCTION`` sets (``SECURITY
  DEFINER``, ``SET search_path``, volatility, ``STRICT``, ``LEAKPROOF``, ``PARALLEL``);
  a function the statement replaced (``EXECUTE`` of a ``CREATE OR REPLACE``) by its whole
  definition as ``pg_get_functiondef`` prints it;
- default privileges (``ALTER DEFAULT PRIVILEGES``): the whole ACL of each changed entry.

Anything else (a new table or function, an owner change, a rule change: see structure.py for
a table's columns, constraints, indexes and triggers; a change of the owner's own privileges) is not imported:
the object stays distrusted, and the reason is recorded. Privileges are recorded per role
whose privileges changed (``["SELECT", "UPDATE*"]``, ``*`` = WITH GRANT OPTION, ``[]`` =
none), so what the catalog knew of the other roles is kept.

``apply(catalog, changes)`` puts them into the catalog the way the handlers do
(``Catalog.set_privileges``/``set_grant_options``, ``Table.rls_*``, ``Policy``, the ALTER
FUNCTION handler's option rewriting, ``comments``, ``grants.set_default_acl``), so the
inverters write what they would have written had the statement been spelled out.

Policy expressions and function definitions are read with ``search_path`` set to
``pg_catalog`` alone (``learn``): every name PostgreSQL prints is qualified, so the text
means the same under any search path.
"""

from __future__ import annotations

import re
from typing import Any

from ..sqltext import split_name

Snapshot = dict[str, dict[str, dict[str, Any]]]  # = snapshot.Snapshot (not imported: psycopg)
ObjRef = tuple[str, str]
Change = dict[str, Any]

_RELATION_KINDS = {"table": "table", "partitioned table": "table", "view": "view",
                   "materialized view": "materialized view", "sequence": "sequence"}
_REL_FIELDS = ("row level security", "forced row level security", "acl", "comment")
_COL_FIELDS = ("acl", "comment")
# ALTER FUNCTION options that change nothing but the option, and the value PostgreSQL
# does not print (pg_get_functiondef) because it is the default
_FN_DEFAULTS = {"security": "SECURITY INVOKER", "volatility": "VOLATILE", "strict": "CALLED ON NULL INPUT",
                "leakproof": "NOT LEAKPROOF", "parallel": "PARALLEL UNSAFE"}
_FN_OPTIONS = (*_FN_DEFAULTS, "set")
_DEFAULT_KIND = {"tables": "table", "sequences": "sequence", "functions": "function", "types": "type",
                 "schemas": "schema"}
_OWNER_PRIVS = {"table": "INSERT,SELECT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER", "sequence": "USAGE,SELECT,UPDATE",
                "function": "EXECUTE", "type": "USAGE", "schema": "USAGE,CREATE"}
_PUBLIC_PRIVS = {"function": "EXECUTE", "type": "USAGE"}
_DEFAULT_KEY = re.compile(r"for role (?P<owner>.+?)(?: in schema (?P<schema>.+))? on (?P<on>\w+)$")


class NotImportable(Exception):
    """A difference the catalog cannot take over exactly (the message says which)."""


# -- what a snapshot says about one ref: its objects by (category, key) -----------------------

def _table_objects(snap: Snapshot, key: str) -> dict[tuple[str, str], Any] | None:
    rel = snap["relation"].get(key)
    if rel is None:
        return None
    out: dict[tuple[str, str], Any] = {("relation", key): rel}
    for k, v in snap["index"].items():
        if v.get("table") == key:
            out[("index", k)] = v
    for category in ("trigger", "rule", "policy"):
        for k, v in snap[category].items():
            if k.endswith(f" on {key}"):
                out[(category, k)] = v
    return out


def objects(snap: Snapshot, ref: ObjRef, table_of_index: str | None = None) -> dict[tuple[str, str], Any] | None:
    """The snapshot objects a ref's definition is made of (footprint.py's rules, flat);
    a policy, trigger, column or constraint counts as its table, and so does an index
    when ``table_of_index`` names its table. None: absent or unmapped."""
    from .footprint import _BY_NAME, _RELATIONS, _by_name, _table_of

    kind, ident = ref
    if kind in _RELATIONS:
        return _table_objects(snap, ident)
    if kind in ("column", "constraint", "policy", "trigger"):
        table = _table_of(ident, kind)
        return _table_objects(snap, table) if table else None
    if kind == "index" and table_of_index is not None:  # an index is part of its table (structure.py)
        return _table_objects(snap, table_of_index)
    if kind == "schema":
        if ident not in snap["schema"]:
            return None
        out: dict[tuple[str, str], Any] = {("schema", ident): snap["schema"][ident]}
        for category in ("relation", "index", "function", "type"):
            out.update({(category, k): v for k, v in snap[category].items() if k.startswith(f"{ident}.")})
        for category in ("trigger", "rule", "policy"):
            out.update({(category, k): v for k, v in snap[category].items() if k.split(" on ")[-1].startswith(f"{ident}.")})
        out.update({("default_acl", k): v for k, v in snap["default_acl"].items()})
        return out
    category = _BY_NAME.get(kind)
    if category is None:
        return None
    ident, obj = _by_name(snap, category, ident)
    return None if obj is None else {(category, ident): obj}


# -- differences -> changes --------------------------------------------------------------------

def _acl_of(acl: dict[str, str], role: str) -> list[str]:
    return sorted(p for p in (acl.get(role) or "").split(",") if p)


def _role(grantee: str) -> str:
    return "public" if grantee == "PUBLIC" else grantee


def _acl_change(before: dict[str, str], after: dict[str, str], owner: str | None, what: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for grantee in sorted(set(before) | set(after)):
        old, new = _acl_of(before, grantee), _acl_of(after, grantee)
        if old == new:
            continue
        if grantee == owner:
            raise NotImportable(f"{what}: the owner's own privileges changed")
        out[_role(grantee)] = new
    return out


def _fields(a: dict[str, Any], b: dict[str, Any], allowed: tuple[str, ...], what: str, owner: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sorted(set(a) | set(b)):
        if a.get(name) == b.get(name):
            continue
        if name not in allowed:
            raise NotImportable(f"{what}: its {name} changed")
        out[name] = _acl_change(a.get(name) or {}, b.get(name) or {}, owner, what) if name == "acl" else b.get(name)
    return out


def _relation_change(key: str, a: dict[str, Any] | None, b: dict[str, Any] | None,
                     a_objs: dict | None = None, b_objs: dict | None = None, snaps: list | None = None) -> Change:
    from . import structure

    what = f"relation {key}"
    if a is None or b is None:
        raise NotImportable(f"{what} was {'created' if a is None else 'dropped'}")
    kind = _RELATION_KINDS.get(a["kind"])
    if kind is None or a["kind"] != b["kind"]:
        raise NotImportable(f"{what}: a {a['kind']} is not imported")
    cols_a, cols_b = a.get("columns", {}), b.get("columns", {})
    shape = ("columns", "column order", "constraints")
    plain_a = {k: v for k, v in a.items() if k not in shape}
    plain_b = {k: v for k, v in b.items() if k not in shape}
    allowed = _REL_FIELDS + ("options",) if a["kind"] == "view" else _REL_FIELDS  # ALTER VIEW ... SET (...)
    change: Change = {"ref": [kind, key], "set": _fields(plain_a, plain_b, allowed, what, a.get("owner"))}
    if a["kind"] == "table" and a_objs is not None and b_objs is not None:
        got = structure.observe(key, a, b, a_objs, b_objs, snaps or [])
        if got is not None:
            change["structure"] = got
    elif any(a.get(k) != b.get(k) for k in shape):
        raise NotImportable(f"{what}: its {'constraints' if a.get('constraints') != b.get('constraints') else 'columns'} changed")
    columns = {}
    renamed = change.get("structure", {}).get("rename columns", {})
    was = {new: old for old, new in renamed.items()}
    for col in sorted((set(cols_a) - set(renamed)) & set(cols_b) | set(was)):
        x = {f: v for f, v in cols_a[was.get(col, col)].items() if f in _COL_FIELDS or f not in structure._COL_STRUCT}
        y = {f: v for f, v in cols_b[col].items() if f in _COL_FIELDS or f not in structure._COL_STRUCT}
        got = _fields(x, y, _COL_FIELDS, f"{what} column {col}", a.get("owner"))
        if got:
            columns[col] = got
    if columns:
        change["columns"] = columns
    return change


def _policy_ref(key: str) -> list[str]:
    from .footprint import _unquote

    name, _, table = key.rpartition(" on ")
    from ..sqltext import quote_ident

    return ["policy", f"{quote_ident(_unquote(name))} ON {table}"]


def _policy_change(key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> Change:
    if b is None:
        return {"ref": _policy_ref(key), "dropped": True}
    return {"ref": _policy_ref(key), "policy": {
        "command": b["command"], "permissive": b["permissive"] == "PERMISSIVE", "roles": list(b["roles"]),
        "using": b["using"], "with check": b["with check"], "comment": b["comment"]}}


def _fn_node(definition: str):
    from pglast import ast, parse_sql

    (raw,) = parse_sql(definition)
    if not isinstance(raw.stmt, ast.CreateFunctionStmt):
        raise NotImportable("not a function definition")
    return raw.stmt


def _render(node) -> str:
    from pglast.stream import RawStream

    return RawStream()(node)


def _options_change(sig: str, a: str | None, b: str | None) -> str | None:
    """The ALTER FUNCTION clauses that turn definition ``a`` into ``b``; None when they differ
    in more than those (the whole definition changed)."""
    from pglast import ast
    from pglast.enums import VariableSetKind

    what = f"function {sig}"
    if a is None or b is None:
        raise NotImportable(f"{what}: its definition cannot be read")
    na, nb = _fn_node(a), _fn_node(b)
    opts_a = {(o.defname, o.arg.name if o.defname == "set" else ""): o for o in na.options or ()}
    opts_b = {(o.defname, o.arg.name if o.defname == "set" else ""): o for o in nb.options or ()}
    na.options = tuple(o for o in na.options or () if o.defname not in _FN_OPTIONS)
    nb.options = tuple(o for o in nb.options or () if o.defname not in _FN_OPTIONS)
    if _render(na) != _render(nb):
        return None
    actions: list[Any] = []
    for key in sorted(set(opts_a) | set(opts_b)):
        name, var = key
        if name not in _FN_OPTIONS:
            continue
        old, new = opts_a.get(key), opts_b.get(key)
        if old is not None and new is not None and _render_opt(old) == _render_opt(new):
            continue
        if new is not None:
            actions.append(new)
        elif name == "set":
            actions.append(ast.DefElem(defname="set", arg=ast.VariableSetStmt(kind=VariableSetKind.VAR_RESET, name=var)))
        else:
            actions.append(_fn_node(f"CREATE FUNCTION x() RETURNS int LANGUAGE sql {_FN_DEFAULTS[name]} AS 'select 1'")
                           .options[1])
    if not actions:
        return ""
    head = "ALTER FUNCTION x "
    return _render(ast.AlterFunctionStmt(objtype=_objtype(), func=ast.ObjectWithArgs(objname=(ast.String(sval="x"),),
                                                                                        args_unspecified=True),
                                         actions=tuple(actions)))[len(head):].strip()


def _objtype():
    from pglast.enums import ObjectType

    return ObjectType.OBJECT_FUNCTION


def _render_opt(opt) -> str:
    from pglast import ast

    return _render(ast.AlterFunctionStmt(objtype=_objtype(), func=ast.ObjectWithArgs(
        objname=(ast.String(sval="x"),), args_unspecified=True), actions=(opt,)))


def _function_change(key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> Change:
    what = f"function {key}"
    if a is None or b is None:
        raise NotImportable(f"{what} was {'created' if a is None else 'dropped'}")
    if a["kind"] not in ("function", "procedure") or a["kind"] != b["kind"]:
        raise NotImportable(f"{what}: a {a['kind']} is not imported")
    plain_a = {k: v for k, v in a.items() if k != "definition"}
    plain_b = {k: v for k, v in b.items() if k != "definition"}
    change: Change = {"ref": [a["kind"], key], "set": _fields(plain_a, plain_b, ("acl", "comment"), what, a["owner"])}
    if a["definition"] != b["definition"]:
        options = _options_change(key, a["definition"], b["definition"])
        if options is None:  # replaced (CREATE OR REPLACE): PostgreSQL's own text of it (it parses)
            change["set"]["definition"] = b["definition"]
        elif options:
            change["set"]["options"] = options
    return change


def _schema_change(key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> Change:
    what = f"schema {key}"
    if a is None or b is None:
        raise NotImportable(f"{what} was {'created' if a is None else 'dropped'}")
    return {"ref": ["schema", key], "set": _fields(a, b, ("acl", "comment"), what, a["owner"])}


def _default_acl(key: str, obj: dict[str, Any] | None) -> dict[str, str]:
    m = _DEFAULT_KEY.match(key)
    if m is None or m["on"] not in _DEFAULT_KIND:
        raise NotImportable(f"default privileges {key}: not understood")
    if obj is not None:
        return dict(obj["acl"])
    if m["schema"]:
        return {}
    kind = _DEFAULT_KIND[m["on"]]
    builtin = {m["owner"]: _OWNER_PRIVS[kind]}
    if kind in _PUBLIC_PRIVS:
        builtin["PUBLIC"] = _PUBLIC_PRIVS[kind]
    return builtin


def _default_change(key: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> Change:
    what = f"default privileges {key}"
    m = _DEFAULT_KEY.match(key)
    before, after = _default_acl(key, a), _default_acl(key, b)
    assert m is not None
    _acl_change(before, after, m["owner"], what)  # the owner's own entry must not change
    acl: dict[str, list[str]] = {}
    for grantee in sorted(after):
        if grantee == m["owner"]:
            continue
        privs = _acl_of(after, grantee)
        if any(p.endswith("*") for p in privs):
            raise NotImportable(f"{what}: a privilege WITH GRANT OPTION is not imported")
        acl[_role(grantee)] = privs
    return {"default privileges": {"owner": m["owner"], "schema": m["schema"], "on": m["on"], "acl": acl}}


_CHANGE = {"relation": _relation_change, "policy": _policy_change, "function": _function_change,
           "schema": _schema_change, "default_acl": _default_change}


def _index_table(category: str, key: str, old: dict | None, new: dict | None) -> str:
    if category == "index":
        return (old or new or {})["table"]
    return key.rpartition(" on ")[2]


def diff_changes(a: dict[tuple[str, str], Any], b: dict[tuple[str, str], Any],
                 snaps: list | None = None) -> list[Change]:
    """The changes that turn objects ``a`` into ``b``; NotImportable when one cannot be imported.
    An index or trigger change is part of its table's change (structure.py)."""
    out = []
    tables: set[str] = set()
    for category, key in sorted(set(a) | set(b)):
        old, new = a.get((category, key)), b.get((category, key))
        if old == new:
            continue
        if category in ("index", "trigger"):
            table = _index_table(category, key, old, new)
            if ("relation", table) not in a or ("relation", table) not in b:
                label = category.replace("_", " ")
                raise NotImportable(f"{label} {key} was {'created' if old is None else 'dropped' if new is None else 'changed'}")
            tables.add(table)
            continue
        if category == "relation":
            tables.add(key)
            continue
        make = _CHANGE.get(category)
        if make is None:
            label = category.replace("_", " ")
            raise NotImportable(f"{label} {key} was {'created' if old is None else 'dropped' if new is None else 'changed'}")
        change = make(key, old, new)
        if change.get("set") == {} and "columns" not in change:
            continue
        out.append(change)
    for table in sorted(tables):
        change = _relation_change(table, a.get(("relation", table)), b.get(("relation", table)), a, b, snaps)
        if change.get("set") == {} and "columns" not in change and "structure" not in change:
            continue
        out.append(change)
    return out


def observe(before: Snapshot, after: Snapshot, ref: ObjRef) -> list[Change]:
    """What the statement changed in ``ref``'s definition, as importable changes (raises
    NotImportable with the reason otherwise)."""
    table = None
    if ref[0] == "index":
        table = (before["index"].get(ref[1]) or after["index"].get(ref[1]) or {}).get("table")
    a, b = objects(before, ref, table), objects(after, ref, table)
    if a is None and b is None:
        raise NotImportable(f"{ref[0]} {ref[1]} is not in what learn reads (a system object, or not there)")
    if a is None or b is None:
        raise NotImportable(f"{ref[0]} {ref[1]} was {'created' if a is None else 'dropped'}")
    return diff_changes(a, b, [before, after])


def defaults(before: Snapshot, after: Snapshot) -> list[Change]:
    """The default privileges' changes (raises NotImportable)."""
    a = {("default_acl", k): v for k, v in before["default_acl"].items()}
    b = {("default_acl", k): v for k, v in after["default_acl"].items()}
    return diff_changes(a, b)


def sort_key(change: Change) -> str:
    import json

    return json.dumps(change, sort_keys=True)


# -- changes -> catalog ------------------------------------------------------------------------

class ImportFailed(Exception):
    """A recorded change does not fit the catalog (the object is not there, a text does not parse)."""


def apply(cat, changes: list[Change]) -> None:
    """Put ``changes`` into ``cat`` as the handlers store them (raises ImportFailed)."""
    failed = apply_each(cat, changes)
    if failed:
        raise ImportFailed(failed[0][1])


def apply_each(cat, changes: list[Change], where: str = "") -> list[tuple[Change, str]]:
    """Put each of ``changes`` into ``cat``; the ones that do not fit (with why) are returned.
    A structure change checks the catalog before changing anything; the refs of a change that
    does not fit must stay distrusted (``owner``)."""
    failed = []
    for change in changes:
        try:
            _apply_one(cat, change, where)
        except Exception as exc:  # a damaged record entry, or a catalog it does not fit: never a crash
            failed.append((change, str(exc) if isinstance(exc, ImportFailed) else f"{type(exc).__name__}: {exc}"))
    return failed


def _apply_one(cat, change: Change, where: str = "") -> None:
    if "default privileges" in change:
        _apply_defaults(cat, change["default privileges"])
    elif change["ref"][0] == "policy":
        _apply_policy(cat, change)
    elif change["ref"][0] in ("function", "procedure"):
        _apply_function(cat, change)
    else:
        _apply_object(cat, change, where)


def owner(ref: ObjRef | list[str], cat=None) -> str:
    """The object whose change covers ``ref``: a table for its columns, constraints,
    policies, triggers and (with ``cat``) indexes; the object itself otherwise."""
    kind, ident = ref
    if kind in ("constraint", "policy", "trigger"):
        return ident.rpartition(" ON ")[2]
    if kind == "column":
        from ..refs import _split_column

        return _split_column(ident)[0]
    if kind == "index" and cat is not None:
        key = tuple(split_name(ident))
        idx = cat.indexes.get(key) if len(key) == 2 else None
        if idx is not None:
            from ..sqltext import qname

            return qname(*idx.table)
    return ident


def _set_acl(cat, ref: ObjRef, acl: dict[str, list[str]]) -> None:
    for role, privs in acl.items():
        cat.set_privileges(ref, role, {p.rstrip("*") for p in privs})
        cat.set_grant_options(ref, role, {p.rstrip("*") for p in privs if p.endswith("*")})


def _set_comment(cat, ref: ObjRef, text: str | None) -> None:
    from ..handlers.comments import BUILTIN_COMMENTS

    if text is None:
        cat.comments.pop(ref, None)
        if ref in BUILTIN_COMMENTS:
            cat.comments[ref] = ""
    else:
        cat.comments[ref] = text


def _apply_object(cat, change: Change, where: str = "") -> None:
    from ..refs import column_ref, schema_ref

    kind, ident = change["ref"]
    values = change.get("set", {})
    if kind == "schema":
        (name,) = split_name(ident)
        if name not in cat.schemas:
            raise ImportFailed(f"schema {ident} is not in the catalog")
        ref = schema_ref(name)
    else:
        key = tuple(split_name(ident))
        if len(key) != 2 or cat.relation_kind(key) != kind:
            raise ImportFailed(f"{kind} {ident} is not in the catalog")
        ref = (kind, ident)
        if "structure" in change:  # first: it checks the catalog before changing anything
            from . import structure

            structure.apply(cat, key, change["structure"], where)
        if "options" in values:
            _set_view_options(cat, key, values["options"])
        if "row level security" in values:
            cat.tables[key].rls_enabled = bool(values["row level security"])
        if "forced row level security" in values:
            cat.tables[key].rls_forced = bool(values["forced row level security"])
        for col, got in change.get("columns", {}).items():
            if kind == "table" and col not in cat.tables[key].columns:
                raise ImportFailed(f"column {col} of {ident} is not in the catalog")
            cref = column_ref(key, col)
            if "acl" in got:
                _set_acl(cat, cref, got["acl"])
            if "comment" in got:
                _set_comment(cat, cref, got["comment"])
    if "acl" in values:
        _set_acl(cat, ref, values["acl"])
    if "comment" in values:
        _set_comment(cat, ref, values["comment"])


def _set_view_options(cat, key: tuple, options: object) -> None:
    """A view's options (``security_invoker=true``, ``check_option=local``: its reloptions as
    PostgreSQL lists them) put into its definition as ``ALTER VIEW ... SET`` puts them."""
    from ..handlers.views import _apply_options, _parse, _set_definition

    view = cat.views.get(key)
    if view is None or view.materialized or not isinstance(options, list) \
            or not all(isinstance(o, str) and "=" in o for o in options):
        raise ImportFailed(f"the options recorded for view {key[0]}.{key[1]} do not fit it")
    node = _parse(view.definition)
    _apply_options(node, dict(o.split("=", 1) for o in options))
    _set_definition(view, node)


def _apply_policy(cat, change: Change) -> None:
    from ..catalog import DEFAULT_SEARCH_PATH, Policy
    from ..refs import policy_ref

    name_sql, _, table = change["ref"][1].rpartition(" ON ")
    (name,) = split_name(name_sql)
    schema, tname = split_name(table)
    if (schema, tname) not in cat.tables:
        raise ImportFailed(f"table {table} is not in the catalog")
    key = (schema, tname, name)
    ref = policy_ref(*key)
    if change.get("dropped"):
        cat.policies.pop(key, None)
        cat.comments.pop(ref, None)
        return
    p = change["policy"]
    cat.policies[key] = Policy(schema=schema, table=tname, name=name, permissive=bool(p["permissive"]),
                               command=p["command"], roles=list(p["roles"]) or ["public"], using=p["using"],
                               check=p["with check"], search_path=DEFAULT_SEARCH_PATH)
    _set_comment(cat, ref, p.get("comment"))


def _apply_function(cat, change: Change) -> None:
    from pglast import ast

    from ..handlers.functions import _apply_option, parse_definition, render_definition
    from ..refs import function_ref

    kind, sig = change["ref"]
    f = next((f for f in cat.functions.values() if function_ref(f.schema, f.name, f.identity_args, f.kind) == (kind, sig)),
             None)
    if f is None:
        raise ImportFailed(f"{kind} {sig} is not in the catalog")
    values = change.get("set", {})
    if values.get("definition"):
        parsed = parse_definition(values["definition"])
        if not isinstance(parsed, ast.CreateFunctionStmt) or bool(parsed.is_procedure) != (kind == "procedure"):
            raise ImportFailed(f"the definition recorded for {kind} {sig} is not one")
        f.definition = render_definition(parsed, f.schema, f.name)
        f.search_path = cat.search_path  # the session's: a SQL body is checked under it when recreated
    if values.get("options"):
        from pglast import parse_sql

        (raw,) = parse_sql(f"ALTER FUNCTION x {values['options']}")
        parsed = parse_definition(f.definition)
        options = list(parsed.options or ())
        for action in raw.stmt.actions or ():
            options = _apply_option(options, action, cat)
        parsed.options = tuple(options)
        f.definition = render_definition(parsed, f.schema, f.name)
    ref = (kind, sig)
    if "acl" in values:
        _set_acl(cat, ref, values["acl"])
    if "comment" in values:
        _set_comment(cat, ref, values["comment"])


def _apply_defaults(cat, d: dict[str, Any]) -> None:
    from ..handlers.grants import set_default_acl

    kind = _DEFAULT_KIND[d["on"]]
    set_default_acl(cat, d["owner"], d["schema"], kind, {r: set(p) for r, p in d["acl"].items()})
