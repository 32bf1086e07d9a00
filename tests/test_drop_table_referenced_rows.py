"""A table dropped with ``CASCADE`` while other tables' rows reference it (GolferGeek:
``DROP TABLE prediction.sources CASCADE`` while ``prediction.signals`` held rows pointing
at it).

The rollback recreates the table empty and adds the other tables' foreign keys back. With
rows still referencing it, that failed with a bare foreign key violation, and ``verify``
called the rollback wrong. A guard now stops it first and says what to do: the rows the
migration deleted must come back from a backup. ``verify`` counts that stop as a step for
a person; with no referencing rows the rollback runs as before."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from generator.cli import cli
from generator.render import render_sql
from roundtrip import run_psql
from test_preflight import _migrated

HISTORY = ["create table public.sources (id bigint primary key, url text);\n"
           "create table public.signals (id bigint primary key, source_id bigint references public.sources (id));"]
DROP = "drop table public.sources cascade;"


def test_roundtrip_with_no_referencing_rows(roundtrip):
    rb, sql = roundtrip(history=HISTORY, migration=DROP)
    assert not rb.manual_steps and "restore data first: rows of public.signals reference public.sources" in sql


def test_referencing_rows_stop_the_rollback_saying_what_to_do(pg_db):
    rows = "insert into public.sources values (1, 'a');\ninsert into public.signals values (10, 1), (11, null);"
    rb = _migrated(pg_db, [*HISTORY, rows], DROP)
    res = run_psql(pg_db.server, pg_db.conninfo, render_sql(rb))
    assert res.returncode != 0
    assert ("restore data first: rows of public.signals reference public.sources, whose rows the migration deleted "
            "(foreign key signals_source_id_fkey)") in res.stderr
    with pg_db.connect() as conn:
        conn.execute("delete from public.signals where source_id is not null")
    res = run_psql(pg_db.server, pg_db.conninfo, render_sql(rb))
    assert res.returncode == 0, res.stderr


def test_verify_counts_the_stop_as_a_step_for_a_person(tmp_path: Path):
    folder = tmp_path / "supabase" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20250101000000_tables.sql").write_text(HISTORY[0] + "\n")
    (folder / "20250102000000_rows.sql").write_text("insert into public.sources values (1, 'a');\n"
                                                   "insert into public.signals values (10, 1);\n")
    (folder / "20250103000000_drop.sql").write_text(DROP + "\n")
    assert CliRunner().invoke(cli, ["generate", "--project-dir", str(tmp_path)]).exit_code == 0
    res = CliRunner().invoke(cli, ["verify", "--project-dir", str(tmp_path), "--format", "json"], catch_exceptions=False)
    drop = {m["version"]: m for m in json.loads(res.stdout)["migrations"]}["20250103000000"]
    assert drop["status"] == "manual" and drop["reason"].startswith("the rollback stops: restore data first"), drop
