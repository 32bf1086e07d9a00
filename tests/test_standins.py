"""Stand-in extensions (generator/standins): the throwaway server offers them, they have
the real extensions' signatures, and migrations using pg_net, pg_cron or the vault are
verified instead of skipped for the environment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from generator import standins
from generator.cli import cli
from generator.verify import SqlError, environment_problem

# Supabase extensions a plain PostgreSQL lacks and Supabase projects create.
SUPABASE_ONLY = ("pg_net", "pg_cron", "supabase_vault", "pg_graphql", "pgsodium", "pgjwt")


def _control(name: str) -> dict[str, str]:
    out = {}
    for line in (standins.HERE / f"{name}.control").read_text().splitlines():
        m = re.match(r"\s*(\w+)\s*=\s*'?([^'#]*?)'?\s*$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_every_standin_has_a_control_file_and_its_default_version_script() -> None:
    names = standins.available()
    assert {"pg_net", "pg_cron", "supabase_vault", "pg_graphql", "pgsodium", "pgjwt", "hypopg",
            "index_advisor", "http", "wrappers", "pgmq"} <= set(names)
    for name in names:
        ctl = _control(name)
        assert "stand-in" in ctl["comment"], name
        assert (standins.HERE / f"{name}--{ctl['default_version']}.sql").is_file(), name
    # Settings mirrored from the real control files.
    assert _control("pg_cron")["schema"] == "pg_catalog"
    assert _control("supabase_vault")["schema"] == "vault"
    assert _control("pg_graphql")["schema"] == "graphql"
    assert _control("pgjwt")["requires"] == "pgcrypto"
    assert _control("index_advisor")["requires"] == "hypopg"
    assert _control("hypopg")["relocatable"] == "true" and _control("pg_net")["relocatable"] == "false"


def test_a_real_extension_wins_over_its_stand_in(tmp_path: Path) -> None:
    (tmp_path / "extension").mkdir()
    (tmp_path / "extension" / "pg_net.control").write_text("default_version = '0.1'\n")
    missing = standins.missing_in(tmp_path)
    assert "pg_net" not in missing and "pg_cron" in missing


def test_the_server_offers_the_stand_ins(pg_server) -> None:
    with pg_server.connect() as conn:
        available = {r[0] for r in conn.execute("select name from pg_available_extensions")}
    assert set(SUPABASE_ONLY) <= available
    assert set(pg_server.standins) <= available
    # only what the installation lacks: contrib's own extensions are never replaced
    assert not {"pgcrypto", "pg_trgm", "uuid-ossp"} & set(pg_server.standins)
    if pg_server.standins:
        assert f"stand-ins for {', '.join(pg_server.standins)} (schemas and signatures only)" in pg_server.kind


def test_pg_net_has_the_real_signatures(pg_db) -> None:
    with pg_db.connect() as conn:
        conn.execute("create extension pg_net with schema extensions")
        assert conn.execute("select net.http_post(url := 'http://x', body := '{}'::jsonb)").fetchone()[0] >= 1
        args = conn.execute("select pg_get_function_arguments('net.http_post'::regproc)").fetchone()[0]
        assert args == (
            "url text, body jsonb DEFAULT '{}'::jsonb, params jsonb DEFAULT '{}'::jsonb, "
            "headers jsonb DEFAULT '{\"Content-Type\": \"application/json\"}'::jsonb, "
            "timeout_milliseconds integer DEFAULT 5000"
        )
        conn.execute("select net.http_get(url := 'http://x', params := '{\"a\": 1}', headers := '{}',"
                     " timeout_milliseconds := 100)")
        conn.execute("select net.http_delete('http://x', body := '{\"id\": 1}')")
        assert conn.execute("select count(*) from net.http_request_queue").fetchone() == (3,)
        res = conn.execute("select (net.http_collect_response(1)).status::text").fetchone()
        assert res == ("ERROR",)  # nothing answers on the test server
        # its schema belongs to it, as pg_net's script makes it
        conn.execute("drop extension pg_net")
        assert conn.execute("select to_regnamespace('net')").fetchone() == (None,)


def test_pg_cron_schedule_by_name_then_unschedule(pg_db) -> None:
    with pg_db.connect() as conn:
        conn.execute("create extension if not exists pg_cron with schema pg_catalog")
        first = conn.execute("select cron.schedule('nightly', '0 3 * * *', 'select 1')").fetchone()[0]
        again = conn.execute("select cron.schedule('nightly', '0 4 * * *', 'select 2')").fetchone()[0]
        assert first == again  # a named job is replaced, as pg_cron does
        assert conn.execute("select schedule, command, active from cron.job").fetchall() == [("0 4 * * *", "select 2", True)]
        conn.execute("select cron.alter_job(%s, active := false)", (first,))
        unnamed = conn.execute("select cron.schedule('@daily', 'vacuum')").fetchone()[0]
        assert conn.execute("select cron.unschedule('nightly'), cron.unschedule(%s)", (unnamed,)).fetchone() == (True, True)
        with pytest.raises(psycopg.errors.RaiseException, match="could not find valid entry for job 'nightly'"):
            conn.execute("select cron.unschedule('nightly')")


def test_pg_cron_goes_to_pg_catalog_only(pg_db) -> None:
    """Its control file names pg_catalog: another schema fails on the server, and the
    generator says so instead of writing a rollback for a statement that cannot run."""
    from generator import baseline
    from generator.engine import replay
    from generator.parse import Migration

    with pg_db.connect() as conn, pytest.raises(psycopg.Error, match='must be installed in schema "pg_catalog"'):
        conn.execute("create extension pg_cron with schema extensions")
    cat = baseline.build_catalog()
    rb = replay(Migration("1", "m", Path("1_m.sql"), "create extension pg_cron with schema extensions;"), cat)
    assert rb.manual_steps and "must be installed in schema pg_catalog" in rb.manual_steps[0].manual


def test_baseline_platform_extensions_come_from_stand_ins(pg_db) -> None:
    with pg_db.connect() as conn:
        installed = dict(conn.execute("select extname, extnamespace::regnamespace::text from pg_extension"))
        assert {e: installed.get(e) for e in ("pg_graphql", "supabase_vault", "pgsodium")} == {
            "pg_graphql": "graphql", "supabase_vault": "vault", "pgsodium": "pgsodium"}
        sid = conn.execute("select vault.create_secret('https://hooks.example/x', 'hook_url', 'where to post')").fetchone()[0]
        assert conn.execute("select decrypted_secret, description from vault.decrypted_secrets where id = %s",
                            (sid,)).fetchone() == ("https://hooks.example/x", "where to post")
        conn.execute("select vault.update_secret(%s, 'https://hooks.example/y')", (sid,))
        assert conn.execute("select decrypted_secret from vault.decrypted_secrets where name = 'hook_url'").fetchone() == (
            "https://hooks.example/y",)
        assert "errors" in conn.execute("select graphql.resolve('{ x }')").fetchone()[0]
        if "pgcrypto" not in installed:  # the embedded server: no pgcrypto, so no pgjwt either
            assert "pgjwt" not in installed
            return
        assert installed["pgjwt"] == "extensions"
        header, payload, valid = conn.execute(
            "select header::text, payload ->> 'sub', valid from extensions.verify("
            "extensions.sign('{\"sub\": \"u1\"}'::json, 'secret'), 'secret')").fetchone()
        assert (payload, valid) == ("u1", True) and '"HS256"' in header
        assert conn.execute("select valid from extensions.verify(extensions.sign('{}'::json, 'a'), 'b')").fetchone() == (False,)


def test_a_stand_in_refusal_is_an_environment_problem(pg_db) -> None:
    with pg_db.connect() as conn:
        conn.execute("create extension http with schema extensions")
        with pytest.raises(psycopg.Error) as info:
            conn.execute("select extensions.http_get('http://example.com')")
    e = info.value
    err = SqlError(Path("m.sql"), 1, "select http_get(...)", e.diag.sqlstate, e.diag.message_primary or "")
    assert environment_problem(err) == "extension http is a stand-in on this server, which cannot send HTTP requests"


# -- rollbacks of migrations that use them --------------------------------------------------------


def test_creating_pg_net_round_trips(roundtrip) -> None:
    roundtrip(migration="create extension if not exists pg_net with schema extensions;")


def test_a_webhook_trigger_calling_pg_net_round_trips(roundtrip) -> None:
    roundtrip(
        history=["create extension if not exists pg_net with schema extensions;",
                 "create table public.orders (id bigint primary key, total numeric);",
                 "select vault.create_secret('https://example.com/hook', 'orders_hook');"],
        migration="""
            create function public.post_order() returns trigger language plpgsql security definer
            set search_path = '' as $$
            begin
              perform net.http_post(
                url := (select decrypted_secret from vault.decrypted_secrets where name = 'orders_hook'),
                body := jsonb_build_object('id', new.id),
                timeout_milliseconds := 2000);
              return new;
            end $$;
            create trigger orders_post after insert on public.orders
              for each row execute function public.post_order();
            insert into public.orders values (1, 10);
        """,
    )


def _verify(tmp_path: Path, migrations: dict[str, str]) -> dict[str, dict]:
    folder = tmp_path / "supabase" / "migrations"
    folder.mkdir(parents=True)
    for stem, text in migrations.items():
        (folder / f"{stem}.sql").write_text(text)
    res = CliRunner().invoke(cli, ["verify", "--project-dir", str(tmp_path), "--generated", "--format", "json"],
                             catch_exceptions=False)
    doc = json.loads(res.stdout)
    assert doc["server"]["standins"] == [n for n in doc["server"]["standins"] if n in standins.available()]
    return {m["version"]: m for m in doc["migrations"]}


def test_verify_runs_migrations_that_need_pg_net_pg_cron_and_the_vault(tmp_path: Path) -> None:
    ms = _verify(tmp_path, {
        "20250101000000_ext": "create extension if not exists pg_net with schema extensions;\n"
                              "create extension if not exists pg_cron;\n",
        "20250102000000_hook": """
            create table public.orders (id bigint primary key, total numeric);
            create function public.notify_order() returns trigger language plpgsql as $$
            begin
              perform net.http_post(url := 'https://example.com/hook', body := to_jsonb(new));
              return new;
            end $$;
            create trigger orders_notify after insert on public.orders
              for each row execute function public.notify_order();
        """,
        "20250103000000_job": "select cron.schedule('purge-orders', '0 3 * * *', "
                              "$$delete from public.orders where total = 0$$);\n",
        "20250104000000_more": "alter table public.orders add column note text;\n"
                               "select cron.unschedule('purge-orders');\n",
        "20250105000000_read_secret": """
            create function public.hook_url() returns text language sql security definer as $$
              select decrypted_secret from vault.decrypted_secrets where name = 'hook_url'
            $$;
        """,
    })
    assert {v: m["status"] for v, m in ms.items()} == {v: "verified" for v in ms}, ms


def test_verify_skips_what_a_stand_in_cannot_do(tmp_path: Path) -> None:
    ms = _verify(tmp_path, {
        "20250101000000_http": "create extension if not exists http with schema extensions;\n",
        "20250102000000_fetch": "create table public.pages as select (extensions.http_get('https://example.com')).content;\n",
        "20250103000000_t": "create table public.t (id bigint primary key);\n",
    })
    assert ms["20250101000000"]["status"] == "verified"
    assert ms["20250102000000"]["status"] == "skipped"
    assert ms["20250102000000"]["reason"] == \
        "environment: extension http is a stand-in on this server, which cannot send HTTP requests"
    assert ms["20250103000000"]["status"] == "verified"
