"""Round trips of a whole migration sequence in ONE database (linear cost).

For each migration, in order, on a fresh clone of the Supabase baseline::

    S0 = the schema now                 apply the migration      -> S1
    run its rollback with psql -f       -> S2 == S0, and its schema_migrations row gone
    apply the migration again           -> S3 == S1  (S3 is the next migration's S0)

The rollback runs the way a person runs it (``psql -X -v ON_ERROR_STOP=1 -f``, the
harness of tests/roundtrip.py), because psql's own lexer is what splits the file in
production. The first failure raises ``RoundTripFailure`` with everything needed to
reproduce it (the migration texts and the rollback SQL).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql as pgsql
from pglast import ast
from pglast.enums import AlterTableType
from pglast.parser import parse_sql

from generator.engine import Rollback, generate
from generator.parse import Migration
from generator.render import render_sql
from generator.server import Server
from generator.snapshot import diff, snapshot

START = 20240101000000
_db_counter = itertools.count(1)


class RoundTripFailure(AssertionError):
    """A migration, its rollback or the re-applied migration did not behave."""


@dataclass
class Checked:
    migration: Migration
    rollback: Rollback
    sql: str


def migrations(texts: Sequence[str]) -> list[Migration]:
    """Migration objects for ``texts``, versions 20240101000000 + i."""
    out = []
    for i, text in enumerate(texts):
        v = str(START + i)
        out.append(Migration(version=v, name=f"step_{i}", path=Path(f"supabase/migrations/{v}_step_{i}.sql"), text=text))
    return out


def drops_a_column(text: str) -> bool:
    """A rollback of ``ALTER TABLE ... DROP COLUMN`` recreates the column at the end of its
    table: the only column-order difference a round trip tolerates."""
    for raw in parse_sql(text):
        node = raw.stmt
        if isinstance(node, ast.AlterTableStmt):
            if any(c.subtype == AlterTableType.AT_DropColumn for c in node.cmds or ()):
                return True
    return False


def reproduction(texts: Sequence[str]) -> str:
    """The sequence as a regression file body (see tests/property/regressions/README.md)."""
    return "\n".join(f"-- migration {i}\n{t.rstrip()}\n" for i, t in enumerate(texts))


def _numbered(sql: str) -> str:
    return "\n".join(f"{i:4} | {line}" for i, line in enumerate(sql.splitlines(), 1))


def prepare(texts: Sequence[str]) -> list[Checked]:
    """The generated (and rendered) rollback of every migration of ``texts``."""
    migs = migrations(texts)
    return [Checked(m, rb, render_sql(rb)) for m, rb in zip(migs, generate(migs))]


def round_trip_sequence(server: Server, texts: Sequence[str], checked: list[Checked] | None = None) -> list[Checked]:
    """Round-trip the rollback of every migration of ``texts`` on ``server`` (see the
    module docstring); ``checked``: their rollbacks, if already generated."""
    from roundtrip import apply_migration, run_psql  # tests/roundtrip.py (tests/ is on sys.path)

    checked = checked if checked is not None else prepare(texts)
    name = f"prop{os.getpid()}_{next(_db_counter)}"
    dsn = server.baseline_database(name)
    roles_before = _roles(server)

    def fail(i: int, what: str, sql: str | None = None) -> RoundTripFailure:
        shown = f"\n\nrollback SQL of migration {i}:\n{_numbered(sql)}" if sql is not None else ""
        return RoundTripFailure(f"migration {i}: {what}\n\nthe sequence (a regression file body):\n"
                                f"{reproduction(texts)}{shown}")

    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            s0 = snapshot(conn)
            for i, c in enumerate(checked):
                manual = [f"{s.title}: {s.manual}" for s in c.rollback.manual_steps]
                if manual:
                    raise fail(i, "the rollback has manual steps:\n" + "\n".join(f"- {m}" for m in manual), c.sql)
                try:
                    apply_migration(conn, c.migration)
                except psycopg.Error as exc:
                    raise fail(i, f"the migration itself fails on the server (a bug of the strategy): {exc}") from None
                s1 = snapshot(conn)
                res = run_psql(server, dsn, c.sql)
                if res.returncode:
                    raise fail(i, f"the rollback fails (psql exit {res.returncode}):\n{res.stderr.strip()}", c.sql)
                d = diff(s0, snapshot(conn))
                if not d.ok(allow_column_order=drops_a_column(c.migration.text)):
                    raise fail(i, f"after the rollback the schema differs from the one before the migration:\n{d}", c.sql)
                left = conn.execute("SELECT count(*) FROM supabase_migrations.schema_migrations WHERE version = %s",
                                    (c.migration.version,)).fetchone()
                if left is None or left[0] != 0:
                    raise fail(i, "the rollback left the migration in supabase_migrations.schema_migrations", c.sql)
                conn.execute("DROP SCHEMA IF EXISTS supabase_rollback_backup CASCADE")
                try:
                    apply_migration(conn, c.migration)
                except psycopg.Error as exc:
                    raise fail(i, f"after the rollback the migration cannot be applied again: {exc}", c.sql) from None
                s3 = snapshot(conn)
                again = diff(s1, s3)
                if not again.ok(allow_column_order=drops_a_column(c.migration.text)):
                    raise fail(i, f"re-applying the migration after the rollback gives another schema:\n{again}", c.sql)
                s0 = s3
    finally:
        server.drop_database(name)
        with server.connect() as conn:  # roles are cluster-wide: leave none behind for the next example
            for role in _roles(server) - roles_before:
                conn.execute(pgsql.SQL("DROP ROLE {}").format(pgsql.Identifier(role)))
    return checked


def _roles(server: Server) -> set[str]:
    with server.connect() as conn:
        return {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")}
