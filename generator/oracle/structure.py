"""A table's structure as an opaque statement changed it: columns, constraints, indexes, triggers.

``learn`` snapshots the schema around an opaque statement (``imports.observe``). For a table
that existed before it, ``observe(key, a, b, ...)`` turns the difference of its columns,
constraints (``pg_get_constraintdef``), the indexes on it (``pg_get_indexdef``) and its
triggers (``pg_get_triggerdef``) into one ``"structure"`` change, or raises NotImportable
with the reason. ``apply(cat, key, structure)`` puts it into the catalog the way the
handlers (tables.py, alter_table.py, indexes.py, triggers.py) store those objects: each
definition is PostgreSQL's text parsed back by pglast and rendered as they render theirs,
so a later rollback that recreates the table, re-adds a constraint or an index prints SQL
equal to what PostgreSQL had. Every name in those texts is qualified (read with
``search_path`` = ``pg_catalog``).

What is certain, and nothing else:

- a plain table (not partitioned, not a partition, no inheritance either way);
- columns renamed in place (``renames``), dropped, added (PostgreSQL puts a new column
  last: the columns after the statement must be those before, renamed, minus the dropped
  ones, then the added ones; a reordering is refused), or changed in type, default, NOT NULL,
  generation expression or collation; never an identity column, a default drawing from a
  sequence (``nextval``: the sequence is another object), a column owning a sequence, or
  storage, statistics or attribute options;
- CHECK, UNIQUE, PRIMARY KEY, FOREIGN KEY and EXCLUDE constraints (NOT VALID included),
  the index backing each UNIQUE/PRIMARY KEY/EXCLUDE one; not one with index options;
- plain indexes (valid, not clustered, default tablespace) and triggers, with comments.

The change records the table's column names before the statement: when the catalog's
differ (in names or order), the record does not fit it and nothing is imported.
"""

from __future__ import annotations

from typing import Any

from .imports import ImportFailed, NotImportable, _role

_COL_STRUCT = ("type", "default", "not null", "generated", "collation")
_COL_OTHER = ("acl", "comment")
_ENABLED = {"enabled": "O", "disabled": "D", "enabled on replica only": "R", "always enabled": "A"}
_INDEXED = ("p", "u", "x")


def _unquote_key(key: str) -> str:
    """``"my trg" on public.t`` -> ``my trg`` (snapshot keys of triggers)."""
    name = key.rpartition(" on ")[0]
    return name[1:-1].replace('""', '"')


def _short(qualified: str) -> str:
    from ..sqltext import split_name

    return split_name(qualified)[-1]


def _type_sql(text: str, what: str) -> str:
    from ..handlers.tables import parse_expr
    from ..sqltext import render

    try:
        return render(parse_expr(f"NULL::{text}").typeName)
    except Exception:
        raise NotImportable(f"{what}: its type {text} cannot be named") from None


def _constraint_kind(definition: str, what: str) -> str:
    from ..handlers.tables import CON_KIND, parse_constraint

    try:
        node = parse_constraint(definition)
    except Exception:
        raise NotImportable(f"{what}: its definition cannot be read") from None
    kind = CON_KIND.get(node.contype)
    if kind is None:
        raise NotImportable(f"{what}: a constraint of this kind is not imported")
    if kind in _INDEXED and (node.options or node.indexspace):
        raise NotImportable(f"{what}: index options (WITH/USING INDEX TABLESPACE) are not imported")
    if kind == "f" and not node.pktable.schemaname:
        raise NotImportable(f"{what}: the table it references is not qualified")
    return kind


def _check_index(name: str, obj: dict[str, Any], what: str) -> None:
    if not obj.get("valid", True) or obj.get("clustered") or obj.get("tablespace"):
        raise NotImportable(f"{what}: an invalid or clustered index, or one in a tablespace, is not imported")
    from pglast import ast, parse_sql

    try:
        (raw,) = parse_sql(obj["definition"])
    except Exception:
        raise NotImportable(f"{what}: its definition cannot be read") from None
    if not isinstance(raw.stmt, ast.IndexStmt) or raw.stmt.idxname != name or not raw.stmt.relation.schemaname \
            or not raw.stmt.relation.inh:
        raise NotImportable(f"{what}: its definition is not understood")


