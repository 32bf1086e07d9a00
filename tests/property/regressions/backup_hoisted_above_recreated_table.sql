-- bug: a migration that creates a table and drops it (or adds a column and drops it)
-- has a rollback that recreates the object and then drops it again with a backup; the
-- backup was hoisted to the top of the file, before the step that recreates what it
-- reads ("relation does not exist")
-- fix: 8a77299 (render._changes_what_backups_read treats CREATE TABLE/VIEW/TABLE AS and ADD COLUMN as barriers)
-- migration 0
create table public.t1 (c2 bigint);
drop table public.t1;
-- migration 1
create table public.t3 (id bigint primary key);
-- migration 2
alter table public.t3 add column c4 integer;
alter table public.t3 drop column c4;
