"""baseline.sql: understood statement by statement by the catalog, accepted by a real
server, and both end up describing the same Supabase database."""

from __future__ import annotations

import psycopg

from generator import baseline
from generator.refs import table_ref
from generator.server import prepare_database
from generator.snapshot import snapshot

USERS_COLUMNS = [
    "instance_id", "id", "aud", "role", "email", "encrypted_password", "email_confirmed_at", "invited_at",
    "confirmation_token", "confirmation_sent_at", "recovery_token", "recovery_sent_at", "email_change_token_new",
    "email_change", "email_change_sent_at", "last_sign_in_at", "raw_app_meta_data", "raw_user_meta_data",
    "is_super_admin", "created_at", "updated_at", "phone", "phone_confirmed_at", "phone_change",
    "phone_change_token", "phone_change_sent_at", "confirmed_at", "email_change_token_current",
    "email_change_confirm_status", "banned_until", "reauthentication_token", "reauthentication_sent_at",
    "is_sso_user", "deleted_at", "is_anonymous",
]
OBJECTS_COLUMNS = [
    "id", "bucket_id", "name", "owner", "created_at", "updated_at", "last_accessed_at", "metadata",
    "path_tokens", "version", "owner_id", "user_metadata",
]
API = ("anon", "authenticated", "service_role")
ALL_TABLE = {"INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}


def _installable(conn: psycopg.Connection) -> set[str]:
    """Extensions the server offers whose requirements it offers too (pgjwt needs pgcrypto)."""
    rows = conn.execute(
        "select v.name, coalesce(v.requires, '{}') from pg_available_extension_versions v"
        " join pg_available_extensions a on a.name = v.name and a.default_version = v.version").fetchall()
    offered = {name for name, _ in rows}
    return {name for name, req in rows if set(req) <= offered}


def test_baseline_is_plain_ddl() -> None:
    text = baseline.sql()
    from pglast.parser import parse_sql

    kinds = {type(raw.stmt).__name__ for raw in parse_sql(text)}
    assert "DoStmt" not in kinds
    assert "\\" not in "".join(line for line in text.splitlines() if not line.startswith("--"))


def test_catalog_replay_has_no_manual_steps() -> None:
    cat, rb = baseline.replay_baseline()
    manual = [f"{s.source}: {s.manual}" for s in rb.manual_steps]
    assert manual == [], "\n".join(manual)
    assert cat.tainted == {}


def test_catalog_knows_the_supabase_objects() -> None:
    cat = baseline.build_catalog()
    assert list(cat.tables[("auth", "users")].columns) == USERS_COLUMNS
    assert list(cat.tables[("storage", "objects")].columns) == OBJECTS_COLUMNS
    assert cat.tables[("storage", "objects")].rls_enabled
    assert list(cat.tables[("supabase_migrations", "schema_migrations")].columns) == ["version", "statements", "name"]
    for f in ("uid", "role", "jwt", "email"):
        assert ("auth", f, "") in cat.functions
    for f in ("foldername", "filename", "extension"):
        assert ("storage", f, "text") in cat.functions
    for s in ("auth", "storage", "extensions", "realtime", "vault", "supabase_migrations", "graphql_public", "graphql", "pgsodium"):
        assert s in cat.schemas
    assert "supabase_realtime" in cat.publications and cat.publications["supabase_realtime"].tables == []
    # What a fresh Supabase database has installed, and where (supabase/postgres migrations/schema-15.sql).
    assert {e.name: e.schema for e in cat.extensions.values()} == {
        "uuid-ossp": "extensions", "pgcrypto": "extensions", "pg_stat_statements": "extensions", "pgjwt": "extensions",
        "pg_graphql": "graphql", "pgsodium": "pgsodium", "supabase_vault": "vault",
    }
    assert all(e.platform for e in cat.extensions.values())
    for kind in ("table", "function", "sequence"):
        for role in API:
            assert any(
                dp.owner == "postgres" and dp.schema == "public" and dp.kind == kind and dp.role == role
                for dp in cat.default_privileges
            ), (kind, role)
    # A new public table gets everything, as on Supabase.
    cat.apply_default_privileges("table", "public", table_ref(("public", "t")))
    for role in API:
        assert cat.privileges(table_ref(("public", "t")), role) == ALL_TABLE


def test_server_accepts_the_baseline(pg_server) -> None:
    dsn = pg_server.create_database("plain_baseline")
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            skipped = prepare_database(conn)
            available = _installable(conn)
            platform = ("uuid-ossp", "pgcrypto", "pg_stat_statements", "pgjwt", "pg_graphql", "pgsodium", "supabase_vault")
            assert skipped == [e for e in platform if e not in available]
            # Extensions Supabase installs that PostgreSQL's contrib does not ship come from
            # the server's stand-ins (generator/standins), in the schemas Supabase uses.
            installed = dict(conn.execute("select extname, extnamespace::regnamespace::text from pg_extension"))
            where = {"pg_graphql": "graphql", "supabase_vault": "vault", "pgsodium": "pgsodium", "pgjwt": "extensions"}
            for e in set(pg_server.standins) & set(where) & available:
                assert installed[e] == where[e], e
            cols = [r[0] for r in conn.execute(
                "select attname from pg_attribute where attrelid = 'auth.users'::regclass"
                " and attnum > 0 and not attisdropped order by attnum")]
            assert cols == USERS_COLUMNS
        with psycopg.connect(dsn) as conn:
            assert conn.execute("show search_path").fetchone() == ('"$user", public, extensions',)
            # auth.uid() reads the JWT claims PostgREST sets.
            conn.execute("select set_config('request.jwt.claims', %s, true)",
                          ('{"sub": "00000000-0000-0000-0000-000000000001", "role": "authenticated"}',))
            row = conn.execute("select auth.uid()::text, auth.role(), auth.jwt() ->> 'role'").fetchone()
            assert row == ("00000000-0000-0000-0000-000000000001", "authenticated", "authenticated")
            assert conn.execute("select storage.foldername('a/b/c.png'), storage.filename('a/b/c.png'),"
                                " storage.extension('a/b/c.png')").fetchone() == (["a", "b"], "c.png", "png")
    finally:
        pg_server.drop_database("plain_baseline")


def test_catalog_and_server_describe_the_same_database(pg_db) -> None:
    """Tables, columns (in order), functions, schemas, extensions and API grants agree."""
    cat = baseline.build_catalog()
    with pg_db.connect() as conn:
        snap = snapshot(conn)
        available = _installable(conn)
    server_tables = {k: v for k, v in snap["relation"].items() if v["kind"] == "table"}
    assert sorted(server_tables) == sorted(f"{s}.{n}" for s, n in cat.tables)
    for (s, n), t in cat.tables.items():
        assert list(t.columns) == server_tables[f"{s}.{n}"]["column order"], (s, n)
        for c in t.columns.values():
            server_col = server_tables[f"{s}.{n}"]["columns"][c.name]
            assert c.not_null == server_col["not null"], (s, n, c.name)
            assert (c.generated is not None) == (server_col["generated"] is not None), (s, n, c.name)
    assert sorted(snap["function"]) == sorted(f"{s}.{n}({a})" for s, n, a in cat.functions)
    assert sorted(snap["schema"]) == sorted(s for s in cat.schemas if s not in ("pg_catalog", "information_schema"))
    # An extension the server does not ship is skipped by prepare_database().
    expected = {f'"{e}"' if "-" in e else e for e in cat.extensions if e in available}
    assert sorted(snap["extension"]) == sorted(expected | {"plpgsql"})
    for (s, n) in cat.tables:
        acl = snap["relation"][f"{s}.{n}"]["acl"]
        for role in (*API, "dashboard_user"):
            want = set(acl[role].split(",")) if role in acl else set()
            want.discard("MAINTAIN")  # PostgreSQL 17+ only; the catalog models PostgreSQL 15
            assert cat.privileges(table_ref((s, n)), role) == want, (s, n, role)
    for name in cat.schemas:
        if name in snap["schema"]:
            acl = snap["schema"][name]["acl"]
            for role in API:
                want = set(acl[role].split(",")) if role in acl else set()
                assert cat.privileges(("schema", name), role) == want, (name, role)
