-- bug: ALTER COLUMN ... TYPE keeps the column default's expression with its old type
-- (text -> varchar: the default reads 'x'::text afterwards), but the catalog keeps the
-- default as written, so the rollback of a later DROP TABLE (or DROP COLUMN) recreates
-- DEFAULT 'x', which PostgreSQL stores as 'x'::character varying: the schema differs
-- fix: a5ea434 (alter_table.default_after_type_change records the default with the type PostgreSQL keeps (a string literal cast to the old type without its modifiers))
-- migration 0
create table public.t2 (id bigint primary key, c6 text default 'x');
-- migration 1
alter table public.t2 alter column c6 type varchar(40);
-- migration 2
drop table public.t2;
