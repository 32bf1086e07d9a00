-- Stand-in for hypopg (supabase-rollback verify): hypopg's functions and views with the
-- same signatures. There are never any hypothetical indexes; creating one raises an
-- error that verify reports as a limit of the test server.

create function hypopg_reset_index() returns void language sql as $$ select $$;
create function hypopg_reset() returns void language sql as $$ select $$;

create function hypopg_create_index(in sql_order text, out indexrelid oid, out indexname text)
    returns setof record
    language plpgsql strict
as $$
begin
    raise exception using errcode = '0A000',
        message = 'the stand-in for extension "hypopg" cannot create hypothetical indexes';
end
$$;

create function hypopg_drop_index(in indexid oid) returns boolean
    language sql strict as $$ select false $$;

create function hypopg(
    out indexname text, out indexrelid oid, out indrelid oid, out innatts integer,
    out indisunique boolean, out indkey int2vector, out indcollation oidvector, out indclass oidvector,
    out indoption oidvector, out indexprs pg_node_tree, out indpred pg_node_tree, out amid oid
) returns setof record
    language sql
as $$
    select null::text, null::oid, null::oid, null::integer, null::boolean, null::int2vector,
           null::oidvector, null::oidvector, null::oidvector, null::pg_node_tree, null::pg_node_tree, null::oid
     where false
$$;

create view hypopg_list_indexes as
select h.indexrelid, h.indexname as index_name, n.nspname as schema_name,
       coalesce(c.relname, '<dropped>') as table_name, am.amname as am_name
  from hypopg() h
  left join pg_catalog.pg_class c on c.oid = h.indrelid
  left join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_am am on am.oid = h.amid;

create function hypopg_relation_size(in indexid oid) returns bigint
    language sql strict as $$ select null::bigint $$;
create function hypopg_get_indexdef(in indexid oid) returns text
    language sql strict as $$ select null::text $$;
create function hypopg_hide_index(in indexid oid) returns boolean
    language sql strict as $$ select false $$;
create function hypopg_unhide_index(in indexid oid) returns boolean
    language sql strict as $$ select false $$;
create function hypopg_unhide_all_indexes() returns void
    language sql as $$ select $$;
create function hypopg_hidden_indexes() returns table (indexid oid)
    language sql strict as $$ select null::oid where false $$;

create view hypopg_hidden_indexes as
select h.indexid as indexrelid, i.relname as index_name, n.nspname as schema_name,
       t.relname as table_name, m.amname as am_name, false as is_hypo
  from hypopg_hidden_indexes() h
  join pg_catalog.pg_index x on x.indexrelid = h.indexid
  join pg_catalog.pg_class i on i.oid = h.indexid
  join pg_catalog.pg_namespace n on n.oid = i.relnamespace
  join pg_catalog.pg_class t on t.oid = x.indrelid
  join pg_catalog.pg_am m on m.oid = i.relam;
