-- bug: a UNIQUE constraint added by ALTER TABLE on the primary key's columns was written
-- back inside the CREATE TABLE that recreates the dropped table; CREATE TABLE keeps one
-- index per identical PRIMARY KEY/UNIQUE specification and silently dropped it, so the
-- rollback's next step (DROP CONSTRAINT t1_id2_key) failed: it does not exist
-- fix: 06958f0 (tables.recreate_table adds such a duplicate by ALTER TABLE after the CREATE TABLE)
-- migration 0
create table public.t1 (
  id2 bigint not null,
  constraint pk3 primary key (id2)
);
-- migration 1
alter table public.t1 alter column id2 set default 0;
create type public.e4 as enum ('a');
-- migration 2
alter table public.t1 alter column id2 set not null;
-- migration 3
revoke select on public.t1 from anon;
-- migration 4
alter table public.t1 add unique (id2);
drop table public.t1;
