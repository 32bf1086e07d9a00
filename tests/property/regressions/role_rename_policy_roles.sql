-- bug: ALTER ROLE ... RENAME left the old role name in the catalog's policies, so the
-- rollback of a later DROP POLICY recreated the policy TO a role that no longer exists
-- (found by test_property_names' plain-names check)
-- fix: 04e5275 (roles._rename_in_catalog renames the role in every policy's role list)
-- migration 0
create role prop_r1 nologin;
create table public.t (id bigint);
create policy p on public.t for select to prop_r1 using (true);
-- migration 1
alter role prop_r1 rename to prop_r2;
-- migration 2
drop policy p on public.t;
