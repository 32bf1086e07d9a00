"""A problem local to one migration file costs only that file.

Two cases from real projects, each written here in our own words:

- two files with the same version (``..._a.sql`` and ``..._b.sql``, or ``x.sql`` and
  ``x_fixed.sql``): both get rollbacks, each deleting only its own history row; generate
  warns, check reports it (exit 1), down refuses to guess, verify still verifies;
- a file that is not valid PostgreSQL or not UTF-8: it gets no rollback and every command
  names it (``path:line:column``, exit 2), but every other rollback is still written; the
  ones after it distrust what its unparseable pieces may have touched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from roundtrip import apply_migration, run_psql

from generator.engine import generate
from generator.parse import Migration
from generator.project import list_migrations
from generator.render import history_sql
from generator.salvage import Opaque, salvage
from generator.snapshot import diff, snapshot

from _cli_support import _cache, project, run  # noqa: F401  (_cache: an autouse fixture)

V0, V1, V2 = "20250101000000", "20250102000000", "20250103000000"
HISTORY = "supabase_migrations.schema_migrations"


def migs(*texts: str) -> list[Migration]:
    return [Migration(version=str(20250101000000 + i), name=f"m{i}", path=Path(f"m/{20250101000000 + i}_m{i}.sql"),
                      text=t) for i, t in enumerate(texts)]


# == duplicate versions ===========================================================================

TWINS = {
    f"{V0}_base.sql": "create table public.base (id int primary key);\n",
    f"{V1}_orders.sql": "create table public.orders (id int primary key);\n",
    f"{V1}_orders_fixed.sql": "create table public.refunds (id int primary key);\n",
}


def test_files_sharing_a_version_are_all_listed_with_a_warning(tmp_path):
    root = project(tmp_path, TWINS)
    said: list[str] = []
    ms = list_migrations(root / "supabase" / "migrations", warn=said.append)
    assert [m.path.name for m in ms] == [f"{V0}_base.sql", f"{V1}_orders.sql", f"{V1}_orders_fixed.sql"]
    assert [(m.shares_version, m.first_of_version) for m in ms] == [
        ((), True), ((f"{V1}_orders_fixed.sql",), True), ((f"{V1}_orders.sql",), False)]
    (warning,) = said
    assert f"{V1}_orders.sql and {V1}_orders_fixed.sql share version {V1}" in warning
    assert "schema_migrations_pkey" in warning and f"applies {V1}_orders.sql, then fails on {V1}_orders_fixed.sql" in warning
    assert f"Rename {V1}_orders_fixed.sql" in warning


def test_history_bookkeeping_of_shared_versions_deletes_only_its_own_row(tmp_path):
    ms = list_migrations(project(tmp_path, TWINS) / "supabase" / "migrations")
    first, second = ms[1], ms[2]
    assert f"WHERE version = '{V0}';" in history_sql(V0, ms[0])
    assert f"WHERE version = '{V1}' AND (name = 'orders' OR name IS NULL);" in history_sql(V1, first)
    assert f"WHERE version = '{V1}' AND (name = 'orders_fixed');" in history_sql(V1, second)
    # a history table without the name column: only the first file's rollback deletes the row
    assert history_sql(V1, first).split("ELSE")[1].strip().startswith(f"DELETE FROM {HISTORY} WHERE version = '{V1}';")
    assert history_sql(V1, second).split("ELSE")[1].strip().startswith("NULL;")


def test_generate_writes_both_rollbacks_and_warns(tmp_path, monkeypatch):
    root = project(tmp_path, TWINS)
    monkeypatch.chdir(root)
    res = run("generate")
    assert res.exit_code == 0, res.output
    assert "share version" in res.stderr
    out = root / "supabase" / "rollbacks"
    for stem in (f"{V1}_orders", f"{V1}_orders_fixed"):
        assert (out / f"rollback_{stem}.sql").is_file()
    index = (out / "README.md").read_text()
    assert index.index(f"| {V1} | orders_fixed |") < index.index(f"| {V1} | orders |")  # rolled back first
    md = (out / f"rollback_{V1}_orders_fixed.md").read_text()
    assert f"Version {V1} is shared with {V1}_orders.sql" in md and "this file never ran" in md
    assert "DROP TABLE public.refunds;" in (out / f"rollback_{V1}_orders_fixed.sql").read_text()
    # generate by version takes every file of that version, and only those
    (out / f"rollback_{V1}_orders.sql").unlink()
    res = run("generate", V1)
    assert res.exit_code == 0 and (out / f"rollback_{V1}_orders.sql").is_file()
    assert "rollback_20250101000000_base" not in res.stdout


def test_check_reports_a_shared_version_as_a_problem_to_act_on(tmp_path, monkeypatch):
    root = project(tmp_path, TWINS)
    monkeypatch.chdir(root)
    assert run("generate").exit_code == 0
    res = run("check", "--no-cache")
    assert res.exit_code == 1, res.output
    (line,) = res.stdout.splitlines()
    assert line.startswith(f"supabase/migrations/{V1}_orders_fixed.sql: version {V1} is also used by {V1}_orders.sql")
    assert "rename it to a new, unused version" in line
    assert "share version" not in res.stderr  # said once, as the finding
    # renamed: all clear
    mig = root / "supabase" / "migrations"
    (mig / f"{V1}_orders_fixed.sql").rename(mig / f"{V2}_orders_fixed.sql")
    assert run("generate").exit_code == 0
    (root / "supabase" / "rollbacks" / f"rollback_{V1}_orders_fixed.sql").unlink()
    (root / "supabase" / "rollbacks" / f"rollback_{V1}_orders_fixed.md").unlink()
    res = run("check", "--no-cache")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("recorded, rolled_back, row_left", [
    ("orders", "orders_fixed", "orders"),       # what the CLI leaves: the second file's rollback keeps the row
    ("orders", "orders", None),                 # the first file's rollback removes it
    ("orders_fixed", "orders", "orders_fixed"),  # recorded by other means: the second file's row stays
    ("orders_fixed", "orders_fixed", None),
    (None, "orders", None),                     # a row from before the CLI recorded names: the first file's
    (None, "orders_fixed", "NULL"),
])
def test_shared_version_rollbacks_delete_the_right_row_on_a_real_server(pg_db, tmp_path, monkeypatch,
                                                                       recorded, rolled_back, row_left):
    root = project(tmp_path, TWINS)
    monkeypatch.chdir(root)
    assert run("generate", "--no-backup").exit_code == 0
    by_name = {m.name: m for m in list_migrations(root / "supabase" / "migrations")}
    with pg_db.connect() as conn:
        apply_migration(conn, by_name["base"])
        for m in (by_name["orders"], by_name["orders_fixed"]):  # both ran (by other means than the CLI)
            conn.execute(m.text.encode())
        conn.execute(f"INSERT INTO {HISTORY} (version, name) VALUES (%s, %s)", (V1, recorded))
    sql = (root / "supabase" / "rollbacks" / f"rollback_{V1}_{rolled_back}.sql").read_text()
    res = run_psql(pg_db.server, pg_db.conninfo, sql)
    assert res.returncode == 0, res.stderr
    with pg_db.connect() as conn:
        rows = conn.execute(f"SELECT coalesce(name, 'NULL') FROM {HISTORY} WHERE version = %s", (V1,)).fetchall()
        gone = "refunds" if rolled_back == "orders_fixed" else "orders"
        assert conn.execute(f"SELECT to_regclass('public.{gone}') IS NULL").fetchone()[0]
    assert [r[0] for r in rows] == ([row_left] if row_left else [])


def test_down_refuses_a_version_two_files_share(pg_db, tmp_path, monkeypatch):
    root = project(tmp_path, TWINS)
    monkeypatch.chdir(root)
    assert run("generate").exit_code == 0
    by_name = {m.name: m for m in list_migrations(root / "supabase" / "migrations")}
    with pg_db.connect() as conn:
        apply_migration(conn, by_name["base"])
        apply_migration(conn, by_name["orders"])
        before = snapshot(conn)
    res = run("down", "--last", "1", "--yes", "--db-url", pg_db.conninfo)
    assert res.exit_code == 1, res.output
    assert "will not guess" in res.output and f"{V1}_orders.sql and {V1}_orders_fixed.sql" in res.output
    with pg_db.connect() as conn:
        assert diff(before, snapshot(conn)).exact
        assert conn.execute(f"SELECT count(*) FROM {HISTORY}").fetchone()[0] == 2


def test_verify_still_verifies_both_files_of_a_shared_version(tmp_path, monkeypatch):
    root = project(tmp_path, TWINS)
    monkeypatch.chdir(root)
    res = run("verify")
    assert res.exit_code == 0, res.output
    assert len(re.findall(r"^verified\s", res.stdout, re.M)) == 3
    assert f"{V1}_orders_fixed.sql shares version {V1}" in res.stdout


# == a file that is not valid SQL =================================================================


def test_salvage_splits_a_broken_file_into_statements_and_opaque_pieces(tmp_path):
    text = ("create table public.a (id int); -- rollback: none\n"
            "alter function if exists public.f() owner to postgres;\n"
            "-- rollback: drop table public.nope\n"
            "create table public.b (id int);\n")
    s = salvage(text, Path("m.sql"))
    assert s.bounded
    kinds = [type(i).__name__ for i in s.items]
    assert kinds == ["Statement", "Opaque", "Statement"]
    a, broken, b = s.items
    assert a.trailing_comments == ["-- rollback: none"]
    assert b.trailing_comments == [] and b.line == 4  # the broken piece's comment is not b's, nor a's
    assert broken.where == "m.sql:2" and {"f", "public", "postgres"} <= broken.names
    assert "function" in broken.names and "to" not in broken.names  # reserved words are no names


def test_salvage_finds_names_inside_a_dollar_quote_cut_short():
    # a nested $$ ends the DO block's quote early: the names are then inside strings
    text = ("do $$ begin create function public.g() returns int as $$ select count(*) from public.ledger $$ "
            "language sql; end $$;\ncreate table public.c (id int);\n")
    items = salvage(text, Path("m.sql")).items
    assert isinstance(items[0], Opaque) and {"g", "ledger"} <= items[0].names
    assert not isinstance(items[1], Opaque)


def test_salvage_after_an_unterminated_quote_takes_every_word_of_the_rest():
    text = ("create table public.d (x text);\ninsert into public.d values ('it\\'s');\n"
            'create table public."Eve ""x""" (x int);\n')
    s = salvage(text, Path("m.sql"))
    assert not s.bounded
    assert len(s.items) == 2  # the first statement still parses; the rest is one piece
    rest = s.items[-1]
    assert isinstance(rest, Opaque) and rest.where == "m.sql:2"
    assert {"d", "s", "public", "create", 'Eve "x"'} <= rest.names


