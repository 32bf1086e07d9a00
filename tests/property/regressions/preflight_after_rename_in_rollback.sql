-- bug: when a migration creates an object and renames it, its rollback renames it back
-- and then drops it; the pre-flight block required the object to exist under its old
-- name already ("function public.f1() does not exist, but ... left it")
-- fix: ed6e612 (preflight._Collector skips checks under a name that an earlier rollback statement gives)
-- migration 0
create function public.f1()
returns trigger language plpgsql as $$
begin
  return new;
end
$$;
alter function public.f1() rename to f2;
-- migration 1
create table public.t3 (c4 bigint, c5 text);
alter table public.t3 rename to t4;
alter table public.t4 rename column c5 to c6;
create policy p1 on public.t4 using (true);
alter policy p1 on public.t4 rename to p2;
create index i1 on public.t4 (c4);
alter index public.i1 rename to i2;
-- migration 2
create type public.e1 as enum ('a');
alter type public.e1 rename to e2;
alter table public.t4 add column c7 text;
alter table public.t4 rename column c7 to c8;
