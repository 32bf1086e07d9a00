-- bug: renaming value 'a' of one enum distrusted every other enum whose labels include 'a'
-- (its CREATE TYPE text holds the same literal), so a later ADD VALUE of another enum
-- became a manual step
-- fix: a6672c7 (types._follow_renamed_label only looks at domains among the types)
-- migration 0
create type public.e1 as enum ('a');
alter type public.e1 add value 'v1';
alter type public.e1 add value 'v2';
-- migration 1
drop type public.e1;
create type public.e4 as enum ('a');
create type public.e5 as enum ('a');
-- migration 2
alter type public.e4 rename value 'a' to 'r5';
create type public.e7 as enum ('a');
alter type public.e5 add value 'v7';