def _column(name: str, col: dict[str, Any], what: str) -> dict[str, Any]:
    if col.get("identity"):
        raise NotImportable(f"{what}: an identity column is not imported")
    if col.get("default") and "nextval(" in col["default"]:
        raise NotImportable(f"{what}: a default drawing from a sequence is not imported")
    _type_sql(col["type"], what)
    return {"name": name, **{f: col.get(f) for f in _COL_STRUCT}, **{f: col.get(f) for f in _COL_OTHER}}


def _owning_sequences(snaps: list[dict], table: str) -> set[str]:
    """Columns of ``table`` that own a sequence (serial or identity) in any of ``snaps``."""
    out = set()
    for snap in snaps:
        for rel in snap.get("relation", {}).values():
            owned = rel.get("owned by") or ""
            if owned.startswith(f"{table}."):
                out.add(owned[len(table) + 1:].removesuffix(" (identity)"))
    return out


def _inherited(snaps: list[dict], table: str) -> bool:
    return any(table in (rel.get("inherits") or []) for snap in snaps for rel in snap.get("relation", {}).values())


def renames(before: list[str], after: list[str]) -> dict[str, str]:
    """The columns renamed in place, old name -> new: same count, and a name at a place
    before the last that is new where the old one is gone. PostgreSQL puts an added column
    last, so that is certainly a rename. At the last place it may as well be a drop and an
    add, which is how it is read (as before renames were imported)."""
    if len(before) != len(after):
        return {}
    return {x: y for x, y in zip(before[:-1], after[:-1]) if x != y and x not in after and y not in before}


