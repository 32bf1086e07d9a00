"""Unit tests of generator/handlers/triggers.py: generated SQL and catalog effects."""

from __future__ import annotations

from pathlib import Path

import pytest
from pglast import parse_sql

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog, Column, Constraint, Schema, Table
from generator.engine import Context, Rollback, Unsupported, replay
from generator.handlers import triggers
from generator.parse import Migration, Statement


def fresh() -> Catalog:
    cat = Catalog()
    for s in ("pg_catalog", "public", "auth", "extensions"):
        cat.schemas[s] = Schema(s)
    cat.tables[("public", "t")] = Table("public", "t", {"a": Column("a", "integer")})
    cat.tables[("auth", "users")] = Table("auth", "users", {"id": Column("id", "uuid")})
    return cat


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def sql_of(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


TF = "create function public.tf() returns trigger language plpgsql as $$ begin return new; end $$;"


def test_create_trigger_on_auth_users() -> None:
    cat = fresh()
    run(cat, "create function public.handle_new_user() returns trigger language plpgsql security definer "
        "set search_path = '' as $$ begin insert into public.t values (1); return new; end $$;", "1")
    rb = run(cat, "create trigger on_auth_user_created after insert on auth.users "
             "for each row execute procedure public.handle_new_user();", "2")
    [step] = rb.steps
    assert step.group == "Drop Triggers"
    assert step.sql == ["DROP TRIGGER on_auth_user_created ON auth.users;"]
    t = cat.triggers[("auth", "users", "on_auth_user_created")]
    assert t.definition == ("CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users "
                            "FOR EACH ROW EXECUTE PROCEDURE public.handle_new_user()")
    assert t.enabled == "O"


def test_unqualified_trigger_gets_qualified_names() -> None:
    cat = fresh()
    rb = run(cat, TF + 'create trigger "My Trig" before update of a on t for each row '
             "when (old.a is distinct from new.a) execute function tf('x', 1);")
    assert sql_of(rb)[0] == 'DROP TRIGGER "My Trig" ON public.t;'
    assert cat.triggers[("public", "t", "My Trig")].definition == (
        'CREATE TRIGGER "My Trig" BEFORE UPDATE OF a ON public.t FOR EACH ROW '
        "WHEN (old.a IS DISTINCT FROM new.a) EXECUTE PROCEDURE public.tf('x', '1')"
    )


def test_constraint_trigger_and_transition_tables() -> None:
    cat = fresh()
    run(cat, TF + "create constraint trigger c after insert on t from auth.users deferrable initially deferred "
        "for each row execute function tf();"
        "create trigger s after update on t referencing new table as nt old table as ot "
        "for each statement execute function tf();")
    assert cat.triggers[("public", "t", "c")].definition == (
        "CREATE CONSTRAINT TRIGGER c AFTER INSERT ON public.t FROM auth.users DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE PROCEDURE public.tf()"
    )
    assert "REFERENCING NEW TABLE AS nt" in cat.triggers[("public", "t", "s")].definition


def test_create_or_replace_trigger_restores_definition_and_state() -> None:
    cat = fresh()
    run(cat, TF + "create trigger tr before insert on t for each row execute function tf();", "1")
    cat.triggers[("public", "t", "tr")].enabled = "D"
    rb = run(cat, "create or replace trigger tr after insert on t for each row execute function tf();", "2")
    [step] = rb.steps
    assert step.group == "Restore Triggers"
    assert step.sql == [
        "CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON public.t FOR EACH ROW EXECUTE PROCEDURE public.tf();",
        "ALTER TABLE public.t DISABLE TRIGGER tr;",
    ]
    t = cat.triggers[("public", "t", "tr")]
    assert t.enabled == "O" and "AFTER INSERT" in t.definition


def test_create_or_replace_new_trigger_is_dropped() -> None:
    cat = fresh()
    rb = run(cat, TF + "create or replace trigger tr before insert on t for each row execute function tf();")
    assert sql_of(rb)[0] == "DROP TRIGGER tr ON public.t;"


def test_drop_trigger_recreates_with_state_and_comment() -> None:
    cat = fresh()
    run(cat, TF + "create trigger tr before insert on t for each row execute function tf();", "1")
    cat.triggers[("public", "t", "tr")].enabled = "R"
    cat.comments[("trigger", "tr ON public.t")] = "keeps a"
    rb = run(cat, "drop trigger if exists tr on t; drop trigger if exists nope on t;", "2")
    [step] = rb.steps
    assert step.group == "Recreate Triggers"
    assert step.sql == [
        "CREATE TRIGGER tr BEFORE INSERT ON public.t FOR EACH ROW EXECUTE PROCEDURE public.tf();",
        "ALTER TABLE public.t ENABLE REPLICA TRIGGER tr;",
        "COMMENT ON TRIGGER tr ON public.t IS 'keeps a';",
    ]
    assert cat.triggers == {}
    assert cat.comments == {}


def test_drop_unknown_trigger_is_manual() -> None:
    cat = fresh()
    rb = run(cat, "drop trigger tr on public.t;")
    assert rb.steps[0].manual == (
        "the definition of trigger tr on public.t before this migration is not in the migration history"
    )


def test_drop_trigger_on_tainted_table_is_manual() -> None:
    cat = fresh()
    run(cat, TF + "create trigger tr before insert on t for each row execute function tf();", "1")
    cat.tainted[("table", "public.t")] = "x.sql:3"
    rb = run(cat, "drop trigger tr on t;", "2")
    assert rb.steps[0].manual and "could not analyse" in rb.steps[0].manual


def test_rename_trigger() -> None:
    cat = fresh()
    run(cat, TF + "create trigger tr before insert on t for each row execute function tf();", "1")
    rb = run(cat, 'alter trigger tr on public.t rename to "Tr 2";', "2")
    assert sql_of(rb) == ['ALTER TRIGGER "Tr 2" ON public.t RENAME TO tr;']
    assert list(cat.triggers) == [("public", "t", "Tr 2")]
    assert cat.triggers[("public", "t", "Tr 2")].definition.startswith('CREATE TRIGGER "Tr 2" BEFORE INSERT')


def _alter(cat: Catalog, sql: str, table=("public", "t")):
    node = parse_sql(sql)[0].stmt
    ctx = Context(cat, Statement(node, sql, Path("m.sql"), 1))
    out = []
    for cmd in node.cmds:
        out += triggers.set_trigger_state(cmd, table, ctx)
    return out


def test_enable_disable_named_and_user() -> None:
    cat = fresh()
    run(cat, TF + "create trigger a before insert on t for each row execute function tf();"
        "create trigger b before insert on t for each row execute function tf();", "1")
    steps = _alter(cat, "alter table t disable trigger a, enable always trigger b")
    assert [s.sql for s in steps] == [["ALTER TABLE public.t ENABLE TRIGGER a;"], ["ALTER TABLE public.t ENABLE TRIGGER b;"]]
    assert (cat.triggers[("public", "t", "a")].enabled, cat.triggers[("public", "t", "b")].enabled) == ("D", "A")
    steps = _alter(cat, "alter table t enable trigger user")
    assert [s.sql for s in steps] == [["ALTER TABLE public.t DISABLE TRIGGER a;"], ["ALTER TABLE public.t ENABLE ALWAYS TRIGGER b;"]]
    assert {t.enabled for t in cat.triggers.values()} == {"O"}
    assert _alter(cat, "alter table t enable trigger a") == []


def test_trigger_all_only_without_foreign_keys() -> None:
    cat = fresh()
    run(cat, TF + "create trigger a before insert on t for each row execute function tf();", "1")
    steps = _alter(cat, "alter table t disable trigger all")
    assert [s.sql for s in steps] == [["ALTER TABLE public.t ENABLE TRIGGER a;"]]
    cat.tables[("public", "u")] = Table("public", "u", constraints={
        "u_t_fkey": Constraint("u_t_fkey", "f", "FOREIGN KEY (a) REFERENCES public.t(a)", ["a"], ("public", "t"))})
    with pytest.raises(Unsupported, match="internal triggers"):
        _alter(cat, "alter table t enable trigger all")


def test_unknown_trigger_state_change_is_unsupported() -> None:
    cat = fresh()
    with pytest.raises(Unsupported, match="not in the migration history"):
        _alter(cat, "alter table t disable trigger nope")