BASE = ("create table public.accounts (id int primary key, owner text);\n"
        "create table public.notes (id int primary key);\n"
        "create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;\n"
        "create policy \"read notes\" on public.notes for select using (true);\n")


def test_later_rollbacks_distrust_what_a_broken_piece_names():
    broken = ("create table public.tags (id int primary key);\n"
              "alter function if exists public.touch() owner to postgres;\n"  # not PostgreSQL
              "alter table public.accounts add column plan text not nul;\n")  # a typo
    later = ("drop function public.touch();\n"             # tainted: its definition may have changed
             "drop table public.notes;\n"                  # untouched: recreated as before
             "alter table public.accounts add column if not exists plan text;\n"  # may exist already
             "create table if not exists public.tags (id int primary key);\n"     # parsed: known to exist
             "drop table public.tags;\n")
    rbs = generate(migs(BASE, broken, later))
    assert rbs[1].broken and rbs[1].broken.startswith("m/20250101000001_m1.sql:2:19: syntax error")
    assert rbs[1].steps == []
    steps = rbs[2].steps
    manual = [s.manual for s in steps if s.manual]
    assert len(manual) == 2
    assert any("function public.touch() was changed by a statement the generator could not analyse "
               "(m/20250101000001_m1.sql:2)" in m for m in manual)
    assert any("m/20250101000001_m1.sql:3 could not be parsed and may have created, dropped or changed accounts" in m
               for m in manual)
    sql = "\n".join(x for s in steps for x in s.sql)
    assert "CREATE TABLE public.notes" in sql and "CREATE TABLE public.tags" in sql


