"""Small helpers for the pure-Python tests of policies, grants, types, comments, publications.

They build a catalog by hand (no other handler module is needed) and replay one
migration's text into it with the real engine.
"""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog, Column, DefaultPrivilege, Function, Schema, Table
from generator.engine import Rollback, replay
from generator.parse import Migration

API = ("anon", "authenticated", "service_role")


def catalog(*tables: str, supabase_defaults: bool = True) -> Catalog:
    """A catalog with the usual schemas and ``tables`` ("schema.name" or "schema.name(a,b)")."""
    cat = Catalog()
    cat.roles = {"postgres", "public", *API}
    for s in ("public", "pg_catalog", "extensions", "auth", "storage"):
        cat.schemas[s] = Schema(s)
    cat.set_privileges(("schema", "public"), "public", {"USAGE"})
    if supabase_defaults:
        for kind in ("table", "function", "sequence"):
            for role in API:
                cat.default_privileges.append(
                    DefaultPrivilege("postgres", "public", kind, role, frozenset(_all(kind)))
                )
    for spec in tables:
        add_table(cat, spec)
    return cat


def _all(kind: str) -> set[str]:
    from generator.catalog import ALL_PRIVILEGES

    return set(ALL_PRIVILEGES[kind])


def add_table(cat: Catalog, spec: str, owner: str | None = None) -> Table:
    name, _, cols = spec.partition("(")
    schema, table = name.split(".")
    t = Table(schema, table, owner=owner)
    for c in (cols.rstrip(")").split(",") if cols else ["id"]):
        t.columns[c.strip()] = Column(c.strip(), "bigint")
    cat.tables[(schema, table)] = t
    cat.apply_default_privileges("table", schema, ("table", f"{schema}.{table}"))
    return t


def add_function(cat: Catalog, schema: str, name: str, args: str = "", kind: str = "function") -> Function:
    f = Function(schema, name, args, f"CREATE FUNCTION {schema}.{name}({args}) ...", kind=kind)
    cat.functions[f.key] = f
    cat.apply_default_privileges(kind, schema, (kind, f.signature))
    return f


def run(sql: str, cat: Catalog) -> Rollback:
    """Replay ``sql`` as one migration into ``cat``; return its rollback."""
    m = Migration("20240101000000", "m", Path("20240101000000_m.sql"), sql)
    return replay(m, cat)


def sqls(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql]
