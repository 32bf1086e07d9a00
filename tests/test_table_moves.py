"""Unit tests of generator/handlers/table_moves.py: ALTER TABLE ... SET SCHEMA."""

from __future__ import annotations

from pathlib import Path

import generator.handlers  # noqa: F401  (registers every handler)
from generator.catalog import Catalog
from generator.engine import Rollback, baseline_catalog, replay
from generator.parse import Migration


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def test_set_schema_rekeys_what_hangs_off_the_table() -> None:
    cat = baseline_catalog()
    run(cat, "create schema app; create table public.t (id serial primary key, n int);"
             "create index t_n on public.t (n); create policy p on public.t using (n > 0);"
             "create function public.f() returns trigger language plpgsql as $$ begin return new; end $$;"
             "create trigger tr before insert on public.t for each row execute function public.f();"
             "create view public.v as select n from public.t;")
    rb = run(cat, "alter table t set schema app;", "20250101000001")
    assert [s for st in rb.steps for s in st.sql] == ["ALTER TABLE app.t SET SCHEMA public;"]
    assert ("app", "t") in cat.tables and cat.tables[("app", "t")].schema == "app"
    assert {k for k, i in cat.indexes.items() if i.table == ("app", "t")} == {("app", "t_pkey"), ("app", "t_n")}
    assert ("app", "t_id_seq") in cat.sequences
    assert cat.tables[("app", "t")].columns["id"].default == "nextval('app.t_id_seq'::regclass)"
    assert cat.triggers[("app", "t", "tr")].schema == "app"
    assert cat.policies[("app", "t", "p")].schema == "app"
    assert cat.views[("public", "v")].definition == "CREATE VIEW public.v AS SELECT n FROM app.t"
    assert not cat.tainted
    assert ("sequence", "app.t_id_seq") in cat.grants
