"""Inline rollback annotations (generator/annotations.py) and how the engine uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.annotations import AnnotationError, annotation_for
from generator.engine import generate
from generator.parse import InputError, Migration, parse_statements
from generator.render import render_markdown, render_sql
from generator.steps import Hazard

P = Path("supabase/migrations/20990101000000_m.sql")


def ann(text: str, index: int = 0):
    return annotation_for(parse_statements(text, P)[index])


def rollback(*texts: str, manual_rule=None):
    migs = [Migration(f"2099010100000{i}", f"m{i}", Path(f"supabase/migrations/2099010100000{i}_m{i}.sql"), t) for i, t in enumerate(texts)]
    return generate(migs, manual_rule=manual_rule)[-1]


# -- spellings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "comment",
    [
        "-- rollback: drop table public.t;",
        "--rollback drop table public.t;",  # Liquibase
        "-- ROLLBACK: drop table public.t",  # no ; needed
        "--rollback:drop table public.t;",
        "/* rollback drop table public.t; */",
        "/* liquibase rollback\ndrop table public.t;\n*/",  # Liquibase block
        "/* rollback:\n  drop table public.t;\n*/",
    ],
)
def test_spellings(comment):
    a = ann(f"create table public.t (id int);\n{comment}\n")
    assert a.kind == "sql"
    assert a.sql == ("drop table public.t;",)
    assert a.line == 2
    assert a.where == f"{P}:2"


def test_same_line_and_several_lines_join_like_liquibase():
    a = ann(
        "create table public.t (id int); -- rollback: drop table public.t;\n"
        "-- rollback: drop function if exists public.f(\n"
        "-- rollback:   bigint);\n"
        "create table public.u (id int);\n"
    )
    assert a.sql == ("drop table public.t;", "drop function if exists public.f(\n  bigint);")
    assert a.line == 1


def test_none_and_irreversible():
    assert ann("select 1;\n-- rollback: none\n").kind == "none"
    a = ann("alter table public.t drop column c;\n-- rollback: irreversible  the values were exported to S3\n")
    assert (a.kind, a.reason, a.line) == ("irreversible", "the values were exported to S3", 2)
    assert ann("select 1;\n/* rollback irreversible\n   nobody can bring that back */\n").reason == "nobody can bring that back"


def test_ordinary_comments_are_not_annotations():
    assert ann("create table public.t (id int);\n-- rollbacks are hard\n/* a note */\n-- see ROLLBACK.md\n") is None
    assert ann("create table public.t (id int);\n") is None


def test_annotation_of_a_final_statement_without_semicolon():
    a = ann("create table public.a (id int);\ncreate table public.t (id int)\n-- rollback: drop table public.t;\n", 1)
    assert a.sql == ("drop table public.t;",)
    assert a.line == 3


def test_annotation_belongs_to_the_statement_before_it():
    text = "create table public.a (id int);\n-- rollback: drop table public.a;\ncreate table public.b (id int);\n"
    assert ann(text, 0).sql == ("drop table public.a;",)
    assert ann(text, 1) is None


def test_concurrent_sql_runs_outside_the_transaction():
    a = ann("create table public.t (id int);\n-- rollback: drop index concurrently public.i;\n")
    assert a.concurrent


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("select 1;\n\n-- rollback: drop tabel x;\n", 3, "not valid SQL"),
        ("select 1;\n-- rollback: irreversible\n", 2, "needs a reason"),
        ("select 1;\n-- rollback: none please\n", 2, "takes nothing after it"),
        ("select 1;\n-- rollback:\n", 2, "empty rollback annotation"),
        ("select 1;\n-- rollback: none\n-- rollback: select 2;\n", 3, "cannot be combined"),
        ("select 1;\n/* rollback */\n", 2, "empty rollback annotation"),
        ("select 1;\n-- rollback: not required\n", 2, "rollback: none"),  # the hint names the right spelling
    ],
)
def test_malformed_annotations_name_path_and_line(text, line, message):
    with pytest.raises(AnnotationError) as exc:
        ann(text)
    assert str(exc.value).startswith(f"{P}:{line}: ")
    assert message in str(exc.value)
    assert isinstance(exc.value, InputError)  # the CLI exits 2


def test_annotation_before_the_first_statement_is_an_error():
    with pytest.raises(AnnotationError, match=r"m0\.sql:2: a rollback annotation must follow the statement"):
        rollback("-- a header\n-- rollback: drop table public.t;\ncreate table public.t (id int);\n")


def test_malformed_annotation_in_an_earlier_migration_stops_generation():
    with pytest.raises(AnnotationError, match=r"m0\.sql:2:"):
        rollback("create table public.t (id int);\n-- rollback: irreversible\n", "create table public.u (id int);")


# -- the engine -----------------------------------------------------------------------------


def test_annotation_replaces_the_inferred_inverse():
    rb = rollback(
        "create table public.t (id int);\n"
        "-- rollback: drop table if exists public.t cascade;\n"
    )
    [step] = rb.steps
    assert step.sql == ["drop table if exists public.t cascade;"]
    assert step.annotated and not step.manual
    assert step.source.endswith("m0.sql:1")
    assert step.search_path == ("$user", "public", "extensions")


def test_catalog_still_follows_an_annotated_statement():
    """Later statements invert against the state the annotated statement left."""
    rb = rollback(
        "create table public.t (id int);\n-- rollback: drop table public.t;\n"
        "alter table public.t add column c text;\n"
        "alter table public.t rename column c to d;\n"
    )
    assert [s.sql for s in rb.steps] == [
        ["ALTER TABLE public.t RENAME COLUMN d TO c;"],
        ["ALTER TABLE public.t DROP COLUMN c;"],
        ["drop table public.t;"],
    ]
    assert not rb.manual_steps


def test_annotated_opaque_statement_is_the_annotation_and_still_taints():
    rb = rollback(
        "create table public.t (id int, c text);",
        "create rule r as on insert to public.t do instead nothing;\n"
        "/* rollback\ndrop rule r on public.t;\n*/\n"
        "drop table public.t;\n",
    )
    drop_inverse, rule_inverse = rb.steps
    assert rule_inverse.sql == ["drop rule r on public.t;"]
    assert rule_inverse.annotated and not rule_inverse.manual
    # the rule changed public.t in ways the catalog cannot know: recreating it is manual
    assert drop_inverse.manual and "could not analyse" in drop_inverse.manual


def test_none_leaves_no_step_and_irreversible_is_resolved_but_medium():
    rb = rollback(
        "create table public.t (id int);",
        "insert into public.t values (1);\n-- rollback: none\n"
        "create table public.u (id int);\n-- rollback: irreversible u is shared with another service\n",
    )
    [step] = rb.steps
    assert step.irreversible == "u is shared with another service"
    assert not step.manual and step.sql == []
    assert rb.manual_steps == []
    assert rb.risk == "MEDIUM"
    assert [h.code for h in step.hazards] == [Hazard.IRREVERSIBLE]


def test_annotation_keeps_data_the_migration_destroyed_on_record():
    rb = rollback(
        "create table public.t (id int primary key, c text);",
        "alter table public.t drop column c;\n-- rollback: alter table public.t add column c text;\n",
    )
    [step] = rb.steps
    assert step.sql == ["alter table public.t add column c text;"]
    assert Hazard.DATA_NOT_RESTORED in {h.code for h in step.hazards}
    assert rb.risk == "HIGH"


def test_annotated_sql_that_drops_data_carries_the_hazard():
    rb = rollback("create table public.t (id int);\n-- rollback: drop table public.t;\n")
    [h] = [h for h in rb.steps[0].hazards if h.code is Hazard.DELETES_DATA]
    assert h.reason == "the annotated SQL drops table public.t"


def test_annotation_wins_over_a_manual_rule():
    rule = lambda stmt: "team rule" if stmt.sql.lower().startswith("create table") else None  # noqa: E731
    rb = rollback("create table public.t (id int);\n-- rollback: drop table public.t;\ncreate table public.u (id int);\n", manual_rule=rule)
    u, t = rb.steps
    assert u.manual == "team rule" and u.sql == ["DROP TABLE public.u;"]
    assert t.annotated and not t.manual


# -- rendering ---------------------------------------------------------------------------


def test_rendered_annotation_and_irreversible_block():
    rb = rollback(
        "create table public.t (id int);",
        "alter table public.t add column c text;\n-- rollback: alter table public.t drop column c;\n"
        "create table public.u (id int);\n-- rollback: irreversible u is shared\n",
    )
    sql = render_sql(rb)
    assert "-- Undoes 20990101000001_m1.sql:1 (from the migration's rollback annotation)\n" in sql
    assert "alter table public.t drop column c;" in sql
    assert "-- IRREVERSIBLE (acknowledged in the migration): nothing is run for this statement.\n-- Reason: u is shared\n" in sql
    assert "-- MANUAL STEP" not in sql and "not resolved" not in sql  # acknowledged: nothing raises
    md = render_markdown(rb, sql_name="rollback_x.sql")
    assert "From the migration's rollback annotation" in md
    assert "**IRREVERSIBLE** (acknowledged in the migration, step 1): u is shared" in md
    assert "#### Data Loss Risk: HIGH" in md  # the annotated SQL drops a column
    assert "the annotated SQL drops column c of public.t" in md


# -- round trips on a real server ----------------------------------------------------------


def test_roundtrip_annotation_overrides_the_inferred_inverse(roundtrip):
    rb, sql = roundtrip(
        history=["create table public.t (id bigint primary key);"],
        migration=(
            "create table public.audit (id bigint primary key, t_id bigint references public.t (id));\n"
            "-- rollback: drop table if exists public.audit cascade;\n"
            "alter table public.t add column note text;\n"
        ),
    )
    assert "drop table if exists public.audit cascade;" in sql
    assert "DROP TABLE public.audit;" not in sql
    assert "ALTER TABLE public.t DROP COLUMN note;" in sql


def test_roundtrip_annotated_do_block(roundtrip):
    rb, sql = roundtrip(
        history=["create table public.t (id bigint primary key);"],
        migration=(
            "do $$ begin\n"
            "  execute 'create table public.made_in_do (id int)';\n"
            "  execute 'alter table public.t add column flag boolean not null default false';\n"
            "end $$;\n"
            "/* liquibase rollback\n"
            "alter table public.t drop column flag;\n"
            "drop table public.made_in_do;\n"
            "*/\n"
        ),
    )
    assert not rb.manual_steps
    assert "drop table public.made_in_do;" in sql
