"""The round-trip check behind the ``roundtrip`` fixture (see conftest.py).

On a fresh database holding the Supabase baseline: apply the history, snapshot, apply
the migration, snapshot, run the generated rollback the way a person would (``psql -v
ON_ERROR_STOP=1 -f``), snapshot and compare with the state before the migration; then
apply the migration again and compare with the state after it (a rollback must not
block going forward). Every failure message lists the differences in sentences and
shows the rollback SQL.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import psycopg
import pytest
from pglast import ast
from pglast.enums import AlterTableType

from generator.engine import Rollback, generate
from generator.parse import Migration, Statement, parse_statements
from generator.server import Server
from generator.snapshot import diff, snapshot

HISTORY_START = 20240101000000
_counter = itertools.count(1)


def make_migrations(history: Sequence[str], migration: str, version: str) -> list[Migration]:
    """Migration objects for ``history`` (versions 20240101000000 + i) and ``migration``."""
    out = []
    for i, text in enumerate(history):
        v = str(HISTORY_START + i)
        out.append(Migration(version=v, name=f"history_{i}", path=Path(f"supabase/migrations/{v}_history_{i}.sql"), text=text))
    if out and version <= out[-1].version:
        raise ValueError(f"migration version {version} must come after the history ({out[-1].version})")
    out.append(Migration(version=version, name="migration", path=Path(f"supabase/migrations/{version}_migration.sql"), text=migration))
    return out


def _non_transactional(node: ast.Node) -> bool:
    """Statements PostgreSQL refuses inside a transaction block."""
    if isinstance(node, (ast.IndexStmt, ast.DropStmt)) and getattr(node, "concurrent", False):
        return True
    if isinstance(node, ast.ReindexStmt):
        return any(getattr(p, "defname", "") == "concurrently" for p in node.params or ())
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            part = getattr(cmd, "def_", None)
            if cmd.subtype == AlterTableType.AT_DetachPartition and getattr(part, "concurrent", False):
                return True
    return isinstance(node, (ast.VacuumStmt, ast.CreatedbStmt, ast.DropdbStmt, ast.AlterSystemStmt,
                             ast.CreateTableSpaceStmt, ast.DropTableSpaceStmt))


def apply_migration(conn: psycopg.Connection, m: Migration) -> None:
    """Run a migration file and record it in ``supabase_migrations.schema_migrations``.

    Like the Supabase CLI, the file runs as one unit (a single simple-query string, so an
    implicit transaction). A file with statements that cannot run in a transaction block
    (``CREATE INDEX CONCURRENTLY``...) runs statement by statement in autocommit, as
    ``psql -f`` would.
    """
    stmts: list[Statement] = parse_statements(m.text, m.path)
    if any(_non_transactional(s.node) for s in stmts):
        for s in stmts:
            conn.execute(s.sql.encode())
    elif stmts:
        conn.execute(m.text.encode())
    conn.execute(
        "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES (%s, %s, %s)",
        (m.version, m.name, [s.sql for s in stmts]),
    )


def run_psql(server: Server, dsn: str, sql: str) -> subprocess.CompletedProcess[str]:
    """``psql -X -v ON_ERROR_STOP=1 -f file``: how a person runs the rollback file."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(sql)
        path = f.name
    try:
        return subprocess.run(
            [str(server.psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", path],
            capture_output=True, text=True, timeout=300, check=False,
        )
    finally:
        Path(path).unlink(missing_ok=True)


def _numbered(sql: str) -> str:
    return "\n".join(f"{i:4} | {line}" for i, line in enumerate(sql.splitlines(), 1))


def db_name(test_name: str) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "_", test_name.lower()).strip("_")
    return f"rt{next(_counter)}_{slug}"[:63]


def run_roundtrip(
    server: Server,
    test_name: str,
    history: Sequence[str],
    migration: str,
    *,
    allow_column_order: bool = False,
    expect_manual: bool = False,
    version: str = "20990101000000",
) -> tuple[Rollback, str]:
    from generator.render import render_sql  # written in parallel; imported when first used

    if not migration:
        pytest.fail("roundtrip() needs the migration under test (migration=...)")
    if isinstance(history, str):
        pytest.fail("roundtrip(history=...) takes a list of migration texts, not one string")
    migs = make_migrations(history, migration, version)
    target = migs[-1]
    rollbacks = generate(migs, targets={version})
    assert len(rollbacks) == 1, rollbacks
    rb = rollbacks[0]
    sql = render_sql(rb)

    manual = [f"{s.title}: {s.manual}" for s in rb.manual_steps]
    if manual and not expect_manual:
        pytest.fail("the rollback has manual steps:\n" + "\n".join(f"- {m}" for m in manual)
                    + f"\n\nrollback SQL:\n{_numbered(sql)}", pytrace=False)
    if expect_manual and not manual:
        pytest.fail(f"expected a manual step, but the rollback has none\n\nrollback SQL:\n{_numbered(sql)}", pytrace=False)

    name = db_name(test_name)
    dsn = server.baseline_database(name)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for m in migs[:-1]:
                try:
                    apply_migration(conn, m)
                except psycopg.Error as exc:
                    pytest.fail(f"history migration {m.version} failed on the server: {exc}\n\n{m.text}", pytrace=False)
            before = snapshot(conn)
            try:
                apply_migration(conn, target)
            except psycopg.Error as exc:
                pytest.fail(f"the migration failed on the server: {exc}\n\n{target.text}", pytrace=False)
            after_migration = snapshot(conn)
        if expect_manual:
            return rb, sql  # the rollback stops at its manual step by design

        res = run_psql(server, dsn, sql)
        if res.returncode:
            pytest.fail(
                f"the rollback failed on the server (psql exit {res.returncode}):\n{res.stderr.strip()}"
                f"\n\nrollback SQL:\n{_numbered(sql)}", pytrace=False,
            )
        with psycopg.connect(dsn, autocommit=True) as conn:
            after_rollback = snapshot(conn)
            d = diff(before, after_rollback)
            if not d.ok(allow_column_order):
                pytest.fail(
                    f"after the rollback the schema differs from the one before the migration:\n{d}"
                    f"\n\nmigration:\n{migration}\n\nrollback SQL:\n{_numbered(sql)}", pytrace=False,
                )
            row = conn.execute(
                "SELECT count(*) FROM supabase_migrations.schema_migrations WHERE version = %s", (version,)
            ).fetchone()
            if row is None or row[0] != 0:
                pytest.fail(f"the rollback left version {version} in supabase_migrations.schema_migrations"
                            f"\n\nrollback SQL:\n{_numbered(sql)}", pytrace=False)
            try:
                apply_migration(conn, target)
            except psycopg.Error as exc:
                pytest.fail(f"after the rollback the migration cannot be applied again: {exc}"
                            f"\n\nrollback SQL:\n{_numbered(sql)}", pytrace=False)
            again = diff(after_migration, snapshot(conn))
            if not again.ok(allow_column_order):
                pytest.fail(
                    "re-applying the migration after the rollback gives a different schema than the first time:\n"
                    f"{again}\n\nrollback SQL:\n{_numbered(sql)}", pytrace=False,
                )
    finally:
        server.drop_database(name)
    return rb, sql
