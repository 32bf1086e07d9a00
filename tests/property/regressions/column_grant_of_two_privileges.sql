-- bug: a column ACL holding two privileges was restored (and revoked) as
-- "GRANT SELECT, UPDATE (c2) ON TABLE ...", which PostgreSQL reads as SELECT on the WHOLE
-- table and UPDATE on c2: the rollback of DROP TABLE widened access (and a column REVOKE
-- would have revoked table-wide SELECT)
-- fix: d2ae744 (refs.grant_sql names the column after every privilege)
-- migration 0
create table public.t1 (c2 bigint, c3 bigint);
revoke select, update on public.t1 from anon;
-- migration 1
grant select (c2) on public.t1 to anon;
grant update (c2) on public.t1 to anon;
-- migration 2
drop table public.t1;
