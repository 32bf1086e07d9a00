-- Stand-in for pg_net (supabase-rollback verify): the objects pg_net creates, with the
-- same names and signatures; requests are queued in net.http_request_queue and never sent.

create schema if not exists net;

create domain net.http_method as text
    check (value ilike 'get' or value ilike 'post' or value ilike 'delete');

create unlogged table net.http_request_queue (
    id bigserial,
    method net.http_method not null,
    url text not null,
    headers jsonb,
    body bytea,
    timeout_milliseconds integer not null
);

create unlogged table net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out boolean,
    error_msg text,
    created timestamptz not null default now()
);
create index on net._http_response (created);

create type net.request_status as enum ('PENDING', 'SUCCESS', 'ERROR');
create type net.http_response as (status_code integer, headers jsonb, body text);
create type net.http_response_result as (status net.request_status, message text, response net.http_response);

create function net.check_worker_is_up() returns void language sql as $$ select $$;
create function net.worker_restart() returns boolean language sql as $$ select true $$;
create function net.wait_until_running() returns void language sql as $$ select $$;
create function net.wake() returns void language sql as $$ select $$;

-- No worker answers here: waiting would never end, so report at once.
create function net._await_response(request_id bigint) returns boolean
    language sql as $$ select true $$;

create function net._urlencode_string(string varchar) returns text
    language sql immutable as $$ select string::text $$;

create function net._encode_url_with_params_array(url text, params_array text[]) returns text
    language sql immutable
    as $$ select url || coalesce('?' || nullif(array_to_string(params_array, '&'), ''), '') $$;

create function net.http_get(
    url text,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{}'::jsonb,
    timeout_milliseconds integer default 5000
) returns bigint
    language sql
as $$
    insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
    values ('GET', url, headers, timeout_milliseconds)
    returning id
$$;

create function net.http_post(
    url text,
    body jsonb default '{}'::jsonb,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer default 5000
) returns bigint
    language sql
as $$
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
    returning id
$$;

create function net.http_delete(
    url text,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{}'::jsonb,
    timeout_milliseconds integer default 5000,
    body jsonb default null
) returns bigint
    language sql
as $$
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values ('DELETE', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
    returning id
$$;

create function net._http_collect_response(request_id bigint, async boolean default true)
    returns net.http_response_result
    language sql
as $$
    select coalesce(
        (select row('SUCCESS', 'ok', row(r.status_code, r.headers, r.content)::net.http_response)::net.http_response_result
           from net._http_response r where r.id = request_id limit 1),
        row('ERROR', 'request matching request_id not found', null)::net.http_response_result)
$$;

create function net.http_collect_response(request_id bigint, async boolean default true)
    returns net.http_response_result
    language sql
as $$ select net._http_collect_response(request_id, async) $$;

grant usage on schema net to public;
grant all on all sequences in schema net to public;
grant all on all tables in schema net to public;
