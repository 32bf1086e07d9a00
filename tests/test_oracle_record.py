"""The oracle record (generator/oracle/record.py) and how the engine uses it, without a server."""

from __future__ import annotations

import json
from pathlib import Path

import pglast

from generator.chain import chain_hashes
from generator.engine import DO_BLOCK, generate, load_oracle
from generator.oracle import record
from generator.oracle.reads import why_not
from generator.project import list_migrations

from _oracle_support import AUDIT_RLS



def _project(tmp_path: Path) -> Path:
    mig = tmp_path / "supabase" / "migrations"
    mig.mkdir(parents=True)
    (mig / "20240101000000_init.sql").write_text(
        "create table public.orders (id bigint primary key, total numeric);\n"
        "create table public.audit_log (id bigint primary key);\n")
    (mig / "20240102000000_rls.sql").write_text(AUDIT_RLS)
    (mig / "20240103000000_drop.sql").write_text("drop table public.orders;\n")
    return mig


def _entry(mig: Path, refs=(("table", "public.orders"), ("index", "public.orders_pkey"))) -> record.Entry:
    ms = list_migrations(mig)
    return record.Entry("20240102000000_rls.sql", 1, chain_hashes(ms)[1], tuple(refs))


def _manual(mig: Path) -> int:
    rbs = generate(list_migrations(mig))
    return len(rbs[-1].manual_steps)


def test_file_round_trip_and_deterministic_bytes(tmp_path):
    mig = _project(tmp_path)
    e = _entry(mig)
    other = record.Entry("20240101000000_init.sql", 7, "abc", (("type", "public.t"),), True, "")
    text = record.dumps([e, other])
    assert text == record.dumps([other, e])  # order of the entries given does not matter
    assert text.endswith("}\n") and json.loads(text)["format"] == record.FORMAT
    path = record.record_path(mig)
    record.write(path, [e])
    assert path == tmp_path / "supabase" / "rollback-oracle.json"
    first = path.read_bytes()
    record.write(path, [_entry(mig, refs=tuple(reversed(e.unchanged)))])
    assert path.read_bytes() == first
    loaded = record.Oracle.load(path, list_migrations(mig))
    got = loaded.at("20240102000000_rls.sql", 1)
    assert got is not None and set(got.unchanged) == set(e.unchanged) and got.chain == e.chain and not loaded.notes


def test_record_makes_the_rollback_automatic(tmp_path):
    mig = _project(tmp_path)
    assert _manual(mig) == 1  # the DO block may have changed public.orders
    record.write(record.record_path(mig), [_entry(mig)])
    assert _manual(mig) == 0


def test_stale_chain_hash_is_ignored_with_a_note(tmp_path, capsys):
    mig = _project(tmp_path)
    record.write(record.record_path(mig), [_entry(mig)])
    (mig / "20240101000000_init.sql").write_text(
        "create table public.orders (id bigint primary key, total numeric, note text);\n"
        "create table public.audit_log (id bigint primary key);\n")
    assert _manual(mig) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1 entry learned from a history that has changed since: ignored" in err


def test_damaged_file_or_entry_is_ignored_with_a_note(tmp_path):
    mig = _project(tmp_path)
    path = record.record_path(mig)
    path.write_text("{ not json")
    notes: list[str] = []
    assert load_oracle(list_migrations(mig), notes.append).entries == {}
    assert len(notes) == 1 and "damaged" in notes[0]
    path.write_text(json.dumps({"format": 1, "entries": [{"format": 99}, {"format": 1, "migration": 3}]}))
    notes.clear()
    assert load_oracle(list_migrations(mig), notes.append).entries == {}
    assert "2 entries damaged or of another record format" in notes[0]
    assert _manual(mig) == 1  # and generation goes on as without a record


def test_an_earlier_taint_is_kept(tmp_path):
    """An object an earlier opaque statement distrusts stays distrusted when a later one,
    proven not to change it, touches it too."""
    mig = _project(tmp_path)
    (mig / "20240101120000_opaque.sql").write_text(
        "do $$ begin execute 'alter table public.orders add column ' || 'x int'; end $$;\n")
    ms = list_migrations(mig)
    e = record.Entry("20240102000000_rls.sql", 1, chain_hashes(ms)[2], (("table", "public.orders"),))
    record.write(record.record_path(mig), [e])
    rbs = generate(ms)
    assert rbs[-1].manual_steps and "20240101120000_opaque.sql" in rbs[-1].manual_steps[0].manual


def _cat(schema, name):
    return schema in ("pg_catalog", "information_schema") or (schema is None and name.startswith("pg_"))


def _builtin(schema, name):
    return schema in (None, "pg_catalog") and name in ("format", "quote_ident", "count")


def test_reads_rule():
    def why(sql):
        return why_not(pglast.parse_sql(sql)[0].stmt, _cat, _builtin)

    assert why(AUDIT_RLS) is None
    assert "public.tenants" in why("do $$ declare r record; begin for r in select name from public.tenants loop "
                                   "execute format('create schema %I', r.name); end loop; end $$")
    assert "my_func" in why("select my_func()")
    assert "now" in why("do $$ begin if now() > '2020-01-01' then execute 'create table a (x int)'; end if; end $$")
    assert "WHEN OTHERS" in why("do $$ begin execute 'create table a (x int)'; exception when others then null; end $$")
    assert "rows" in why("do $$ begin execute 'insert into t values (1)'; end $$")
    # changes no snapshot sees: the block's own rollback would otherwise say "nothing to undo"
    assert "rows" in why("do $$ begin execute format('truncate table %I', 't'); end $$")
    assert "rows" in why("do $$ begin execute 'refresh materialized view public.mv'; end $$")
    assert "setval" in why("do $$ begin perform setval('public.s', 100); end $$")
    assert "sequence" in why("do $$ begin execute 'alter sequence public.s restart with 1'; end $$")
    # an assignment is read by its right-hand side (`v := ...`, `v = ...`, `r.f := ...`)
    assert why("do $$ declare v text; begin v := format('%I', 'x'); v = quote_ident(v); "
               "execute format('create table %I (id int)', v); end $$") is None
    assert "public.t" in why("do $$ declare r record; begin r.n := (select count(*) from public.t); end $$")
    # DDL's expressions are stored, not run: a policy template that names a user table is fine
    assert why("do $$ begin execute format('create policy p on %I using (exists (select 1 from m))', 't'); end $$") is None


def test_untaint_only_this_statements_distrust():
    from generator.catalog import Catalog

    cat = Catalog()
    e = record.Entry("m.sql", 3, "h", (("table", "public.a"), ("table", "public.b")), defaults_unchanged=True)
    cat.tainted[("table", "public.a")] = "m.sql:1"
    saved = e.before(cat)
    cat.tainted[("table", "public.a")] = DO_BLOCK + "m.sql:3"
    cat.tainted[("table", "public.b")] = DO_BLOCK + "m.sql:3"
    cat.tainted[("table", "public.c")] = DO_BLOCK + "m.sql:3"
    cat.uncertain_defaults["public"] = "the DO block at m.sql:3"
    cat.uncertain_defaults["x"] = "the DO block at m.sql:33"
    e.untaint(cat, "m.sql:3", saved)
    assert cat.tainted == {("table", "public.a"): "m.sql:1", ("table", "public.c"): DO_BLOCK + "m.sql:3"}
    assert cat.uncertain_defaults == {"x": "the DO block at m.sql:33"}
