"""``supabase-rollback stats``: statement kinds, reason normalisation, counts and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pglast import parse_sql

from generator.cli import cli
from generator.commands.stats import collect, normalise_reason, render_table, statement_kind
from generator.engine import generate
from generator.parse import Migration

CORPUS = Path(__file__).resolve().parent / "corpus"


def kind(sql: str) -> str:
    return statement_kind(parse_sql(sql)[0].stmt)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("create table public.t (id int)", "CREATE TABLE"),
        ("create unique index concurrently i on public.t (id)", "CREATE INDEX"),
        ("drop policy if exists p on public.t", "DROP POLICY"),
        ("drop table public.t cascade", "DROP TABLE"),
        ("alter table public.t add column b text", "ALTER TABLE ADD COLUMN"),
        ("alter table public.t add column b text, add column c text", "ALTER TABLE ADD COLUMN"),
        ("alter table public.t add column b text, drop column c", "ALTER TABLE (several subcommands)"),
        ("alter table public.t enable row level security", "ALTER TABLE ENABLE ROW SECURITY"),
        ("alter table public.t alter column b type varchar(10)", "ALTER TABLE ALTER COLUMN TYPE"),
        ('alter table "public"."t" add constraint "t_pkey" primary key using index "t_pkey"',
         "ALTER TABLE ADD CONSTRAINT USING INDEX"),
        ("alter table public.t add constraint c check (id > 0)", "ALTER TABLE ADD CONSTRAINT"),
        ("alter table public.t rename column a to b", "RENAME COLUMN (of TABLE)"),
        ("alter table public.t rename to u", "RENAME TABLE"),
        ("alter policy p on public.t rename to q", "RENAME POLICY"),
        ("grant select on table public.t to anon", "GRANT ON TABLE"),
        ("revoke execute on function public.f() from anon", "REVOKE ON FUNCTION"),
        ("create or replace function public.f() returns int language sql as 'select 1'", "CREATE FUNCTION"),
        ("create procedure public.p() language sql as 'select 1'", "CREATE PROCEDURE"),
        ("alter type public.e add value 'x'", "ALTER TYPE (enum)"),
        ("create type public.e as enum ('a')", "CREATE TYPE (enum)"),
        ("alter type public.e owner to postgres", "ALTER TYPE OWNER TO"),
        ("alter publication supabase_realtime add table public.t", "ALTER PUBLICATION"),
        ("do $$ begin end $$", "DO"),
        ("insert into public.t values (1)", "INSERT"),
        ("begin", "BEGIN / COMMIT"),
        ("set statement_timeout = 0", "SET"),
        ("select pg_catalog.set_config('search_path', '', false)", "SELECT"),
        ("comment on table public.t is 'x'", "COMMENT"),
        ("alter default privileges in schema public grant all on tables to anon", "ALTER DEFAULT PRIVILEGES"),
        ("create view public.v with (security_invoker = true) as select 1", "CREATE VIEW"),
        ("create aggregate public.a (int) (sfunc = int4pl, stype = int)", "CREATE AGGREGATE"),
        ("create operator class c for type int using btree as operator 1 <", "CREATE OP CLASS"),
    ],
)
def test_statement_kind(sql: str, expected: str) -> None:
    assert kind(sql) == expected


def test_reasons_of_the_same_rule_group_together() -> None:
    a = normalise_reason(
        "table public.todos was changed by a statement the generator could not analyse "
        "(supabase/migrations/20240101000000_a.sql:12), so its earlier definition is not known"
    )
    b = normalise_reason(
        'table "Sales"."Order Lines" was changed by a statement the generator could not analyse '
        "(other/dir/20250101000000_b.sql:3), so its earlier definition is not known"
    )
    assert a == b == (
        "table <name> was changed by a statement the generator could not analyse (<where>), "
        "so its earlier definition is not known"
    )


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("column email of public.users is not in the catalog", "column <name> of <name> is not in the catalog"),
        ("SELECT calls public.backfill(), whose effects the generator cannot know",
         "SELECT calls <name>, whose effects the generator cannot know"),
        ("SELECT calls now(), whose effects the generator cannot know",
         "SELECT calls <function>(), whose effects the generator cannot know"),
        ('extension "vector" is already installed, so this statement fails',
         "extension <name> is already installed, so this statement fails"),
        ("recreate it with `CREATE EXTENSION x WITH SCHEMA extensions` first",
         "recreate it with `…` first"),
        ("convert each column that uses it (column public.a.s, column public.b.s) and",
         "convert each column that uses it (<names>) and"),
        ("convert each column that uses it (column public.a.s) and",
         "convert each column that uses it (<names>) and"),
        ("create it again with the labels 'a', 'b', 'c' first", "create it again with the labels '…', … first"),
        ("extension pg_trgm was updated from version 1.5; no downgrade",
         "extension <name> was updated from version <version>; no downgrade"),
        ("the generator does not know how to invert DoStmt statements",
         "the generator does not know how to invert DoStmt statements"),
        ("ALTER TABLE SET TABLESPACE is not supported", "ALTER TABLE SET TABLESPACE is not supported"),
        ("Functions that use the type must be recreated too", "Functions that use the type must be recreated too"),
    ],
)
def test_normalise_reason(reason: str, expected: str) -> None:
    assert normalise_reason(reason) == expected


def _migs(*texts: str) -> list[Migration]:
    return [
        Migration(version=str(20240101000000 + i), name=f"m{i}", path=Path(f"supabase/migrations/{20240101000000 + i}_m{i}.sql"), text=t)
        for i, t in enumerate(texts)
    ]


HISTORY = (
    "create table public.a (id bigint primary key);\n"
    "create table public.b (id bigint primary key);\n"
    "select public.recalculate_totals();\n"
    "drop table public.b;\n"
    "-- rollback: create table public.b (id bigint primary key);\n",
    "create table public.c (id bigint primary key);\n"
    "alter table public.a add column note text;\n"
    "select public.rebuild_search_index();\n"
    "set statement_timeout = 0;\n",
)


def _select_reason() -> str:
    """What the session handler says about SELECT f(), normalised (its wording is not ours to pin)."""
    rb = generate(_migs(HISTORY[0]))[0]
    (step,) = rb.manual_steps
    return normalise_reason(step.manual)


def test_collect_counts_automatic_manual_and_annotated_per_kind_and_file() -> None:
    stats = collect(generate(_migs(*HISTORY)))
    total = stats.total
    assert (stats.migrations, total.total, total.automatic, total.manual, total.annotated) == (2, 8, 5, 2, 1)
    assert stats.kinds["CREATE TABLE"].automatic == 3
    tr = stats.kinds["SELECT"]
    assert (tr.total, tr.automatic, tr.manual) == (2, 0, 2)
    reason = _select_reason()
    assert "<name>" in reason and "recalculate_totals" not in reason
    assert tr.reasons == {reason: 2}  # two functions, one rule
    assert stats.kinds["DROP TABLE"].annotated == 1
    assert stats.kinds["DROP TABLE"].manual == 0
    assert stats.kinds["SET"].automatic == 1
    first, second = stats.files
    assert (first.statements, first.automatic, first.manual, first.annotated) == (4, 2, 1, 1)
    assert [(m["line"], m["kind"]) for m in first.manual_statements] == [(3, "SELECT")]
    assert "public.recalculate_totals" in first.manual_statements[0]["reasons"][0]  # per file: the reason as written
    assert (second.statements, second.automatic, second.manual) == (4, 3, 1)


def test_table_output_lists_kinds_reasons_and_files() -> None:
    text = render_table(collect(generate(_migs(*HISTORY))), verbose=True)
    lines = text.splitlines()
    assert lines[0] == (
        "2 migrations, 8 statements: 5 inverted automatically (62%), 2 with manual steps (25%), 1 annotated"
    )
    assert any(line.split() == ["SELECT", "2", "0", "2", "0"] for line in lines)
    assert any(line.split() == ["all", "statements", "8", "5", "2", "1"] for line in lines)
    assert "Manual steps, by reason:" in lines
    assert "  SELECT (2)" in lines
    assert f"       2  {_select_reason()}" in lines
    assert "Per file:" in lines
    assert any(line.strip().startswith("line 3 SELECT: ") and "public.recalculate_totals" in line for line in lines)


def _project(tmp_path: Path, *texts: str) -> Path:
    mig = tmp_path / "supabase" / "migrations"
    mig.mkdir(parents=True)
    for m in _migs(*texts):
        (mig / m.path.name).write_text(m.text)
    return tmp_path


def test_cli_json(tmp_path: Path) -> None:
    root = _project(tmp_path, *HISTORY)
    res = CliRunner().invoke(cli, ["stats", "--project-dir", str(root), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert (data["migrations"], data["statements"], data["automatic"], data["manual"], data["annotated"]) == (2, 8, 5, 2, 1)
    assert data["manual_reasons"] == [{"reason": _select_reason(), "count": 2}]
    assert data["kinds"]["SELECT"]["manual_reasons"] == data["manual_reasons"]
    assert "files" not in data
    verbose = json.loads(
        CliRunner().invoke(cli, ["stats", "--project-dir", str(root), "--format", "json", "-v"]).output
    )
    assert [f["file"] for f in verbose["files"]] == ["20240101000000_m0.sql", "20240101000001_m1.sql"]


def test_cli_migrations_dir_without_a_project(tmp_path: Path) -> None:
    root = _project(tmp_path, *HISTORY)
    res = CliRunner().invoke(cli, ["stats", "--migrations-dir", str(root / "supabase" / "migrations")])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("2 migrations, 8 statements: 5 inverted automatically")


def test_cli_applies_the_projects_manual_rules(tmp_path: Path) -> None:
    root = _project(tmp_path, *HISTORY)
    (root / "supabase" / "rollback.toml").write_text(
        '[[manual]]\nkind = "ALTER TABLE"\nreason = "the DBA reverts ALTER TABLE by hand"\n'
    )
    res = CliRunner().invoke(cli, ["stats", "--project-dir", str(root), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["kinds"]["ALTER TABLE ADD COLUMN"]["manual_reasons"] == [
        {"reason": "the DBA reverts ALTER TABLE by hand", "count": 1}
    ]


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    root = _project(tmp_path, "create tabel public.t (id int);")
    res = CliRunner().invoke(cli, ["stats", "--project-dir", str(root)])
    assert res.exit_code == 2
    assert "syntax error" in res.output
    res = CliRunner().invoke(cli, ["stats", "--project-dir", str(tmp_path / "nowhere")])
    assert res.exit_code == 2


def test_cli_help_has_examples() -> None:
    res = CliRunner().invoke(cli, ["stats", "--help"])
    assert res.exit_code == 0
    assert "Examples:" in res.output and "supabase-rollback stats --verbose" in res.output


def test_stats_on_the_corpus_count_every_statement() -> None:
    """The corpus apps are projects: `stats --project-dir tests/corpus/<app>` works on each."""
    for app in sorted(p for p in CORPUS.iterdir() if (p / "supabase" / "migrations").is_dir()):
        res = CliRunner().invoke(cli, ["stats", "--project-dir", str(app), "--format", "json", "-v"])
        assert res.exit_code == 0, (app.name, res.output)
        data = json.loads(res.output)
        assert data["statements"] == data["automatic"] + data["manual"] + data["annotated"]
        assert data["statements"] == sum(f["statements"] for f in data["files"])
        assert data["statements"] == sum(k["total"] for k in data["kinds"].values())
