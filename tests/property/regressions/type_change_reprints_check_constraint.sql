-- bug: ALTER COLUMN TYPE rebuilds a CHECK constraint on the column from its printed text:
-- "id2 > 0" on bigint, then numeric ("id2 > (0)::numeric"), then back to bigint by the
-- rollback gave "(id2)::numeric > (0)::numeric", not the constraint as it was
-- fix: a1cd2d5 (alter_table.alter_column_type drops such checks and expression or partial indexes before changing the type back and recreates them as recorded)
-- migration 0
create table public.t1 (
  id2 bigint not null,
  c4 boolean,
  constraint pk3 primary key (id2)
);
revoke select on public.t1 from anon;
alter table public.t1 rename constraint pk3 to k5;
alter table public.t1 drop column c4;
-- migration 1
revoke select on public.t1 from anon;
alter table public.t1 rename to t6;
alter table public.t6 drop constraint k5;
create function public.f7()
returns trigger language plpgsql as $$
begin
  return new;
end
$$;
alter table public.t6 rename to t8;
-- migration 2
revoke select on public.t8 from anon;
-- migration 3
alter table public.t8 add constraint k9 check (id2 > 0);
alter table public.t8 rename to t10;
create type public.e11 as enum ('a');
-- migration 4
alter table public.t10 alter column id2 type numeric;
