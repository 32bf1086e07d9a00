-- bug: after ALTER TYPE ... RENAME VALUE 'a' TO 'r6', a column default 'a' of the enum reads
-- 'r6' (PostgreSQL stores the label's OID), but the catalog kept 'a': the rollback of a
-- later DROP TABLE in the same migration recreated DEFAULT 'a' before renaming the label
-- back, and failed (invalid input value for enum)
-- fix: 0399b1b (types._follow_renamed_label renews such defaults and distrusts other recorded text naming the label)
-- migration 0
create function public.f1(x bigint)
returns bigint language sql as $$ select x + 1 $$;
drop function public.f1(bigint);
-- migration 1
create type public.e2 as enum ('a');
alter type public.e2 add value 'v2';
create table public.t4 (
  id5 bigint generated always as identity primary key,
  c6 public.e2
);
alter table public.t4 alter column c6 set default 'a';
-- migration 2
alter type public.e2 rename value 'a' to 'r6';
drop table public.t4;
