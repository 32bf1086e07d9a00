"""Fixtures for tests that need a real PostgreSQL server.

- ``pg_server`` (session): one throwaway server (generator/server.py) for the whole run.
  If none can be started, every test that needs it FAILS: CI must never silently skip
  the real-server tests.
- ``pg_db``: a fresh database holding the Supabase baseline, cloned from a template
  (milliseconds), dropped afterwards.
- ``roundtrip``: the round-trip check of a migration's generated rollback
  (tests/roundtrip.py)::

      rb, sql = roundtrip(
          history=["create table public.t (id bigint primary key);"],
          migration="alter table public.t add column b text;",
      )

  Keyword arguments: ``allow_column_order`` (tolerate a column recreated at the end of
  its table), ``expect_manual`` (the rollback must contain a manual step; it is then
  generated and rendered, and the migration applied, but the rollback is not run),
  ``version`` (of the migration under test; history versions are 20240101000000 + i).

Tests using these fixtures get the ``pg`` marker and a ``real_postgres`` junit property
(CI checks that real-server tests ran).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from roundtrip import db_name, run_roundtrip  # noqa: E402

from generator.server import Server, ServerError, start  # noqa: E402

_PG_FIXTURES = {"pg_server", "pg_db", "roundtrip"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pg: needs a real PostgreSQL server (started by the test session)")
    config.addinivalue_line("markers", "embedded: needs the embedded server of the [verify] extra")
    config.addinivalue_line("markers", "smoke: the quick subset .ci/run also runs on the newest releases of our dependencies")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _PG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)


@pytest.fixture(scope="session", autouse=True)
def _session_cache_folder(tmp_path_factory) -> Iterator[None]:
    """generate and check keep a per-project cache (generator/cache.py): in a folder of the
    session, never the user's ~/.cache (a test that needs its own sets the variable itself)."""
    if os.environ.get("SUPABASE_ROLLBACK_CACHE_DIR"):
        yield
        return
    os.environ["SUPABASE_ROLLBACK_CACHE_DIR"] = str(tmp_path_factory.mktemp("rollback-cache"))
    try:
        yield
    finally:
        os.environ.pop("SUPABASE_ROLLBACK_CACHE_DIR", None)


@pytest.fixture(scope="session")
def _pg_server_session() -> Iterator[Server | str]:
    try:
        server = start()
    except Exception as exc:  # reported as a failure of every test that needs the server
        kind = "" if isinstance(exc, ServerError) else f"{type(exc).__name__}: "
        yield f"could not start a PostgreSQL server: {kind}{exc}"
        return
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_server(_pg_server_session: Server | str, request: pytest.FixtureRequest) -> Server:
    """The session's server; fails (never skips) the test when there is none."""
    if isinstance(_pg_server_session, str):
        pytest.fail(_pg_server_session, pytrace=False)
    request.node.user_properties.append(("real_postgres", _pg_server_session.kind))
    return _pg_server_session


@dataclass
class Database:
    server: Server
    name: str
    conninfo: str

    def connect(self, autocommit: bool = True) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, autocommit=autocommit)


@pytest.fixture
def pg_db(pg_server: Server, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A fresh database with the Supabase baseline (dropped after the test)."""
    name = db_name(request.node.name)
    db = Database(pg_server, name, pg_server.baseline_database(name))
    try:
        yield db
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def roundtrip(pg_server: Server, request: pytest.FixtureRequest):
    """``roundtrip(history=[...], migration="...", *, allow_column_order=False,
    expect_manual=False, version="20990101000000") -> (Rollback, sql)``."""

    def run(
        history: Sequence[str] = (),
        migration: str = "",
        *,
        allow_column_order: bool = False,
        expect_manual: bool = False,
        version: str = "20990101000000",
    ):
        return run_roundtrip(
            pg_server, request.node.name, list(history) if not isinstance(history, str) else history,
            migration, allow_column_order=allow_column_order, expect_manual=expect_manual, version=version,
        )

    return run
