-- bug: the first version of the reprinted-check fix distrusted every table whose CHECK read
-- a retyped column; bigint -> numeric with "c3 > 0" reads back exactly, so the rollback of
-- a later DROP TABLE must stay automatic
-- fix: c35a7bb (alter_table._reparse_is_fresh: only old types other than integers and text/varchar distrust)
-- migration 0
create table public.t1 (
  c2 boolean,
  c3 bigint
);
alter table public.t1 add check (c3 > 0);
alter table public.t1 alter column c3 type numeric;
-- migration 1
drop table public.t1;
-- migration 2
create table public.t4 (
  c5 bigint
);