def test_a_broken_piece_that_reaches_dependents_distrusts_everything_after_it():
    broken = "create table public.x (a text);\ndrop table public.x cascade cascade;\n"
    later = ("drop table public.notes;\n"
             "create table if not exists public.brand_new (id int);\n"
             "create table public.other (id int);\n")
    rbs = generate(migs(BASE, broken, later))
    steps = rbs[2].steps
    reasons = [s.manual for s in steps if s.manual]
    assert len(reasons) == 2
    assert any("table public.notes was changed by a statement the generator could not analyse" in r for r in reasons)
    assert any("its effect cannot be bounded" in r for r in reasons)
    assert any("DROP TABLE public.other;" in s.sql for s in steps if not s.manual)


def test_a_file_that_is_not_utf8_is_listed_and_distrusts_everything_after_it(tmp_path):
    root = project(tmp_path, {
        f"{V0}_base.sql": BASE,
        f"{V1}_latin1.sql": "-- caf\xe9\ncreate table public.z (id int);\n".encode("latin-1"),
        f"{V2}_later.sql": "drop policy \"read notes\" on public.notes;\ncreate table public.w (id int);\n",
    })
    ms = list_migrations(root / "supabase" / "migrations")
    assert ms[1].unreadable and ms[1].unreadable.endswith(f"{V1}_latin1.sql:1: not valid UTF-8 (byte 0xe9)")
    rbs = generate(ms)
    assert rbs[1].broken == ms[1].unreadable
    (manual,) = [s for s in rbs[2].steps if s.manual]
    assert "public.notes" in manual.manual and "could not analyse" in manual.manual
    assert any("DROP TABLE public.w;" in s.sql for s in rbs[2].steps)


