"""Types, tables, views and functions an opaque statement created that the catalog does not know.

``DO $$ BEGIN EXECUTE format('CREATE TABLE public.%I (...)', name); END $$`` makes a table
the static replay never sees: every later rollback that needs it says "table ... is not in
the catalog". ``learn`` snapshots the schema around the statement, so it has the table as
PostgreSQL holds it. ``synthesize(key, after, owner)`` writes it back as DDL in PostgreSQL's own
words (read with ``search_path`` = ``pg_catalog``: every name qualified): ``CREATE TABLE``
with its columns, then its constraints (``pg_get_constraintdef``), the indexes that back
none of them (``pg_get_indexdef``), row level security, policies, triggers
(``pg_get_triggerdef``) and comments; plus the privileges of the table and of its
columns, exactly. ``replay(catalog, created, ...)`` runs that DDL through the handlers
right after the statement, as if the migration had spelled it out, then sets those
privileges: the table is known, with its true definition.

Only what this writes back exactly: a permanent plain table owned by the role the
migrations run as, with no options, tablespace, partitioning, inheritance, publication,
rule, replica identity, storage or statistics setting, no default drawing from a sequence
(an identity column is fine), and triggers enabled. Anything else is not imported and
says why. A view is written back as ``CREATE VIEW`` with its options and
``pg_get_viewdef``'s query, its comments and privileges; a function or procedure
(``synthesize_function``) as ``pg_get_functiondef`` prints it, owned by that role, with
its comment and privileges. A type (``synthesize_type``): an enum with its labels, a
composite type with its attributes, a domain with its base type, default, ``NOT NULL`` and
checks, owned by that role, with its comment and privileges (a range type, or a domain
check that is ``NOT VALID``, is not imported). ``prove`` round-trips every rollback this
changes.
"""

from __future__ import annotations

from typing import Any

from ..sqltext import literal as _literal
from ..sqltext import quote_ident as _q
from .imports import NotImportable, _acl_of, _role

Snapshot = dict[str, dict[str, dict[str, Any]]]
_COLUMN_OK = {"statistics target": None, "storage": None, "options": []}


