-- bug: ALTER INDEX ... RENAME left the old name in the index's recorded CREATE INDEX, so
-- the rollback of a later DROP COLUMN (or DROP TABLE) recreated the index under its old
-- name and the rollback of the rename then failed ("relation "public.i8 select" does not exist")
-- fix: 5ed2373 (indexes.rename_index renames the index in its recorded definition)
-- migration 0
create table public.t2 (id3 bigint not null, c6 uuid);
create index i7 on public.t2 (c6 desc, id3) where c6 is not null;
create index i9 on public.t2 (c6);
-- migration 1
alter index public.i7 rename to "i8 select";
alter table public.t2 drop column id3;
-- migration 2
alter index public.i9 rename to i10;
drop table public.t2;
