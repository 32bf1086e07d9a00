-- bug: a migration that creates a table and drops one of its columns has a rollback that
-- re-adds the column and then drops the table; the post-rollback assertions still
-- required "column public.t1.c2 is back" and rolled the whole rollback back
-- fix: 890bfcf (render.verification_checks forgets the checks on a relation's parts when a later statement drops it)
-- migration 0
create table public.t1 (c2 bigint, c3 bigint, c4 bigint);
alter table public.t1 drop column c2;
-- migration 1
create table public.t5 (c6 bigint);
create policy p7 on public.t5 using (true);
create index i8 on public.t5 (c6);
alter table public.t5 rename column c6 to c9;
-- migration 2
drop table public.t1;