def observe(key: str, a: dict[str, Any], b: dict[str, Any], a_objs: dict, b_objs: dict,
            snaps: list[dict]) -> dict[str, Any] | None:
    """The structure change of table ``key`` (relation ``a`` -> ``b``; ``a_objs``/``b_objs``:
    its snapshot objects by (category, key)); None when its structure did not change."""
    from ..sqltext import quote_ident

    what = f"table {key}"
    ia = {k: v for (c, k), v in a_objs.items() if c == "index" and v.get("table") == key}
    ib = {k: v for (c, k), v in b_objs.items() if c == "index" and v.get("table") == key}
    ta = {k: v for (c, k), v in a_objs.items() if c == "trigger" and k.endswith(f" on {key}")}
    tb = {k: v for (c, k), v in b_objs.items() if c == "trigger" and k.endswith(f" on {key}")}
    ca, cb = a.get("constraints", {}), b.get("constraints", {})
    if (a.get("column order") == b.get("column order") and a.get("columns") == b.get("columns") and ca == cb
            and ia == ib and ta == tb):
        return None
    if a["kind"] != "table" or b["kind"] != "table" or a.get("partition bound") or a.get("inherits") \
            or b.get("inherits") or _inherited(snaps, key):
        raise NotImportable(f"{what}: the structure of a partitioned or inherited table is not imported")
    s: dict[str, Any] = {"columns before": list(a["column order"])}

    # columns
    oa, ob = list(a["column order"]), list(b["column order"])
    owning = _owning_sequences(snaps, key)
    renamed = renames(oa, ob)
    if set(renamed) & owning:
        raise NotImportable(f"{what}: a renamed column owns a sequence")
    was = {renamed.get(c, c): c for c in oa}  # name after -> name before
    oa = [renamed.get(c, c) for c in oa]
    dropped = [c for c in oa if c not in ob]
    added = [c for c in ob if c not in oa]
    if ob != [c for c in oa if c in ob] + added:
        raise NotImportable(f"{what}: its columns were reordered")
    if set(dropped) & owning:
        raise NotImportable(f"{what}: a dropped column owned a sequence")
    alter: dict[str, dict[str, Any]] = {}
    for name in oa:
        if name in dropped:
            continue
        x, y = a["columns"][was[name]], b["columns"][name]
        cwhat = f"{what} column {name}"
        for field in sorted(set(x) | set(y)):
            if x.get(field) == y.get(field) or field in _COL_OTHER:
                continue
            if field not in _COL_STRUCT:
                raise NotImportable(f"{cwhat}: its {field} changed")
        got = {f: y.get(f) for f in _COL_STRUCT if x.get(f) != y.get(f)}
        if got:
            _column(name, y, cwhat)
            if name in owning and "default" in got:
                raise NotImportable(f"{cwhat}: the default of a column owning a sequence changed")
            alter[name] = got
    for name in added:
        col = b["columns"][name]
        if col.get("statistics target") is not None or col.get("storage") or col.get("options"):
            raise NotImportable(f"{what} column {name}: storage or statistics options are not imported")
    if renamed:
        s["rename columns"] = renamed
    if dropped:
        s["drop columns"] = dropped
    if added:
        s["add columns"] = [_column(n, b["columns"][n], f"{what} column {n}") for n in added]
    if alter:
        s["alter columns"] = alter

    # constraints (and the indexes backing them)
    def backing(cons: dict[str, Any]) -> set[str]:
        return {n for n, c in cons.items() if _constraint_kind(c["definition"], f"{what} constraint {n}") in _INDEXED}

    ba, bb = backing(ca), backing(cb)
    schema_prefix = key.rpartition(".")[0] + "."
    idx_name = {k: _short(k) for k in set(ia) | set(ib)}
    drop_cons, add_cons = [], {}
    for name in sorted(set(ca) | set(cb)):
        old, new = ca.get(name), cb.get(name)
        iq = schema_prefix + quote_ident(name)
        old_idx = ia.get(iq) if name in ba else None
        new_idx = ib.get(iq) if name in bb else None
        if old == new and old_idx == new_idx:
            continue
        cwhat = f"{what} constraint {name}"
        if new is not None and name in bb:
            if new_idx is None:
                raise NotImportable(f"{cwhat}: its index is not found")
            _check_index(name, new_idx, cwhat)
        if old is not None:
            drop_cons.append(name)
        if new is not None:
            add_cons[name] = {"definition": new["definition"], "comment": new.get("comment")}
            if new_idx is not None:
                add_cons[name]["index"] = new_idx["definition"]
                add_cons[name]["index comment"] = new_idx.get("comment")
    if drop_cons:
        s["drop constraints"] = drop_cons
    if add_cons:
        s["add constraints"] = add_cons

    # plain indexes
    drop_idx, add_idx = [], {}
    for q in sorted(set(ia) | set(ib)):
        name = idx_name[q]
        old = ia.get(q) if name not in ba else None
        new = ib.get(q) if name not in bb else None
        if old == new:
            continue
        if old is not None:
            drop_idx.append(name)
        if new is not None:
            _check_index(name, new, f"index {q}")
            add_idx[name] = {"definition": new["definition"], "comment": new.get("comment")}
    if drop_idx:
        s["drop indexes"] = drop_idx
    if add_idx:
        s["add indexes"] = add_idx

    # triggers
    drop_trg, add_trg = [], {}
    for k in sorted(set(ta) | set(tb)):
        old, new = ta.get(k), tb.get(k)
        if old == new:
            continue
        name = _unquote_key(k)
        if old is not None:
            drop_trg.append(name)
        if new is not None:
            from pglast import ast, parse_sql

            try:
                (raw,) = parse_sql(new["definition"])
                ok = isinstance(raw.stmt, ast.CreateTrigStmt) and not raw.stmt.isconstraint
            except Exception:
                ok = False
            if not ok or new.get("enabled") not in _ENABLED:
                raise NotImportable(f"trigger {k}: its definition is not understood (a constraint trigger?)")
            add_trg[name] = {"definition": new["definition"], "enabled": _ENABLED[new["enabled"]],
                             "comment": new.get("comment")}
    if drop_trg:
        s["drop triggers"] = drop_trg
    if add_trg:
        s["add triggers"] = add_trg
    return s if len(s) > 1 else None


# -- structure -> catalog ----------------------------------------------------------------------

