-- bug: a migration that creates a type (or a function overloading another) and drops it
-- has a rollback that recreates it and drops it again; the pre-flight block required it
-- to exist before the rollback ran ("type public.e1 does not exist")
-- fix: 9c8e9c6 (preflight._Collector checks nothing under a type, schema, extension or function that an earlier rollback statement creates; DROP DOMAIN's assertion keyed as CREATE DOMAIN's)
-- migration 0
create type public.e1 as enum ('a');
create table public.t2 (c3 bigint);
drop type public.e1;
-- migration 1
create function public.f4(x bigint) returns bigint language sql as $$ select x $$;
-- migration 2
create function public.f4(x text) returns text language sql as $$ select x $$;
drop function public.f4(text);
create domain public.d5 as text;
drop domain public.d5;
