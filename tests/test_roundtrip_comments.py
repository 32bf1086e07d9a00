"""Round trips of COMMENT ON every supported kind on a real server."""

from __future__ import annotations

HISTORY = [
    """
create schema app;
create table public.t (id bigint primary key, body text, constraint body_len check (length(body) < 100));
create index t_body_idx on public.t (body);
create view public.v as select id from public.t;
create materialized view public.mv as select id from public.t;
create function public.f(a int) returns int language sql as $$ select a $$;
create procedure public.p() language sql as $$ select 1 $$;
create type public.mood as enum ('a');
create domain public.pos as int;
create policy pol on public.t using (true);
create function public.trg() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger tr before insert on public.t for each row execute function public.trg();
create table public.c (id serial);
""",
    "comment on table public.t is 'old table'; comment on column public.t.body is 'old body';",
]


def test_comments_on_every_kind(roundtrip):
    rb, sql = roundtrip(
        history=HISTORY,
        migration="""
comment on table public.t is 'new table';
comment on column public.t.body is null;
comment on column public.t.id is 'id';
comment on view public.v is 'v';
comment on materialized view public.mv is 'mv';
comment on index public.t_body_idx is 'i';
comment on sequence public.c_id_seq is 's';
comment on function public.f(int) is 'f';
comment on procedure public.p() is 'p';
comment on schema app is 'app';
comment on type public.mood is 'm';
comment on domain public.pos is 'd';
comment on policy pol on public.t is 'pol';
comment on trigger tr on public.t is 'tr';
comment on constraint body_len on public.t is 'c';
comment on publication supabase_realtime is 'rt';
comment on table auth.users is 'changed';
""",
    )
    assert "COMMENT ON TABLE public.t IS 'old table';" in sql
    assert "COMMENT ON COLUMN public.t.body IS 'old body';" in sql
    assert "COMMENT ON COLUMN public.t.id IS NULL;" in sql
    assert "COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema.';" in sql


def test_comment_on_public_schema_restores_builtin(roundtrip):
    rb, sql = roundtrip(history=[], migration="comment on schema public is 'mine';")
    assert "COMMENT ON SCHEMA public IS 'standard public schema';" in sql


def test_same_comment_is_nothing(roundtrip):
    rb, sql = roundtrip(history=HISTORY, migration="comment on table public.t is 'old table';")
    assert rb.steps == []


def test_extension_comment_is_manual(roundtrip):
    roundtrip(history=[], migration="comment on extension pgcrypto is 'x';", expect_manual=True)