def synthesize(key: str, after: Snapshot, owner: str) -> dict[str, Any]:
    """``{"kind", "name": key, "sql": [...], "acl": {...}, "column acl": {...}}`` for table or
    view ``key`` of ``after`` (raises NotImportable)."""
    rel = after["relation"][key]
    if rel.get("kind") == "view":
        return _view(key, rel, owner)
    what = f"table {key}, created by the statement"
    plain = {"kind": "table", "persistence": "permanent", "options": [], "tablespace": None, "partition key": None,
             "partition bound": None, "inherits": [], "publications": [], "access method": None,
             "replica identity": "default", "owner": owner}
    for field, wanted in plain.items():
        if rel.get(field) != wanted and not (field == "access method" and rel.get(field) == "heap"):
            raise NotImportable(f"{what}: its {field} is {rel.get(field)!r}")
    sql: list[str] = []
    columns: list[str] = []
    column_acl: dict[str, dict[str, str]] = {}
    comments: list[str] = []
    for name in rel["column order"]:
        col = rel["columns"][name]
        for field, wanted in _COLUMN_OK.items():
            if col.get(field) != wanted:
                raise NotImportable(f"{what}: the {field} of column {name}")
        if col.get("default") and "nextval(" in col["default"]:
            raise NotImportable(f"{what}: column {name} draws its default from a sequence")
        text = f"{_q(name)} {col['type']}"
        if col.get("collation"):
            text += f" COLLATE {col['collation']}"
        if col.get("generated"):
            text += f" GENERATED ALWAYS AS ({col['generated']}) STORED"
        if col.get("identity"):
            text += f" GENERATED {col['identity']} AS IDENTITY"
        if col.get("default") is not None:
            text += f" DEFAULT {col['default']}"
        if col.get("not null"):
            text += " NOT NULL"
        columns.append(text)
        if col.get("acl"):
            column_acl[name] = col["acl"]
        if col.get("comment") is not None:
            comments.append(f"COMMENT ON COLUMN {key}.{_q(name)} IS {_literal(col['comment'])};")
    sql.append(f"CREATE TABLE {key} ({', '.join(columns)});")
    constraints = rel.get("constraints", {})
    for name, con in sorted(constraints.items(), key=lambda kv: (kv[1]["definition"].startswith("FOREIGN KEY"), kv[0])):
        sql.append(f"ALTER TABLE {key} ADD CONSTRAINT {_q(name)} {con['definition']};")
        if con.get("comment") is not None:
            comments.append(f"COMMENT ON CONSTRAINT {_q(name)} ON {key} IS {_literal(con['comment'])};")
    schema = key.rpartition(".")[0]
    for ikey, idx in sorted(after.get("index", {}).items()):
        if idx.get("table") != key:
            continue
        short = ikey[len(schema) + 1:] if ikey.startswith(schema + ".") else ikey
        if short.strip('"').replace('""', '"') in constraints:
            continue  # backs a constraint: made with it
        if not idx.get("valid") or idx.get("clustered") or idx.get("tablespace") or idx.get("options"):
            raise NotImportable(f"{what}: index {ikey} is invalid, clustered or has storage settings")
        sql.append(f"{idx['definition']};")
        if idx.get("comment") is not None:
            comments.append(f"COMMENT ON INDEX {ikey} IS {_literal(idx['comment'])};")
    if rel.get("row level security"):
        sql.append(f"ALTER TABLE {key} ENABLE ROW LEVEL SECURITY;")
    if rel.get("forced row level security"):
        sql.append(f"ALTER TABLE {key} FORCE ROW LEVEL SECURITY;")
    tail = f" on {key}"
    if any(k.endswith(tail) for k in after.get("rule", {})):
        raise NotImportable(f"{what}: a rule on it")
    for pkey, pol in sorted(after.get("policy", {}).items()):
        if not pkey.endswith(tail):
            continue
        name = pkey[: -len(tail)]
        roles = ", ".join("public" if r == "public" else _q(r) for r in pol["roles"]) or "public"
        text = f"CREATE POLICY {name} ON {key} AS {pol['permissive']} FOR {pol['command']} TO {roles}"
        if pol.get("using") is not None:
            text += f" USING ({pol['using']})"
        if pol.get("with check") is not None:
            text += f" WITH CHECK ({pol['with check']})"
        sql.append(text + ";")
        if pol.get("comment") is not None:
            comments.append(f"COMMENT ON POLICY {name} ON {key} IS {_literal(pol['comment'])};")
    for tkey, trg in sorted(after.get("trigger", {}).items()):
        if not tkey.endswith(tail):
            continue
        if trg.get("enabled") != "enabled":
            raise NotImportable(f"{what}: trigger {tkey} is {trg.get('enabled')}")
        sql.append(f"{trg['definition']};")
        if trg.get("comment") is not None:
            comments.append(f"COMMENT ON TRIGGER {tkey[: -len(tail)]} ON {key} IS {_literal(trg['comment'])};")
    if rel.get("comment") is not None:
        comments.append(f"COMMENT ON TABLE {key} IS {_literal(rel['comment'])};")
    return {"kind": "table", "name": key, "sql": sql + comments, "acl": dict(rel.get("acl") or {}),
            "column acl": column_acl}


def _view(key: str, rel: dict[str, Any], owner: str) -> dict[str, Any]:
    what = f"view {key}, created by the statement"
    if rel.get("owner") != owner or rel.get("persistence") != "permanent" or rel.get("tablespace"):
        raise NotImportable(f"{what}: its owner, persistence or tablespace")
    options = f" WITH ({', '.join(rel['options'])})" if rel.get("options") else ""
    sql = [f"CREATE VIEW {key}{options} AS {rel['definition'].rstrip().rstrip(';')};"]
    column_acl: dict[str, dict[str, str]] = {}
    for name in rel.get("column order", []):
        col = rel["columns"].get(name, {})
        if col.get("acl"):
            column_acl[name] = col["acl"]
        if col.get("comment") is not None:
            sql.append(f"COMMENT ON COLUMN {key}.{_q(name)} IS {_literal(col['comment'])};")
    if rel.get("comment") is not None:
        sql.append(f"COMMENT ON VIEW {key} IS {_literal(rel['comment'])};")
    return {"kind": "view", "name": key, "sql": sql, "acl": dict(rel.get("acl") or {}), "column acl": column_acl}


def synthesize_function(key: str, fn: dict[str, Any], owner: str) -> dict[str, Any]:
    """The same for function or procedure ``key`` (``schema.name(argument types)``): its
    definition as ``pg_get_functiondef`` prints it, its comment and privileges."""
    what = f"{fn.get('kind')} {key}, created by the statement"
    if fn.get("kind") not in ("function", "procedure") or not fn.get("definition"):
        raise NotImportable(f"{what}: a {fn.get('kind')} is not imported")
    if fn.get("owner") != owner:
        raise NotImportable(f"{what}: its owner is {fn.get('owner')!r}")
    sql = [fn["definition"].rstrip().rstrip(";") + ";"]
    if fn.get("comment") is not None:
        sql.append(f"COMMENT ON {fn['kind'].upper()} {key} IS {_literal(fn['comment'])};")
    return {"kind": fn["kind"], "name": key, "sql": sql, "acl": dict(fn.get("acl") or {}), "column acl": {}}


