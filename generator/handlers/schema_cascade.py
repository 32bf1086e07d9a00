"""``DROP SCHEMA s CASCADE`` over a schema with contents, replayed as smaller drops.

The forward statement is treated as this series of statements, each inverted by its own
handler against the catalog as the previous ones left it (so what a CASCADE takes from
other schemas, such as views, foreign keys, policies, defaults, comes back through those
handlers' own rules):

    DROP MATERIALIZED VIEW / DROP VIEW <views of s> CASCADE;
    DROP FUNCTION / PROCEDURE <each routine of s> CASCADE;
    DROP TABLE <tables of s> CASCADE;
    DROP SEQUENCE <free-standing sequences of s> CASCADE;
    DROP TYPE / DOMAIN <each type of s> CASCADE;

The rollback recreates the schema (owner, grants, comment) and then runs the inverses in
reverse order: types, sequences, tables (structure only: DATA_NOT_RESTORED), routines,
views. Extensions in the schema, or anything a handler cannot restore, make the whole
statement manual; the catalog is then left as it was before this attempt.
"""

from __future__ import annotations

import copy

from pglast import parse_sql

from ..catalog import Catalog
from ..engine import Context, Unsupported, find_handler
from ..sqltext import qname
from ..steps import Step


def _run(ctx: Context, sql: str) -> list[Step]:
    node = parse_sql(sql)[0].stmt
    handler = find_handler(node)
    if handler is None:  # pragma: no cover - every statement built here has a handler
        raise Unsupported(f"no handler for {sql}")
    steps = handler(node, ctx)
    if any(s.manual for s in steps):
        raise Unsupported("; ".join(s.manual for s in steps if s.manual))
    return steps


def _statements(cat: Catalog, name: str) -> list:
    """Builders of the drop statements, evaluated in turn (the catalog changes in between)."""

    def views(materialized: bool):
        def build() -> str | None:
            keys = [k for k, v in cat.views.items() if k[0] == name and v.materialized == materialized]
            if not keys:
                return None
            kind = "MATERIALIZED VIEW" if materialized else "VIEW"
            return f"DROP {kind} IF EXISTS {', '.join(qname(*k) for k in sorted(keys))} CASCADE;"
        return build

    def routine(key):
        def build() -> str | None:
            f = cat.functions.get(key)
            return f"DROP {f.kind.upper()} IF EXISTS {f.signature} CASCADE;" if f else None
        return build

    def tables() -> str | None:
        keys = sorted(k for k in cat.tables if k[0] == name)
        return f"DROP TABLE IF EXISTS {', '.join(qname(*k) for k in keys)} CASCADE;" if keys else None

    def sequences() -> str | None:
        keys = sorted(k for k, s in cat.sequences.items() if k[0] == name and s.owned_by is None)
        return f"DROP SEQUENCE IF EXISTS {', '.join(qname(*k) for k in keys)} CASCADE;" if keys else None

    def a_type(key):
        def build() -> str | None:
            t = cat.types.get(key)
            if t is None:
                return None
            return f"DROP {'DOMAIN' if t.kind == 'domain' else 'TYPE'} IF EXISTS {qname(*key)} CASCADE;"
        return build

    out = [views(True), views(False)]
    out += [routine(k) for k in sorted(cat.functions) if k[0] == name]
    out += [tables, sequences]
    out += [a_type(k) for k in sorted(cat.types) if k[0] == name]
    return out


def cascade(ctx: Context, name: str) -> list[Step]:
    """Inverse steps of dropping everything in schema ``name`` (run after it is recreated)."""
    cat = ctx.catalog
    if any(e.schema == name for e in cat.extensions.values()):
        raise Unsupported(f"extensions live in schema {name}; recreating them with their objects is not automated")
    saved = copy.deepcopy(cat.__dict__)
    groups: list[list[Step]] = []
    try:
        for build in _statements(cat, name):
            sql = build()
            if sql is not None:
                groups.append(_run(ctx, sql))
        if any(k[0] == name for k in cat.views):  # pragma: no cover - the view drops take them all
            raise Unsupported(f"views of {name} remain")
    except Unsupported:
        cat.__dict__.update(saved)
        raise
    return [s for g in reversed(groups) for s in g]