BROKEN_PROJECT = {
    f"{V0}_base.sql": BASE,
    f"{V1}_broken.sql": "create table public.tags (id int primary key);\ncreate trigger t after select on public.tags "
                        "for each row execute function public.touch();\n",
    f"{V2}_later.sql": "create table public.labels (id int primary key);\ndrop policy \"read notes\" on public.notes;\n",
}


def test_generate_writes_every_other_rollback_and_exits_2(tmp_path, monkeypatch):
    root = project(tmp_path, BROKEN_PROJECT)
    monkeypatch.chdir(root)
    res = run("generate")
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines()[0] == (f'error: supabase/migrations/{V1}_broken.sql:2:24: syntax error at or near '
                                          '"select"')
    assert "the rollbacks of the other migrations were written" in res.stderr
    out = root / "supabase" / "rollbacks"
    assert sorted(p.name for p in out.glob("rollback_*.sql")) == [f"rollback_{V0}_base.sql", f"rollback_{V2}_later.sql"]
    assert f"error      no rollback (see the error below)   {V1}_broken.sql" in res.stdout
    index = (out / "README.md").read_text()
    assert f"| {V1} | broken | None | **no rollback**: error at `supabase/migrations/{V1}_broken.sql:2:24" in index
    later = (out / f"rollback_{V2}_later.sql").read_text()
    # the broken trigger names public.tags and public.touch, not the policy: restored as it was
    assert 'CREATE POLICY "read notes" ON public.notes' in later and "MANUAL STEP" not in later.split("body-sha256")[1]
    # the single file: bad input, nothing printed
    res = run("generate", V1, "--stdout")
    assert res.exit_code == 2 and res.stdout == ""


def test_generate_with_a_broken_file_still_writes_all_or_nothing(tmp_path, monkeypatch):
    root = project(tmp_path, BROKEN_PROJECT)
    monkeypatch.chdir(root)
    assert run("generate").exit_code == 2
    out = root / "supabase" / "rollbacks"
    edited = out / f"rollback_{V0}_base.sql"
    edited.write_text(edited.read_text() + "-- my note\n")
    (root / "supabase" / "migrations" / f"{V2}_later.sql").write_text("create table public.labels2 (id int);\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    res = run("generate")
    assert res.exit_code == 1, res.output
    assert "Nothing was written." in res.stderr and f"error: supabase/migrations/{V1}_broken.sql:2:24" in res.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize("command", [["check", "--no-cache"], ["stats"], ["status"]])
def test_readers_report_the_broken_file_and_the_others(tmp_path, monkeypatch, command):
    root = project(tmp_path, BROKEN_PROJECT)
    monkeypatch.chdir(root)
    assert run("generate").exit_code == 2
    res = run(*command)
    assert res.exit_code == 2, res.output
    assert f"supabase/migrations/{V1}_broken.sql:2:24: syntax error" in res.output
    assert "Traceback" not in res.output
    if command[0] == "check":  # the others are up to date: only the broken file is listed (as generate does)
        assert res.stdout == ""
        assert res.stderr.startswith(f'error: supabase/migrations/{V1}_broken.sql:2:24: syntax error at or near '
                                     '"select"\n    create trigger')
        assert "has no rollback; fix it" in res.stderr
    elif command[0] == "stats":
        assert f"{V1}_broken.sql has an error (not counted)" in res.stdout
    else:
        assert re.search(rf"^{V1}\s+broken\s+none: error in the file", res.stdout, re.M)


def test_report_lists_a_broken_file_and_exits_2(tmp_path, monkeypatch):
    import subprocess

    root = project(tmp_path, BROKEN_PROJECT)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], cwd=root, check=True)
    monkeypatch.chdir(root)
    res = run("report", "--since", "HEAD")
    assert res.exit_code == 2, res.output
    assert f"| `{V1}_broken.sql` | — | **error in the file** | — | none |" in res.stdout
    assert f"| `{V2}_later.sql` |" in res.stdout
    assert res.stderr.startswith(f"error: supabase/migrations/{V1}_broken.sql:2:24")


