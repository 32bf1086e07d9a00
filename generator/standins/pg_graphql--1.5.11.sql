-- Stand-in for pg_graphql (supabase-rollback verify): the functions of schema graphql
-- with pg_graphql's signatures. Its event triggers (schema version bumps) are left out:
-- nothing here caches a GraphQL schema.

create sequence graphql.seq_schema_version as integer cycle;

create function graphql.increment_schema_version() returns event_trigger
    language plpgsql security definer
as $$ begin perform pg_catalog.nextval('graphql.seq_schema_version'); end $$;

create function graphql.get_schema_version() returns integer
    language sql security definer
as $$ select last_value::integer from graphql.seq_schema_version $$;

create function graphql.comment_directive(comment_ text) returns jsonb
    language sql immutable
as $$ select coalesce((regexp_match(comment_, '@graphql\((.+)\)'))[1]::jsonb, jsonb_build_object()) $$;

create function graphql.exception(message text) returns text
    language plpgsql
as $$ begin raise exception using errcode = '22000', message = message; end $$;

create function graphql._internal_resolve(
    query text,
    variables jsonb default '{}',
    "operationName" text default null,
    extensions jsonb default null
) returns jsonb
    language sql
as $$
    select jsonb_build_object('data', null, 'errors', jsonb_build_array(jsonb_build_object(
        'message', 'pg_graphql is a stand-in on this test server: queries are not resolved')))
$$;

create function graphql.resolve(
    query text,
    variables jsonb default '{}',
    "operationName" text default null,
    extensions jsonb default null
) returns jsonb
    language sql
as $$ select graphql._internal_resolve(query, variables, "operationName", extensions) $$;
