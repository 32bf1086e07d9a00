"""Unit tests of generator.render: file layout, manual steps, the body hash, markdown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pglast.parser import parse_sql

from generator import __version__
from generator.engine import Rollback
from generator.parse import Migration, parse_statements
from generator.render import (
    _template_source,
    idempotent,
    is_hand_edited,
    manual_raise_sql,
    render_markdown,
    render_sql,
    rollback_file_name,
    verification_checks,
)
from generator.steps import Backup, Hazard, Step

MIGRATION_TEXT = "-- Phase 1 TRD alignment: metrics table and audio fields.\ncreate table public.analysis_metrics (id bigint);\n"


def migration(text: str = MIGRATION_TEXT) -> Migration:
    return Migration(
        version="20250914000000",
        name="phase1_trd_alignment",
        path=Path("supabase/migrations/20250914000000_phase1_trd_alignment.sql"),
        text=text,
    )


def drop_function() -> Step:
    return Step(
        "Drop function public.get_analysis_with_metrics(bigint)",
        "Drop Functions",
        ["DROP FUNCTION public.get_analysis_with_metrics(bigint);"],
        source="supabase/migrations/20250914000000_phase1_trd_alignment.sql:40",
    )


def drop_policy() -> Step:
    return Step(
        "Drop policy",
        "Drop Policies",
        ['DROP POLICY "Service role can manage all analysis jobs" ON public.analysis_jobs;'],
    ).hazard(Hazard.AUTHZ, "narrows access to public.analysis_jobs")


def drop_table() -> Step:
    return Step(
        "Drop table public.analysis_metrics",
        "Drop Tables",
        ["DROP TABLE public.analysis_metrics;"],
        lost=["rows of table public.analysis_metrics"],
        backups=[Backup("20250914000000_analysis_metrics", "TABLE public.analysis_metrics", "rows of public.analysis_metrics")],
    ).hazard(Hazard.DELETES_DATA, "drops public.analysis_metrics and the rows written since the migration")


def drop_columns() -> Step:
    return Step(
        "Drop columns of public.analysis_jobs",
        "Drop Columns",
        ["ALTER TABLE public.analysis_jobs DROP COLUMN audio_url, DROP COLUMN ssml;"],
        lost=["column public.analysis_jobs.audio_url (text)", "column public.analysis_jobs.ssml (text)"],
        backups=[
            Backup(
                "20250914000000_analysis_jobs_columns",
                "SELECT id, audio_url, ssml FROM public.analysis_jobs",
                "columns audio_url, ssml of public.analysis_jobs",
            )
        ],
    ).hazard(Hazard.DELETES_DATA, "drops 2 columns")


def manual(reason: str = "the generator cannot invert this", sql=("ALTER TABLE public.t RESET (fillfactor);",)) -> Step:
    return Step("Manual step for `alter table ...`", "Manual Steps", list(sql), manual=reason).hazard(Hazard.MANUAL, reason)


def index_step(sql: str, group: str = "Drop Indexes") -> Step:
    return Step(f"index: {sql}", group, [sql], transactional=False)


def rollback(*steps: Step, notify: bool = False, text: str = MIGRATION_TEXT) -> Rollback:
    return Rollback(migration(text), list(steps), notify_pgrst=notify)


def statements(sql: str) -> list[str]:
    """Top-level statements of a rendered file (as PostgreSQL splits them), comment lines
    stripped, whitespace collapsed, without the final ``;``. DO blocks shortened to ``DO``
    plus their first words."""
    out = []
    for stmt in parse_statements(sql, Path("rollback.sql")):
        text = " ".join(re.sub(r"(?m)^\s*--.*$", "", stmt.sql).split()).removesuffix(";")
        out.append(text)
    return out


def is_detach(stmt: str) -> bool:
    return stmt.startswith("DO $$ DECLARE c record; BEGIN FOR c IN SELECT a.attrelid::regclass")


# -- header and body hash ------------------------------------------------------------------


def test_header_names_tool_source_and_risk():
    sql = render_sql(rollback(drop_function(), drop_table()))
    head = sql.split("\n\n", 1)[0].splitlines()
    assert head[0] == f"-- supabase-rollback {__version__}"
    assert "-- Rollback of: 20250914000000_phase1_trd_alignment.sql" in head
    assert f"-- Source sha256: {migration().sha256}" in head
    assert "-- Data-loss risk: HIGH" in head
    assert re.fullmatch(r"-- body-sha256: [0-9a-f]{64}", head[-1])


def test_risk_low_when_nothing_is_lost():
    assert "-- Data-loss risk: LOW" in render_sql(rollback(drop_function()))


def test_body_hash_is_sha256_of_everything_after_the_header():
    import hashlib

    sql = render_sql(rollback(drop_function(), drop_table()))
    m = re.search(r"^-- body-sha256: ([0-9a-f]{64})\n", sql, re.M)
    assert m and hashlib.sha256(sql[m.end() :].encode()).hexdigest() == m.group(1)


def test_generated_file_is_not_hand_edited_and_any_edit_is_detected():
    sql = render_sql(rollback(drop_function(), manual()))
    assert not is_hand_edited(sql)
    assert not is_hand_edited(sql.replace("\n", "\r\n"))  # a Windows checkout is no edit
    edited = sql.replace("DO $$ BEGIN RAISE", "-- DO $$ BEGIN RAISE")
    assert is_hand_edited(edited)
    assert is_hand_edited(sql + "\n-- note\n")
    assert is_hand_edited("drop table if exists public.analysis_metrics cascade;\n")  # written by hand


def test_rendering_is_deterministic():
    rb = rollback(drop_function(), drop_table(), manual())
    assert render_sql(rb) == render_sql(rb)


# -- transaction, steps, bookkeeping ---------------------------------------------------------


@pytest.mark.smoke
def test_steps_run_numbered_inside_one_transaction_then_history_and_notify():
    sql = render_sql(rollback(drop_function(), drop_policy(), drop_table(), notify=True))
    stmts = statements(sql)
    assert stmts[0] == "BEGIN"
    assert stmts[-1] == "COMMIT"
    assert is_detach(stmts[3])
    assert stmts[-4].startswith("DO $assert$")  # the post-rollback assertions, before the bookkeeping
    assert stmts[1:3] + stmts[4:-4] + stmts[-3:-1] == [
        "CREATE SCHEMA IF NOT EXISTS supabase_rollback_backup",
        'CREATE TABLE supabase_rollback_backup."20250914000000_analysis_metrics" AS TABLE public.analysis_metrics',
        "DROP FUNCTION public.get_analysis_with_metrics(bigint)",
        'DROP POLICY "Service role can manage all analysis jobs" ON public.analysis_jobs',
        "DROP TABLE public.analysis_metrics",
        "DO $$ BEGIN IF to_regclass('supabase_migrations.schema_migrations') IS NOT NULL THEN "
        "DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250914000000'; END IF; END $$",
        "NOTIFY pgrst, 'reload schema'",
    ]
    assert "-- Step 1: Drop function public.get_analysis_with_metrics(bigint)" in sql
    assert "-- Undoes 20250914000000_phase1_trd_alignment.sql:40" in sql
    assert "-- Step 3: Drop table public.analysis_metrics" in sql
    assert "-- hazard DELETES_DATA: drops public.analysis_metrics and the rows written since the migration" in sql
    assert "-- hazard AUTHZ: narrows access to public.analysis_jobs" in sql


def test_no_notify_unless_the_migration_sent_one():
    assert "NOTIFY" not in render_sql(rollback(drop_function()))


def test_empty_rollback_still_removes_history():
    sql = render_sql(rollback())
    assert statements(sql)[0] == "BEGIN" and statements(sql)[-1] == "COMMIT"
    assert "DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250914000000'" in sql
    assert "CREATE SCHEMA" not in sql


def test_search_path_is_set_locally_only_when_it_changes():
    a = Step("a", "G", ["CREATE VIEW public.v AS SELECT 1;"], search_path=("app", "public"))
    b = Step("b", "G", ["CREATE VIEW public.w AS SELECT 1;"], search_path=("app", "public"))
    c = Step("c", "G", ["CREATE VIEW public.x AS SELECT 1;"], search_path=("$user", "public", "extensions"))
    d = Step("d", "G", ["DROP VIEW public.y;"])  # search_path None: the default, already in force
    sql = render_sql(rollback(a, b, c, d))
    sets = re.findall(r"(?m)^SET.*$", sql)
    assert sets == ["SET LOCAL search_path TO app, public;", 'SET LOCAL search_path TO "$user", public, extensions;']
    assert sql.index(sets[0]) < sql.index("CREATE VIEW public.v")
    assert sql.index("CREATE VIEW public.w") < sql.index(sets[1]) < sql.index("CREATE VIEW public.x")


def test_step_without_a_path_runs_under_the_default_not_an_earlier_steps():
    # a table recreated under the empty path its history used, then a policy whose USING
    # calls a function by its bare name (no path of its own: it was written under the default)
    table = Step("t", "G", ["CREATE TABLE public.t (id uuid);"], search_path=())
    policy = Step("p", "G", ["CREATE POLICY p ON public.t USING (is_member(id));"])
    drop = Step("d", "G", ["DROP VIEW public.y;"])
    sql = render_sql(rollback(table, policy, drop))
    sets = re.findall(r"(?m)^SET.*$", sql)
    assert sets == ["SET LOCAL search_path TO '';", 'SET LOCAL search_path TO "$user", public, extensions;']
    assert sql.index("CREATE TABLE public.t") < sql.index(sets[1]) < sql.index("CREATE POLICY p")


def test_empty_search_path():
    sql = render_sql(rollback(Step("a", "G", ["SELECT 1;"], search_path=())))
    assert "SET LOCAL search_path TO '';" in sql


# -- backups ---------------------------------------------------------------------------------


def test_backups_come_first_inside_the_transaction():
    sql = render_sql(rollback(drop_function(), drop_table(), drop_columns()))
    stmts = statements(sql)
    assert stmts[:4] == [
        "BEGIN",
        "CREATE SCHEMA IF NOT EXISTS supabase_rollback_backup",
        'CREATE TABLE supabase_rollback_backup."20250914000000_analysis_metrics" AS TABLE public.analysis_metrics',
        'CREATE TABLE supabase_rollback_backup."20250914000000_analysis_jobs_columns" AS '
        "SELECT id, audio_url, ssml FROM public.analysis_jobs",
    ]
    assert is_detach(stmts[4])
    assert (
        "WHERE a.attrelid IN ('supabase_rollback_backup.\"20250914000000_analysis_metrics\"'::regclass, "
        "'supabase_rollback_backup.\"20250914000000_analysis_jobs_columns\"'::regclass)" in stmts[4]
    )


def test_no_backup_flag_and_custom_schema():
    rb = rollback(drop_table())
    assert "CREATE TABLE" not in render_sql(rb, backup=False)
    assert "CREATE SCHEMA" not in render_sql(rb, backup=False)
    sql = render_sql(rb, backup_schema="Rollback Backups")
    assert 'CREATE SCHEMA IF NOT EXISTS "Rollback Backups";' in sql
    assert 'CREATE TABLE "Rollback Backups"."20250914000000_analysis_metrics" AS TABLE public.analysis_metrics;' in sql


def test_backup_names_are_unique_per_file():
    t1, t2 = drop_table(), drop_table()
    sql = render_sql(rollback(t1, t2))
    assert 'supabase_rollback_backup."20250914000000_analysis_metrics" AS' in sql
    assert 'supabase_rollback_backup."20250914000000_analysis_metrics_2" AS' in sql
    long = Step("x", "G", ["DROP TABLE public.t;"], backups=[Backup("b" * 70, "TABLE public.t", "t")] * 2)
    names = re.findall(r"supabase_rollback_backup\.(\w+) AS", render_sql(rollback(long)))
    assert len(names) == 2 and len(set(names)) == 2 and all(len(n) <= 63 for n in names)


def test_backup_stays_with_its_step_after_a_rename():
    rename = Step("Rename", "Rename Columns", ["ALTER TABLE public.analysis_jobs RENAME COLUMN audio TO audio_url;"])
    sql = render_sql(rollback(drop_table(), rename, drop_columns()))
    hoisted = sql.index('"20250914000000_analysis_metrics" AS')
    inline = sql.index('"20250914000000_analysis_jobs_columns" AS')
    assert hoisted < sql.index("-- Step 1:")
    assert sql.index("RENAME COLUMN audio") < inline < sql.index("DROP COLUMN audio_url")
    detach = sql.index("'supabase_rollback_backup.\"20250914000000_analysis_jobs_columns\"'::regclass")
    assert inline < detach < sql.index("DROP COLUMN audio_url")


# -- manual steps ----------------------------------------------------------------------------


@pytest.mark.smoke
def test_manual_step_comments_out_suggestion_and_raises():
    sql = render_sql(rollback(drop_function(), manual("cannot know the old storage parameters")))
    assert "-- MANUAL STEP 2: cannot know the old storage parameters" in sql
    assert "\n-- ALTER TABLE public.t RESET (fillfactor);\n" in sql
    assert "\nALTER TABLE public.t RESET" not in sql
    assert (
        "DO $$ BEGIN RAISE EXCEPTION 'MANUAL STEP 2 not resolved: cannot know the old storage parameters'; END $$;"
        in sql
    )
    parse_sql(sql)


@pytest.mark.parametrize(
    "reason",
    ["it's 100% unknown", "body has $$ and $manual1$ in it", "back\\slash and 'quotes'", "two\nlines"],
)
def test_manual_reason_is_quoted_safely(reason):
    do = manual_raise_sql(7, reason)
    (raw,) = parse_sql(do)
    body = raw.stmt.args[0].arg.sval
    assert "RAISE EXCEPTION" in body
    from pglast import parse_plpgsql

    block = parse_plpgsql(f"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS {_requote(body)};")
    message = block[0]["PLpgSQL_function"]["action"]["PLpgSQL_stmt_block"]["body"][0]["PLpgSQL_stmt_raise"]["message"]
    expected = "MANUAL STEP 7 not resolved: " + " ".join(reason.split())
    # RAISE formats the message: %% prints as %
    assert message.replace("%%", "%") == expected
    sql = render_sql(rollback(manual(reason)))
    assert "-- MANUAL STEP 1: " + " ".join(reason.split()) in sql
    parse_sql(sql)


def _requote(body: str) -> str:
    tag = "$x$"
    while tag in body:
        tag = tag[:-1] + "x$"
    return f"{tag}{body}{tag}"


# -- non-transactional steps -----------------------------------------------------------------


def test_idempotent_rewrites():
    assert idempotent("DROP INDEX CONCURRENTLY public.i;") == "DROP INDEX CONCURRENTLY IF EXISTS public.i;"
    assert idempotent("drop index concurrently if exists public.i;") == "drop index concurrently if exists public.i;"
    assert (
        idempotent("CREATE UNIQUE INDEX CONCURRENTLY i ON public.t USING btree (a);")
        == "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t USING btree (a);"
    )
    assert idempotent("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t (a);").count("IF NOT EXISTS") == 1


def test_leading_nontransactional_steps_run_before_the_transaction():
    sql = render_sql(rollback(index_step("DROP INDEX CONCURRENTLY public.i;"), drop_function()))
    stmts = statements(sql)
    assert stmts[:3] == ["DROP INDEX CONCURRENTLY IF EXISTS public.i", "BEGIN", "DROP FUNCTION public.get_analysis_with_metrics(bigint)"]
    assert stmts.count("BEGIN") == 1


def test_trailing_nontransactional_steps_run_after_commit_then_history():
    sql = render_sql(rollback(drop_function(), index_step("CREATE INDEX CONCURRENTLY i ON public.t (a);", "Recreate Indexes")))
    stmts = statements(sql)
    i = stmts.index("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t (a)")
    assert stmts[:i] == ["BEGIN", "DROP FUNCTION public.get_analysis_with_metrics(bigint)", "COMMIT"]
    assert stmts[i + 1] == "BEGIN"  # the history bookkeeping runs last, once every step ran
    assert "DELETE FROM supabase_migrations.schema_migrations" in " ".join(stmts[i + 1 :])


def test_middle_nontransactional_step_splits_the_transaction_keeping_order():
    sql = render_sql(
        rollback(drop_function(), index_step("DROP INDEX CONCURRENTLY public.i;"), drop_policy(), drop_table())
    )
    stmts = statements(sql)
    order = [s for s in stmts if s in ("BEGIN", "COMMIT") or s.startswith("DROP")]
    assert order == [
        "BEGIN",
        "DROP FUNCTION public.get_analysis_with_metrics(bigint)",
        "COMMIT",
        "DROP INDEX CONCURRENTLY IF EXISTS public.i",
        "BEGIN",
        'DROP POLICY "Service role can manage all analysis jobs" ON public.analysis_jobs',
        "DROP TABLE public.analysis_metrics",
        "COMMIT",
    ]
    assert "-- Steps: 4 (0 manual), in 2 transactions" in sql
    # the backup of step 4 still comes first, in the first transaction
    assert stmts.index('CREATE TABLE supabase_rollback_backup."20250914000000_analysis_metrics" AS TABLE public.analysis_metrics') < stmts.index("DROP FUNCTION public.get_analysis_with_metrics(bigint)")


def test_backups_precede_leading_nontransactional_steps():
    sql = render_sql(rollback(index_step("DROP INDEX CONCURRENTLY public.i;"), drop_table()))
    stmts = statements(sql)
    assert stmts[:3] == [
        "BEGIN",
        "CREATE SCHEMA IF NOT EXISTS supabase_rollback_backup",
        'CREATE TABLE supabase_rollback_backup."20250914000000_analysis_metrics" AS TABLE public.analysis_metrics',
    ]
    assert is_detach(stmts[3])
    assert stmts[4:6] == ["COMMIT", "DROP INDEX CONCURRENTLY IF EXISTS public.i"]


def test_nontransactional_search_path_uses_session_set():
    step = index_step("CREATE INDEX CONCURRENTLY i ON public.t (f(a));", "Recreate Indexes")
    step.search_path = ("app", "public")
    sql = render_sql(rollback(step))
    assert "\nSET search_path TO app, public;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i" in sql


# -- markdown --------------------------------------------------------------------------------


def markdown(*steps: Step, **kw) -> str:
    rb = rollback(*steps, **kw)
    return render_markdown(rb, sql_name=rollback_file_name(rb.migration))


def test_markdown_follows_the_documentation_template():
    md = markdown(drop_function(), drop_policy(), drop_table(), drop_columns())
    lines = md.splitlines()
    assert lines[0].startswith(f"<!-- supabase-rollback {__version__}: generated from 20250914000000_phase1_trd_alignment.sql")
    assert lines[1] == "### Migration: 20250914000000_phase1_trd_alignment.sql"
    assert "**Purpose**: Phase 1 TRD alignment: metrics table and audio fields." in lines
    assert "**Rollback File**: `rollback_20250914000000_phase1_trd_alignment.sql`" in lines
    headings = [ln for ln in lines if ln.startswith("#### ")]
    assert headings == [
        "#### Data Loss Risk: HIGH",
        "#### Pre-Rollback Data Backup",
        "#### Rollback Steps:",
        "#### Post-Rollback Verification",
        "#### Production Rollback Checklist",
        "#### Emergency Notes",
    ]


def test_markdown_lists_what_could_be_lost():
    md = markdown(drop_function(), drop_table(), drop_columns())
    risk = md.split("#### Data Loss Risk: HIGH\n", 1)[1].split("####", 1)[0]
    assert "- rows of table public.analysis_metrics" in risk
    assert "- column public.analysis_jobs.audio_url (text)" in risk
    assert "- column public.analysis_jobs.ssml (text)" in risk


def test_markdown_data_not_restored_and_low_risk():
    step = Step("Re-add column public.t.c", "Restore Columns", ["ALTER TABLE public.t ADD COLUMN c text;"]).hazard(
        Hazard.DATA_NOT_RESTORED, "the migration dropped column public.t.c; its values are not restored"
    )
    md = markdown(step)
    assert "Already lost by the migration itself" in md
    assert "- the migration dropped column public.t.c; its values are not restored" in md
    low = markdown(drop_function())
    assert "#### Data Loss Risk: LOW" in low
    assert "- No data loss" in low
    assert "Nothing to back up" in low


def test_markdown_groups_consecutive_steps_like_the_seed():
    f2 = drop_function()
    f2.sql = ["DROP FUNCTION public.migrate_results_to_metrics();"]
    md = markdown(drop_function(), f2, drop_policy(), drop_table(), drop_columns())
    steps = md.split("#### Rollback Steps:\n", 1)[1].split("#### Post-Rollback Verification", 1)[0]
    items = re.findall(r"(?m)^(\d+)\. (.*)$", steps)
    assert items == [  # a group of one step is titled by the step, naming its object
        ("1", "**Drop Functions** (no data loss) · steps 1–2"),
        ("2", "**Drop policy** (no data loss) · step 3"),
        ("3", "**Drop table public.analysis_metrics** ⚠️ **DATA LOSS** · step 4"),
        ("4", "**Drop columns of public.analysis_jobs** ⚠️ **DATA LOSS** · step 5"),
    ]
    first = steps.split("\n2. ", 1)[0]
    assert "   ```sql\n   DROP FUNCTION public.get_analysis_with_metrics(bigint);\n   DROP FUNCTION public.migrate_results_to_metrics();\n   ```" in first
    assert "   - `AUTHZ`: narrows access to public.analysis_jobs" in steps
    assert "   - ⚠️ `DELETES_DATA`: drops public.analysis_metrics and the rows written since the migration" in steps


def test_markdown_manual_steps_are_marked_with_reason_and_suggestion():
    md = markdown(drop_function(), manual("cannot know the old storage parameters"))
    assert "**Manual step for `alter table ...`** 🛑 **MANUAL** · step 2" in md
    assert "   - **MANUAL STEP 2**: cannot know the old storage parameters" in md
    assert "     ```sql\n     ALTER TABLE public.t RESET (fillfactor);\n     ```" in md
    assert "> 1 manual step (MANUAL STEP 2) must be resolved by hand" in md


def test_markdown_backup_section_shows_the_backup_sql():
    md = markdown(drop_table())
    section = md.split("#### Pre-Rollback Data Backup\n", 1)[1].split("####", 1)[0]
    assert "```sql\nCREATE SCHEMA IF NOT EXISTS supabase_rollback_backup;\n" in section
    assert 'CREATE TABLE supabase_rollback_backup."20250914000000_analysis_metrics" AS TABLE public.analysis_metrics;' in section
    no = render_markdown(rollback(drop_table()), sql_name="x.sql", backup=False)
    assert "--no-backup" in no


def test_markdown_nontransactional_note():
    md = markdown(index_step("DROP INDEX CONCURRENTLY public.i;"), drop_function())
    assert "1 step cannot run inside a transaction" in md


def test_markdown_edit_detection():
    md = markdown(drop_table())
    assert not is_hand_edited(md)
    assert is_hand_edited(md.replace("DATA LOSS", "data loss"))


def test_verification_queries_are_derived_from_the_steps():
    create_policy = Step(
        "Recreate policy", "Recreate Policies",
        ['CREATE POLICY "Users read" ON public.t AS PERMISSIVE FOR SELECT TO authenticated USING (true);'],
    )
    create_fn = Step(
        "Recreate function", "Recreate Functions",
        ["CREATE FUNCTION public.f(a bigint, OUT b text, VARIADIC c int[]) RETURNS text LANGUAGE sql AS $$ select 'x' $$;"],
    )
    trig = Step("Drop trigger", "Drop Triggers", ["DROP TRIGGER trg ON public.t;"])
    typ = Step("Drop type", "Drop Types", ['DROP TYPE public."Mood";'])
    checks = dict(
        verification_checks(rollback(drop_function(), drop_policy(), drop_table(), drop_columns(), create_policy, create_fn, trig, typ))
    )
    assert checks["table public.analysis_metrics is gone"] == "to_regclass('public.analysis_metrics') is null"
    assert checks["function public.get_analysis_with_metrics(bigint) is gone"] == (
        "to_regprocedure('public.get_analysis_with_metrics(bigint)') is null"
    )
    assert checks['policy "Service role can manage all analysis jobs" on public.analysis_jobs is gone'] == (
        "not exists (select from pg_policies where schemaname = 'public' and tablename = 'analysis_jobs' "
        "and policyname = 'Service role can manage all analysis jobs')"
    )
    assert checks["column public.analysis_jobs.audio_url is gone"].startswith("not exists (select from information_schema.columns")
    assert checks['policy "Users read" on public.t is back'].startswith("exists (select from pg_policies")
    assert checks["function public.f(bigint, integer[]) is back"] == "to_regprocedure('public.f(bigint, integer[])') is not null"
    assert "trigger trg on public.t is gone" in checks
    assert checks['type public."Mood" is gone'] == "to_regtype('public.\"Mood\"') is null"
    assert "migration 20250914000000 is no longer in the history" in checks
    md = markdown(drop_table())
    assert "select to_regclass('public.analysis_metrics') is null;" in md


def test_verification_keeps_the_last_word_on_an_object():
    drop = Step("Drop", "Drop Tables", ["DROP TABLE public.t;"])
    create = Step("Create", "Recreate Tables", ["CREATE TABLE public.t (id bigint);"])
    checks = dict(verification_checks(rollback(drop, create)))
    assert "table public.t is back" in checks and "table public.t is gone" not in checks


# -- templates ---------------------------------------------------------------------------------


def test_templates_are_found_in_the_package_or_the_repository():
    for name in ("rollback.sql.j2", "rollback.md.j2"):
        text = _template_source(name)
        repo = Path(__file__).resolve().parent.parent / "templates" / name
        assert text == repo.read_text(encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        _template_source("missing.j2")


# -- on a real server ----------------------------------------------------------------------------


def _psql(pg_db, sql: str):
    from roundtrip import run_psql

    return run_psql(pg_db.server, pg_db.conninfo, sql)


def test_manual_step_stops_the_file_on_a_server(pg_db):
    with pg_db.connect() as conn:
        conn.execute("create table public.analysis_metrics (id bigint)")
    sql = render_sql(rollback(drop_table(), manual("it's 100% unknown: $$ 'x'")))
    res = _psql(pg_db, sql)
    assert res.returncode == 3
    assert "MANUAL STEP 2 not resolved: it's 100% unknown: $$ 'x'" in res.stderr
    with pg_db.connect() as conn:  # nothing was dropped, no backup kept
        assert conn.execute("select to_regclass('public.analysis_metrics') is not null").fetchone()[0]
        assert conn.execute("select to_regnamespace('supabase_rollback_backup') is null").fetchone()[0]


def test_backups_do_not_keep_user_types_alive_on_a_server(pg_db):
    with pg_db.connect() as conn:
        conn.execute("create type public.mood as enum ('ok', 'sad')")
        conn.execute("create domain public.pct as numeric check (value between 0 and 100)")
        conn.execute("create table public.analysis_metrics (id bigint, m public.mood, p public.pct, ms public.mood[])")
        conn.execute("insert into public.analysis_metrics values (1, 'sad', 42.5, '{ok,sad}')")
    drop_types = Step("Drop types", "Drop Types", ["DROP TYPE public.mood CASCADE;", "DROP DOMAIN public.pct;"])
    res = _psql(pg_db, render_sql(rollback(drop_table(), drop_types)))
    assert res.returncode == 0, res.stderr
    with pg_db.connect() as conn:
        row = conn.execute('select * from supabase_rollback_backup."20250914000000_analysis_metrics"').fetchone()
        assert row == (1, "sad", "42.5", "{ok,sad}")
        assert conn.execute("select to_regtype('public.mood') is null and to_regtype('public.pct') is null").fetchone()[0]


def test_split_transactions_run_in_order_on_a_server(pg_db):
    with pg_db.connect() as conn:
        conn.execute("create table public.t (id bigint, a int, b int)")
        conn.execute("create index i_a on public.t (a)")
        conn.execute("insert into public.t values (1, 2, 3)")
    steps = [
        Step("Drop column b", "Drop Columns", ["ALTER TABLE public.t DROP COLUMN b;"],
             backups=[Backup("20250914000000_t_columns", "SELECT id, b FROM public.t", "column b of public.t")]),
        index_step("DROP INDEX CONCURRENTLY public.i_a;"),
        Step("Recreate", "Recreate Indexes", ["CREATE INDEX i_a ON public.t (id);"]),
        index_step("CREATE INDEX CONCURRENTLY i_b ON public.t (a);", "Recreate Indexes"),
    ]
    sql = render_sql(rollback(*steps))
    res = _psql(pg_db, sql)
    assert res.returncode == 0, res.stderr
    with pg_db.connect() as conn:
        idx = conn.execute(
            "select indexname, indexdef from pg_indexes where tablename = 't' order by 1"
        ).fetchall()
        assert [r[0] for r in idx] == ["i_a", "i_b"]
        assert "(id)" in idx[0][1]
        assert conn.execute('select * from supabase_rollback_backup."20250914000000_t_columns"').fetchall() == [(1, 3)]