def test_verify_reports_the_broken_file_and_verifies_the_others(tmp_path, monkeypatch):
    root = project(tmp_path, BROKEN_PROJECT)
    monkeypatch.chdir(root)
    res = run("verify")
    assert res.exit_code == 2, res.output
    assert re.search(rf"^FAILED\s+{V1}_broken\s+no rollback", res.stdout, re.M)
    assert "not valid SQL, so it fails on the server too" in res.stdout
    assert re.search(rf"^verified\s+{V0}_base", res.stdout, re.M)
    # later depends on nothing the broken file made: verified on the server
    assert re.search(rf"^verified\s+{V2}_later", res.stdout, re.M)
    assert res.stderr.startswith(f"error: supabase/migrations/{V1}_broken.sql:2:24")


def test_a_rollback_after_a_broken_file_round_trips_where_the_file_was_fixed_by_hand(pg_db, tmp_path, monkeypatch):
    """The database went past the broken file by running a corrected version of it; the
    later migration's rollback (automatic where nothing it needs was touched) restores
    the schema exactly."""
    root = project(tmp_path, BROKEN_PROJECT)
    monkeypatch.chdir(root)
    assert run("generate", "--no-backup").exit_code == 2
    ms = list_migrations(root / "supabase" / "migrations")
    fixed = Migration(V1, "broken", ms[1].path, ms[1].text.replace("after select", "after insert"))
    with pg_db.connect() as conn:
        apply_migration(conn, ms[0])
        apply_migration(conn, fixed)
        before = snapshot(conn)
        apply_migration(conn, ms[2])
    res = run_psql(pg_db.server, pg_db.conninfo,
                   (root / "supabase" / "rollbacks" / f"rollback_{V2}_later.sql").read_text())
    assert res.returncode == 0, res.stderr
    with pg_db.connect() as conn:
        assert diff(before, snapshot(conn)).exact


def test_verify_live_refuses_a_version_two_files_share(pg_db, tmp_path, monkeypatch):
    root = project(tmp_path, TWINS)
    monkeypatch.chdir(root)
    by_name = {m.name: m for m in list_migrations(root / "supabase" / "migrations")}
    with pg_db.connect() as conn:
        apply_migration(conn, by_name["base"])
        apply_migration(conn, by_name["orders"])
        before = snapshot(conn)
    res = run("verify", "--db-url", pg_db.conninfo, "--last", "1")
    assert res.exit_code == 1, res.output
    assert "live mode will not guess" in res.stderr
    with pg_db.connect() as conn:
        assert diff(before, snapshot(conn)).exact


def test_a_broken_statement_that_only_changes_rows_distrusts_no_structure():
    broken = ("insert into public.notes (id) valeus (1);\n"  # a typo in a data statement
              "alter table public.accounts ad column x int;\n")  # a typo in DDL
    later = ("create table if not exists public.notes (id int primary key);\n"
             "alter table public.accounts add column if not exists x int;\n")
    steps = generate(migs(BASE, broken, later))[2].steps
    (manual,) = [s for s in steps if s.manual]
    assert "m/20250101000001_m1.sql:2 could not be parsed and may have created, dropped or changed accounts" in manual.manual