def apply(cat, key: tuple[str, str], s: dict[str, Any], where: str = "") -> None:
    """Put structure change ``s`` of table ``key`` into ``cat``; every check runs before the
    catalog is touched (raises ImportFailed). A renamed column is renamed as the handler of
    ``ALTER TABLE ... RENAME COLUMN`` renames it (what names it in the catalog follows, or is
    distrusted with ``where``, the statement's location, in the reason)."""
    from pglast import parse_sql

    from ..catalog import Column, Constraint, DEFAULT_SEARCH_PATH, Index, Trigger
    from ..handlers.indexes import forget_index
    from ..handlers.tables import (CON_KIND, _definition, constraint_columns, drop_constraint_from_catalog,
                                   parse_constraint)
    from ..handlers.triggers import render_trigger
    from ..refs import column_ref, constraint_ref, trigger_ref
    from ..sqltext import qname, render

    table = cat.tables.get(key)
    q = qname(*key)
    if table is None:
        raise ImportFailed(f"table {q} is not in the catalog")
    if table.partition_by or table.partition_of or table.inherits:
        raise ImportFailed(f"table {q} is partitioned or inherits")
    if list(table.columns) != list(s["columns before"]):
        raise ImportFailed(f"the columns of {q} in the catalog are not those the record saw")
    renamed = s.get("rename columns", {})
    if not isinstance(renamed, dict) or set(renamed) - set(table.columns) or set(renamed.values()) & set(table.columns):
        raise ImportFailed(f"the renamed columns of {q} do not fit the catalog")
    for name in s.get("drop constraints", []):
        if name not in table.constraints:
            raise ImportFailed(f"constraint {name} of {q} is not in the catalog")
    for name in s.get("add constraints", {}):
        if name in table.constraints and name not in s.get("drop constraints", []):
            raise ImportFailed(f"constraint {name} of {q} is already in the catalog")
    for name in s.get("drop indexes", []):
        idx = cat.indexes.get((key[0], name))
        if idx is None or idx.table != key or idx.constraint is not None:
            raise ImportFailed(f"index {name} of {q} is not in the catalog")
    for name in s.get("drop triggers", []):
        if (key[0], key[1], name) not in cat.triggers:
            raise ImportFailed(f"trigger {name} of {q} is not in the catalog")
    for name in s.get("add triggers", {}):
        if (key[0], key[1], name) in cat.triggers and name not in s.get("drop triggers", []):
            raise ImportFailed(f"trigger {name} of {q} is already in the catalog")
    if any(seq.owned_by and seq.owned_by[0] == key and seq.owned_by[1] in s.get("drop columns", [])
           for seq in cat.sequences.values()):
        raise ImportFailed(f"a dropped column of {q} owns a sequence in the catalog")

    # build everything first: a text that does not parse changes nothing
    def column(c: dict[str, Any]) -> Column:
        return Column(name=c["name"], type=_type_sql(c["type"], c["name"]), default=c.get("default"),
                      not_null=bool(c.get("not null")), generated=c.get("generated"), collation=c.get("collation"))

    new_cols = [column(c) for c in s.get("add columns", [])]
    new_cons: list[tuple[Constraint, Index | None, dict[str, Any]]] = []
    for name, c in s.get("add constraints", {}).items():
        node = parse_constraint(c["definition"])
        kind = CON_KIND[node.contype]
        rec = Constraint(name=name, kind=kind, definition=_definition(node),
                         columns=constraint_columns(node, {key[1]}),
                         references=(node.pktable.schemaname, node.pktable.relname) if kind == "f" else None,
                         deferrable=bool(node.deferrable), not_valid=bool(node.skip_validation))
        idx = None
        if kind in _INDEXED:
            if not c.get("index"):
                raise ImportFailed(f"constraint {name} of {q} has no index")
            rec.index = name
            idx = Index(schema=key[0], name=name, table=key, definition=render(parse_sql(c["index"])[0].stmt),
                        unique=kind != "x", constraint=name, search_path=DEFAULT_SEARCH_PATH)
        new_cons.append((rec, idx, c))
    new_idx = []
    for name, c in s.get("add indexes", {}).items():
        node = parse_sql(c["definition"])[0].stmt
        if node.idxname != name or (node.relation.schemaname, node.relation.relname) != key:
            raise ImportFailed(f"index {name} is not an index of {q}")
        new_idx.append((Index(schema=key[0], name=name, table=key, definition=render(node), unique=bool(node.unique),
                              search_path=DEFAULT_SEARCH_PATH), c))
    new_trg = []
    for name, c in s.get("add triggers", {}).items():
        node = parse_sql(c["definition"])[0].stmt
        if node.trigname != name or (node.relation.schemaname, node.relation.relname) != key:
            raise ImportFailed(f"trigger {name} is not a trigger of {q}")
        new_trg.append((Trigger(schema=key[0], table=key[1], name=name, definition=render_trigger(node),
                                enabled=c["enabled"]), c))
    after_renames = {renamed.get(n, n) for n in table.columns}
    for c in new_cols:
        if c.name in after_renames and c.name not in s.get("drop columns", []):
            raise ImportFailed(f"column {c.name} of {q} is already in the catalog")
    if set(s.get("alter columns", {})) - after_renames:
        raise ImportFailed(f"an altered column of {q} is not in the catalog")
    for idx, _ in new_idx:
        if cat.relation_name_taken(idx.schema, idx.name) and idx.name not in s.get("drop indexes", []):
            raise ImportFailed(f"relation {idx.name} is already in the catalog")

    from .imports import _set_acl, _set_comment

    # then change the catalog: renames first (the record's other names are the new ones),
    # dropping before adding, as PostgreSQL ran it
    from ..handlers.table_renames import _may_name_column, rename_column_in_catalog
    from ..handlers.tables import views_using

    for old_name, new_name in renamed.items():
        rename_column_in_catalog(cat, key, old_name, new_name, f"{where}; learn saw column {old_name} renamed to {new_name}")
    for name in s.get("drop triggers", []):
        del cat.triggers[(key[0], key[1], name)]
        cat.drop_object_refs(trigger_ref(key[0], key[1], name))
    for name in s.get("drop indexes", []):
        forget_index(cat, (key[0], name))
    for name in s.get("drop constraints", []):
        drop_constraint_from_catalog(cat, table, name)
    for name in s.get("drop columns", []):
        del table.columns[name]
        cat.drop_object_refs(column_ref(key, name))
        for vkey in views_using(cat, key):  # PostgreSQL dropped it (CASCADE) or refused: not known here
            if _may_name_column(cat.views[vkey].definition, name):
                cat.tainted.setdefault(("view", qname(*vkey)), f"{where}; learn saw column {name} of {q} dropped")
    for name, got in s.get("alter columns", {}).items():
        col = table.columns[name]
        if "type" in got:
            col.type = _type_sql(got["type"], name)
        if "default" in got:
            col.default = got["default"]
        if "not null" in got:
            col.not_null = bool(got["not null"])
        if "generated" in got:
            col.generated = got["generated"]
        if "collation" in got:
            col.collation = got["collation"]
    for col, c in zip(new_cols, s.get("add columns", [])):
        table.columns[col.name] = col
        cref = column_ref(key, col.name)
        if c.get("acl"):
            _set_acl(cat, cref, {_role(r): sorted(p.split(",")) for r, p in c["acl"].items()})
        if c.get("comment") is not None:
            _set_comment(cat, cref, c["comment"])
    for rec, idx, c in new_cons:
        table.constraints[rec.name] = rec
        _set_comment(cat, constraint_ref(key, rec.name), c.get("comment"))
        if idx is not None:
            cat.indexes[(key[0], idx.name)] = idx
            _set_comment(cat, ("index", qname(key[0], idx.name)), c.get("index comment"))
    for idx, c in new_idx:
        cat.indexes[(key[0], idx.name)] = idx
        _set_comment(cat, ("index", qname(key[0], idx.name)), c.get("comment"))
    for trg, c in new_trg:
        cat.triggers[(key[0], key[1], trg.name)] = trg
        _set_comment(cat, trigger_ref(key[0], key[1], trg.name), c.get("comment"))
