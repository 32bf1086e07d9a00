"""What a Supabase database holds before the first migration: one definition, two uses.

``baseline.sql`` (beside this file) is plain DDL. The generator replays it into its
catalog, and ``verify``/the tests run it on a real server, so both start from the same
state. Roles are cluster-wide, so they are listed here and created by ``role_sql()``.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from .catalog import Catalog, Schema

if TYPE_CHECKING:
    from .engine import Rollback

# Roles of a Supabase database (cluster-wide). The first ones are the API roles.
ROLES: tuple[str, ...] = (
    "anon",
    "authenticated",
    "service_role",
    "authenticator",
    "supabase_admin",
    "supabase_auth_admin",
    "supabase_storage_admin",
    "dashboard_user",
    "pgbouncer",
    "supabase_realtime_admin",
    "supabase_replication_admin",
    "supabase_read_only_user",
)
API_ROLES: tuple[str, ...] = ("anon", "authenticated", "service_role")


def sql() -> str:
    """The database part of the baseline, as SQL."""
    return resources.files(__package__).joinpath("baseline.sql").read_text()


def role_sql() -> str:
    """Idempotent SQL creating the cluster-wide roles (run once per server)."""
    lines = []
    for role in ROLES:
        opts = "NOLOGIN NOINHERIT" if role in API_ROLES else "NOLOGIN"
        if role == "authenticator":
            opts = "LOGIN NOINHERIT"
        if role == "service_role":
            opts += " BYPASSRLS"
        lines.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {role} {opts}; END IF; END $$;"
        )
    lines.append("GRANT anon, authenticated, service_role TO authenticator;")
    return "\n".join(lines) + "\n"


def build_catalog() -> Catalog:
    """Replay ``baseline.sql`` into an empty catalog (with PostgreSQL's own schemas)."""
    cat, _ = replay_baseline()
    cat.tainted.clear()
    return cat


def replay_baseline() -> tuple[Catalog, Rollback]:
    """The catalog after ``baseline.sql`` and the (never used) rollback of that replay.

    tests/test_baseline.py asserts the rollback has no manual step and nothing is
    tainted, i.e. every baseline statement is understood.
    """
    from . import handlers  # noqa: F401  (registers every handler)
    from .engine import replay
    from .parse import Migration

    cat = Catalog()
    cat.roles = set(ROLES) | {"postgres", "public"}
    cat.schemas["public"] = Schema("public", owner="pg_database_owner")
    cat.schemas["pg_catalog"] = Schema("pg_catalog")
    cat.schemas["information_schema"] = Schema("information_schema")
    # PostgreSQL 15: PUBLIC has no CREATE on schema public, only USAGE.
    cat.set_privileges(("schema", "public"), "public", {"USAGE"})
    base = Migration(version="0", name="supabase_baseline", path=resources.files(__package__).joinpath("baseline.sql"), text=sql())  # type: ignore[arg-type]
    rollback = replay(base, cat)
    for ext in cat.extensions.values():
        ext.platform = True
    return cat, rollback
