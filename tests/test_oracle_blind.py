"""A DO block that deletes duplicate rows, then adds a unique constraint (generator/oracle/blind.py).

Nothing in such a block can see how many rows its DELETE took, so what it did to the schema
on an empty database is what it did on the real one: ``learn`` judges it, later rollbacks of
the table are exact again, and the block's own rollback undoes the constraint and leaves
the deleted rows to a person. It is not judged when the rows can steer it (``FOUND``,
``GET DIAGNOSTICS``, ``INTO``, a handler for errors rows cause) or when changing them runs
the project's code (a trigger on the table or on one its foreign keys reach)."""

from __future__ import annotations

from pathlib import Path

import pglast
import pytest

from generator.engine import generate
from generator.handlers.doblocks import parse_do
from generator.oracle.blind import blind_statements, row_changes
from generator.oracle.reads import why_not
from generator.project import list_migrations

from _cli_support import project
from _oracle_support import learn_into, round_trip_last

INIT = """create table public.links (id bigint generated always as identity primary key,
                           group_id int not null, product_id int not null);
insert into public.links (group_id, product_id) values (1, 1), (1, 1), (2, 1);
"""


def _dedup(extra: str = "", delete: str = "delete from public.links a using public.links b "
                                          "where a.id < b.id and a.group_id = b.group_id and a.product_id = b.product_id;") -> str:
    return f"""do $$
begin
  if (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
      left join pg_constraint con on con.conrelid = c.oid and con.conname = 'links_unique_combo'
      where n.nspname = 'public' and c.relname = 'links' and con.oid is null) = 1 then
    {delete}
    {extra}
    alter table public.links add constraint links_unique_combo unique (group_id, product_id);
  end if;
end $$;
"""


LATER = "alter table public.links drop constraint links_unique_combo;\n"


def _project(tmp_path: Path, block: str, init: str = INIT) -> Path:
    project(tmp_path, {"20240101000000_init.sql": init, "20240102000000_dedup.sql": block,
                       "20240103000000_later.sql": LATER})
    return tmp_path / "supabase" / "migrations"


def _block_entry(entries):
    return next(e for e in entries if e.migration == "20240102000000_dedup.sql")


def _manual(mig: Path) -> list[list[str]]:
    return [[s.manual or "" for s in rb.manual_steps] for rb in generate(list_migrations(mig))]


@pytest.mark.pg
def test_a_blind_delete_does_not_keep_the_block_from_being_learned(pg_server, tmp_path, request):
    mig = _project(tmp_path, _dedup())
    _, block, later = _manual(mig)
    assert "cannot be decided statically" in block[0] and "could not analyse" in later[0]
    entry = _block_entry(learn_into(pg_server, mig).entries)
    assert entry.line == 1 and entry.not_learned == "" and entry.undo
    _, block_rb, later_rb = generate(list_migrations(mig))
    assert later_rb.manual_steps == []
    titles = [s.title for s in block_rb.steps]
    assert titles[-1] == "Restore the rows the DO block changed" and "recorded by `learn`" in titles[0]
    assert "delete from public.links a using" in block_rb.manual_steps[0].manual
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "ADD CONSTRAINT links_unique_combo UNIQUE (group_id, product_id)" in sql


AUDIT = ("create table public.audit (at timestamptz, what text);\n"
         "create function public.audited() returns trigger language plpgsql as $$ "
         "begin insert into public.audit values (now(), tg_op); return null; end $$;\n")


@pytest.mark.pg
@pytest.mark.parametrize("init, where", [
    (INIT + AUDIT + "create trigger links_audit after delete on public.links for each row execute function public.audited();\n",
     "trigger links_audit on links runs"),
    (INIT + AUDIT + "create table public.notes (id int, link_id bigint references public.links (id) on delete cascade);\n"
                    "create trigger notes_audit after delete on public.notes for each row execute function public.audited();\n",
     "trigger notes_audit on notes (its foreign keys or partitions reach public.links) runs"),
], ids=["trigger", "trigger-on-a-referencing-table"])
def test_rows_whose_change_runs_the_projects_code_keep_the_block_unlearned(pg_server, tmp_path, init, where):
    mig = _project(tmp_path, _dedup(), init)
    entry = _block_entry(learn_into(pg_server, mig).entries)
    assert where in entry.not_learned and entry.undo is None
    assert "cannot be decided statically" in _manual(mig)[1][0]


