-- bug: parse.parse_statements turns every CRLF of a migration file into LF, also inside
-- quoted identifiers and string literals, while the server receives the file as written:
-- the catalog holds role "a<LF>b" for the role "a<CR><LF>b", and the rollback drops a role
-- that does not exist (or another one). Found by the names property (role2 = CR LF).
-- fix: b5c3870 (parse.parse_statements turns CRLF into LF only between tokens and in comments)
-- migration 0
create role "prop_crlf
role" nologin;
create table public."crlf
table" (c1 bigint);
comment on table public."crlf
table" is 'two
lines';
-- migration 1
drop table public."crlf
table";
