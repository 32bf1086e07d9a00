"""Types an opaque statement created that the catalog does not know (generator/oracle/created.py).

``CREATE TYPE`` has no ``IF NOT EXISTS``, so projects wrap it in a DO block whose guard the
static replay cannot always decide (tutur3u's ``approval_status``), or build it with dynamic
SQL. Before, learn wrote back the tables, views and functions such a statement made, not
its types: a later ``ALTER TYPE`` or ``DROP TYPE`` of one stayed a manual step ("not in the
catalog"), and a function taking it had a signature that never matched PostgreSQL's, so
it stayed distrusted by every later opaque statement. Now an enum, a composite type and a
domain are written back with their comments and privileges."""

from __future__ import annotations

import pytest

from generator.engine import generate
from generator.oracle.created import synthesize_type
from generator.oracle.imports import NotImportable
from generator.project import list_migrations

from _cli_support import project
from _oracle_support import learn_into, round_trip_last

MAKES = """do $$
begin
  execute 'create type public.mood as enum (''sad'', ''happy'')';
  execute format('create domain public.%I as text not null default ''x'' check (value <> '''')', 'nonempty');
  execute 'create type public.pair as (a integer, b text collate "C")';
  execute 'comment on type public.mood is ''how it feels''';
  execute 'revoke usage on type public.pair from public';
end $$;
create function public.cheer(m public.mood) returns public.mood language sql immutable as 'select m';
"""
CHANGES = """alter type public.mood rename value 'sad' to 'blue';
drop function public.cheer(public.mood);
drop domain public.nonempty;
drop type public.pair;
"""


@pytest.mark.pg
def test_types_an_opaque_statement_made_are_written_back(pg_server, tmp_path, request):
    project(tmp_path, {"20240101000000_make.sql": MAKES, "20240102000000_change.sql": CHANGES})
    mig = tmp_path / "supabase" / "migrations"
    before = [s.manual for s in generate(list_migrations(mig))[-1].manual_steps]
    assert any("public.pair" in m for m in before) and any("public.nonempty" in m for m in before)
    entries = learn_into(pg_server, mig).entries
    (made,) = [e for e in entries if e.created]
    assert [c["name"] for c in made.created] == ["public.mood", "public.nonempty", "public.pair"]
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "CREATE DOMAIN public.nonempty" in sql and "CREATE TYPE public.pair" in sql


def test_what_is_not_written_back_says_why():
    enum = {"kind": "enum", "owner": "postgres", "acl": {}, "comment": None, "labels": ["a", "it's"]}
    assert synthesize_type("public.e", enum, "postgres")["sql"] == ["CREATE TYPE public.e AS ENUM ('a', 'it''s');"]
    with pytest.raises(NotImportable, match="its owner is 'someone'"):
        synthesize_type("public.e", {**enum, "owner": "someone"}, "postgres")
    with pytest.raises(NotImportable, match="a range type is not imported"):
        synthesize_type("public.r", {"kind": "range type", "owner": "postgres", "range": {}}, "postgres")
    domain = {"kind": "domain", "owner": "postgres", "acl": {}, "comment": None, "base type": "integer",
              "not null": False, "default": None, "collation": None,
              "constraints": {"pos": "CHECK ((VALUE > 0)) NOT VALID"}}
    with pytest.raises(NotImportable, match="its constraint pos is NOT VALID"):
        synthesize_type("public.d", domain, "postgres")