@pytest.mark.pg
def test_a_trigger_that_only_stamps_the_row_is_not_the_projects_code(pg_server, tmp_path, request):
    """``NEW.updated_at = now(); RETURN NEW`` runs no SQL: the block is learned."""
    init = INIT + ("alter table public.links add column updated_at timestamptz;\n"
                   "create function public.touch() returns trigger language plpgsql as $$ "
                   "begin if new.updated_at is null or tg_op = 'UPDATE' then new.updated_at = now(); end if; "
                   "return new; end $$;\n"
                   "create trigger links_touch before update on public.links for each row execute function public.touch();\n")
    mig = _project(tmp_path, _dedup("update public.links set product_id = product_id + 0;"), init)
    entry = _block_entry(learn_into(pg_server, mig).entries)
    assert entry.not_learned == "" and entry.undo
    round_trip_last(pg_server, mig, request.node.name)


@pytest.mark.pg
def test_a_block_that_sees_its_row_count_is_not_learned(pg_server, tmp_path):
    mig = _project(tmp_path, _dedup("if found then raise notice 'removed duplicates'; end if;"))
    entry = _block_entry(learn_into(pg_server, mig).entries)
    assert entry.not_learned == "it changes or copies rows"


def _why(block: str) -> str | None:
    node = pglast.parse_sql(block)[0].stmt
    return why_not(node, lambda s, n: n.startswith("pg_"), lambda s, n: s in (None, "pg_catalog") and n != "mine",
                   targets=lambda s, n: None)


def test_what_a_block_does_with_its_rows_decides_whether_they_are_blind():
    assert _why(_dedup()) is None
    assert _why(_dedup("get diagnostics n = row_count;").replace("begin", "declare n int; begin", 1)) \
        == "it changes or copies rows"
    assert "mine(), which is not built into PostgreSQL, once per row" in _why(
        _dedup(delete="update public.links set group_id = mine(group_id);"))
    assert _why(_dedup(delete="update public.links set group_id = group_id + 1 where random() < 2;")) is None
    returning = _dedup(delete="delete from public.links where id < 0 returning id into n;")
    assert _why(returning.replace("begin", "declare n bigint; begin", 1)) == "it changes or copies rows"
    assert _why(_dedup(delete="execute 'delete from public.links';")) == "it changes or copies rows"


def test_a_handler_for_an_error_rows_cause_is_a_reason():
    caught = "do $$ begin alter table t add constraint u unique (a); exception when {} then null; end $$;"
    assert "it catches unique_violation, an error rows can cause" in _why(caught.format("unique_violation"))
    assert "it catches 23514" in _why(caught.format("sqlstate '23514'"))
    assert _why(caught.format("duplicate_table or duplicate_object")) is None
    assert _why(caught.format("sqlstate '42P07'")) is None
    with_delete = _dedup().replace("end if;", "end if;\nexception when duplicate_object then null;")
    assert _why(with_delete) == "it changes or copies rows"  # a handler: the DELETE is not blind


def test_the_rows_a_block_changes_are_listed_in_order():
    fn = parse_do(pglast.parse_sql(_dedup("insert into public.links (group_id, product_id) values (9, 9);"))[0].stmt)
    assert [q.split()[0] for q in row_changes(fn)] == ["delete", "insert"]
    assert len(blind_statements(fn, "")) == 2


def test_a_missing_enum_label_is_an_error_of_the_schema():
    renames = "do $$ begin alter type public.kind rename value 'org' to 'team'; exception when {} then null; end $$;"
    assert _why(renames.format("invalid_parameter_value")) is None
    assert "it catches invalid_text_representation" in _why(renames.format("invalid_text_representation"))
