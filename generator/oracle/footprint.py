"""What a snapshot (generator/snapshot.py) says about one distrusted object (an ObjRef).

An object is proven unchanged by a statement when its footprint is present before the
statement and equal after it. A table's footprint is everything a rollback may rebuild
from the catalog's definition of it: the relation (columns, constraints, RLS, privileges,
comments, owner, publications) and the indexes, triggers, rules and policies on it; so a
DO block that only added a policy to a table did change it. A schema's is the schema and
every object in it. A ref whose kind has no mapping gets no footprint and is never
recorded.
"""

from __future__ import annotations

from typing import Any

from ..snapshot import Snapshot

ObjRef = tuple[str, str]
_RELATIONS = ("table", "view", "materialized view", "sequence")
_ON_TABLE = ("index", "trigger", "rule", "policy")
_BY_NAME = {"index": "index", "type": "type", "function": "function", "procedure": "function",
            "extension": "extension", "publication": "publication", "event trigger": "event_trigger"}


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') and name.endswith('"') else name


def _q(name: str) -> str:  # = snapshot._q: how snapshots write policy and trigger names
    return '"' + name.replace('"', '""') + '"'


def _table_of(ident: str, kind: str) -> str | None:
    if kind == "column":
        from ..refs import _split_column

        return _split_column(ident)[0]
    _, on, table = ident.rpartition(" ON ")
    return table if on else None


def _relation(snap: Snapshot, key: str) -> dict[str, Any] | None:
    rel = snap["relation"].get(key)
    if rel is None:
        return None
    parts: dict[str, Any] = {"relation": rel}
    for category in _ON_TABLE:
        if category == "index":
            parts["index"] = {k: v for k, v in snap["index"].items() if v.get("table") == key}
        else:
            parts[category] = {k: v for k, v in snap[category].items() if k.endswith(f" on {key}")}
    return parts


def footprint(snap: Snapshot, ref: ObjRef) -> dict[str, Any] | None:
    """The parts of ``snap`` that describe ``ref`` (None: absent, or a kind not mapped)."""
    kind, ident = ref
    if kind in _RELATIONS:
        return _relation(snap, ident)
    if kind in ("column", "constraint"):
        table = _table_of(ident, kind)
        return _relation(snap, table) if table else None
    if kind in ("policy", "trigger"):
        name, on, table = ident.rpartition(" ON ")
        category = "policy" if kind == "policy" else "trigger"
        obj = snap[category].get(f"{_q(_unquote(name))} on {table}") if on else None
        return None if obj is None else {category: obj, "table": _relation(snap, table)}
    if kind == "schema":
        schema = snap["schema"].get(ident)
        if schema is None:
            return None
        inside = {c: {k: v for k, v in snap[c].items() if k.startswith(f"{ident}.")}
                  for c in ("relation", "index", "function", "type")}
        return {"schema": schema, **inside, "default_acl": snap["default_acl"]}
    category = _BY_NAME.get(kind)
    if category is None:
        return None
    return None if (obj := _by_name(snap, category, ident)[1]) is None else {category: obj}


def _by_name(snap: Snapshot, category: str, ident: str) -> tuple[str, Any]:
    """``(key, object)`` of ``ident`` in ``snap[category]``. Extensions, publications and event
    triggers are keyed by ``quote_ident`` of the name (``"uuid-ossp"``), which a ref may
    spell unquoted."""
    obj = snap[category].get(ident)
    if obj is None and category in ("extension", "publication", "event_trigger"):
        name = _unquote(ident)
        for key in (name, _q(name)):
            if (obj := snap[category].get(key)) is not None:
                return key, obj
    return ident, obj


def unchanged(before: Snapshot, after: Snapshot, ref: ObjRef) -> bool:
    """``ref`` is present before and its footprint is the same after."""
    fp = footprint(before, ref)
    return fp is not None and fp == footprint(after, ref)