def synthesize_type(key: str, t: dict[str, Any], owner: str) -> dict[str, Any]:
    """The same for type ``key``: ``CREATE TYPE`` or ``CREATE DOMAIN`` as the snapshot has it."""
    kind = t.get("kind")
    what = f"{kind} {key}, created by the statement"
    if t.get("owner") != owner:
        raise NotImportable(f"{what}: its owner is {t.get('owner')!r}")
    if kind == "enum":
        sql = [f"CREATE TYPE {key} AS ENUM ({', '.join(_literal(v) for v in t.get('labels') or [])});"]
    elif kind == "composite type":
        attrs = [f"{_q(a['name'])} {a['type']}" + (f" COLLATE {a['collation']}" if a.get("collation") else "")
                 for a in t.get("attributes") or []]
        sql = [f"CREATE TYPE {key} AS ({', '.join(attrs)});"]
    elif kind == "domain":
        text = f"CREATE DOMAIN {key} AS {t['base type']}"
        if t.get("collation"):
            text += f" COLLATE {t['collation']}"
        if t.get("default") is not None:
            text += f" DEFAULT {t['default']}"
        if t.get("not null"):
            text += " NOT NULL"
        for name, definition in sorted((t.get("constraints") or {}).items()):
            if definition.endswith("NOT VALID"):
                raise NotImportable(f"{what}: its constraint {name} is NOT VALID")
            text += f" CONSTRAINT {_q(name)} {definition}"
        sql = [text + ";"]
    else:
        raise NotImportable(f"{what}: a {kind} is not imported")
    if t.get("comment") is not None:
        sql.append(f"COMMENT ON {'DOMAIN' if kind == 'domain' else 'TYPE'} {key} IS {_literal(t['comment'])};")
    return {"kind": "type", "name": key, "sql": sql, "acl": dict(t.get("acl") or {}), "column acl": {}}


def replay(catalog: Any, created: tuple[dict, ...], stmt: Any, migration: Any) -> None:
    """Put each created object into ``catalog`` (right after ``stmt``, the statement that made
    them): its DDL through the handlers, then its privileges. An object the catalog knows
    already is left as the catalog has it (and stays as distrusted as it was)."""
    from dataclasses import replace

    from ..engine import handle_statement
    from ..parse import InputError, parse_statements
    from ..refs import column_ref, function_ref, type_ref
    from ..sqltext import split_name
    from .record import caused_by

    saved_path = catalog.search_path
    try:
        known: set[str] | None = None  # the catalog's function signatures, read once
        for item in created:
            name, kind = item["name"], item["kind"]
            if kind in ("function", "procedure"):
                if known is None:
                    known = {function_ref(f.schema, f.name, f.identity_args, f.kind)[1] for f in catalog.functions.values()}
                if name in known:
                    continue
                relation: tuple = ()
                ref = (kind, name)
            elif kind == "type":
                tkey = tuple(split_name(name))
                if len(tkey) != 2 or tkey in catalog.types or catalog.relation_kind(tkey):
                    continue
                relation, ref = (), type_ref(tkey)
            else:
                relation = tuple(split_name(name))
                if len(relation) != 2 or catalog.relation_kind(relation):
                    continue
            catalog.search_path = ("pg_catalog",)
            try:
                statements = parse_statements("\n".join(item["sql"]), stmt.path)
            except InputError:  # a record edited by hand: what it names stays unknown
                continue
            for st in statements:
                handle_statement(replace(st, line=stmt.line), catalog, migration)
            if relation:
                ref = (catalog.relation_kind(relation) or kind, name)
            _set_exactly(catalog, ref, item["acl"])
            for col, acl in item["column acl"].items():
                _set_exactly(catalog, column_ref(relation, col), acl)
            for r, at in list(catalog.tainted.items()):
                if caused_by(at, stmt.where) and (r == ref or r[1].endswith(f" ON {name}") or r[1].startswith(f"{name}.")):
                    del catalog.tainted[r]
    finally:
        catalog.search_path = saved_path


def _set_exactly(catalog: Any, ref: tuple[str, str], acl: dict[str, str]) -> None:
    """The privileges of every role on ``ref`` as ``acl`` (the snapshot's) says, but the owner's."""
    owner = catalog.current_user
    roles = ({_role(g) for g in acl} | set(catalog.grants.get(ref, {}))) - {owner}
    for role in sorted(roles):
        privs = _acl_of(acl, "PUBLIC" if role == "public" else role)
        catalog.set_privileges(ref, role, {p.rstrip("*") for p in privs})
        catalog.set_grant_options(ref, role, {p.rstrip("*") for p in privs if p.endswith("*")})
