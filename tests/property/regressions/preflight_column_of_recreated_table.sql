-- bug: a migration that adds a column to a table and then drops the table has a rollback
-- that recreates the table and then drops the column; the pre-flight block required the
-- column to exist before the rollback ran ("column public.t1.c5 does not exist")
-- fix: 8830470 (preflight._Collector checks nothing under a table that an earlier rollback statement creates)
-- migration 0
create table public.t1 (c2 bigint);
-- migration 1
create table public.t3 (c4 bigint);
-- migration 2
alter table public.t1 add column c5 bigint;
create policy p6 on public.t1 using (true);
drop table public.t1;
