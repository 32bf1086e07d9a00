-- bug: pglast's printer leaves names that are column-name keywords (int, between,
-- json_query, values...) unquoted; PostgreSQL refuses them bare as function parameter
-- and type names, so a rollback recreating "f(int bigint)" did not parse (and renaming
-- such a function crashed the generator); found by the names property (arg='json_query')
-- fix: 13f6e17 (sqltext.render quotes column-name keywords wherever pglast prints a name)
-- migration 0
create table public."values" ("int" bigint, "between" text check ("between" <> ''));
create function public.f1("int" bigint, "json_query" text) returns bigint language sql as $$ select 1::bigint $$;
-- migration 1
alter function public.f1(bigint, text) rename to f2;
-- migration 2
drop function public.f2(bigint, text);
drop table public."values";
