-- bug: the rollback of GRANT SELECT ON a table is REVOKE SELECT ON the table, which also
-- revokes SELECT on each of its columns: a column grant the table had before the migration
-- (service_role on c2) was lost
-- fix: 489e55c (grants._column_regrants grants the column privileges back after the table-level revoke)
-- migration 0
create table public.t1 (
  c2 bigint,
  c3 bigint
);
-- migration 1
revoke select on public.t1 from service_role;
grant select (c2) on public.t1 to service_role;
create type public.e4 as enum ('a');
alter table public.t1 add constraint k5 check (c2 > 0);
alter table public.t1 add check (c2 > 0);
-- migration 2
grant select on public.t1 to service_role;
