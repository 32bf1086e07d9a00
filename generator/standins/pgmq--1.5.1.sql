-- Stand-in for pgmq (supabase-rollback verify): pgmq.meta, its types and its functions
-- with the same signatures. Creating a queue records it in pgmq.meta (no queue tables);
-- sending returns no id, reading returns no message.

create table pgmq.meta (
    queue_name varchar unique not null,
    is_partitioned boolean not null,
    is_unlogged boolean not null,
    created_at timestamptz default now() not null
);
select pg_catalog.pg_extension_config_dump('pgmq.meta', '');

create type pgmq.message_record as (
    msg_id bigint, read_ct integer, enqueued_at timestamptz, vt timestamptz, message jsonb, headers jsonb
);
create type pgmq.queue_record as (
    queue_name varchar, is_partitioned boolean, is_unlogged boolean, created_at timestamptz
);
create type pgmq.metrics_result as (
    queue_name text, queue_length bigint, newest_msg_age_sec integer, oldest_msg_age_sec integer,
    total_messages bigint, scrape_time timestamptz, queue_visible_length bigint
);

create function pgmq.format_table_name(queue_name text, prefix text) returns text
    language sql immutable as $$ select lower(prefix || '_' || queue_name) $$;
create function pgmq.validate_queue_name(queue_name text) returns void
    language plpgsql
as $$
begin
    if length(queue_name) > 47 then
        raise exception 'queue name is too long, maximum length is 47 characters';
    end if;
end
$$;

create function pgmq._standin_register(queue_name text, partitioned boolean, unlogged boolean) returns void
    language sql
as $$
    select pgmq.validate_queue_name(queue_name);
    insert into pgmq.meta (queue_name, is_partitioned, is_unlogged) values (queue_name, partitioned, unlogged)
    on conflict (queue_name) do nothing;
$$;
create function pgmq.create(queue_name text) returns void
    language sql as $$ select pgmq._standin_register(queue_name, false, false) $$;
create function pgmq.create_non_partitioned(queue_name text) returns void
    language sql as $$ select pgmq._standin_register(queue_name, false, false) $$;
create function pgmq.create_unlogged(queue_name text) returns void
    language sql as $$ select pgmq._standin_register(queue_name, false, true) $$;
create function pgmq.create_partitioned(
    queue_name text, partition_interval text default '10000', retention_interval text default '100000'
) returns void
    language sql as $$ select pgmq._standin_register(queue_name, true, false) $$;

create function pgmq.drop_queue(queue_name text) returns boolean
    language sql as $$ with d as (delete from pgmq.meta m where m.queue_name = $1 returning 1) select exists (select from d) $$;
create function pgmq.drop_queue(queue_name text, partitioned boolean) returns boolean
    language sql as $$ select pgmq.drop_queue(queue_name) $$;
create function pgmq.list_queues() returns setof pgmq.queue_record
    language sql as $$ select queue_name, is_partitioned, is_unlogged, created_at from pgmq.meta $$;
create function pgmq.purge_queue(queue_name text) returns bigint
    language sql as $$ select 0::bigint $$;
create function pgmq.detach_archive(queue_name text) returns void
    language sql as $$ select $$;

create function pgmq.send(queue_name text, msg jsonb) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send(queue_name text, msg jsonb, headers jsonb) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send(queue_name text, msg jsonb, delay integer) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send(queue_name text, msg jsonb, delay timestamptz) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay timestamptz) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send_batch(queue_name text, msgs jsonb[]) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[]) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send_batch(queue_name text, msgs jsonb[], delay integer) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamptz) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay timestamptz) returns setof bigint
    language sql as $$ select null::bigint where false $$;

create function pgmq.read(queue_name text, vt integer, qty integer, conditional jsonb default '{}')
    returns setof pgmq.message_record
    language sql as $$ select null::pgmq.message_record where false $$;
create function pgmq.read_with_poll(
    queue_name text, vt integer, qty integer, max_poll_seconds integer default 5,
    poll_interval_ms integer default 100, conditional jsonb default '{}'
) returns setof pgmq.message_record
    language sql as $$ select null::pgmq.message_record where false $$;
create function pgmq.pop(queue_name text) returns setof pgmq.message_record
    language sql as $$ select null::pgmq.message_record where false $$;
create function pgmq.set_vt(queue_name text, msg_id bigint, vt integer) returns setof pgmq.message_record
    language sql as $$ select null::pgmq.message_record where false $$;
create function pgmq.archive(queue_name text, msg_id bigint) returns boolean
    language sql as $$ select false $$;
create function pgmq.archive(queue_name text, msg_ids bigint[]) returns setof bigint
    language sql as $$ select null::bigint where false $$;
create function pgmq.delete(queue_name text, msg_id bigint) returns boolean
    language sql as $$ select false $$;
create function pgmq.delete(queue_name text, msg_ids bigint[]) returns setof bigint
    language sql as $$ select null::bigint where false $$;

create function pgmq.metrics(queue_name text) returns pgmq.metrics_result
    language sql
as $$ select row(queue_name, 0, null, null, 0, now(), 0)::pgmq.metrics_result $$;
create function pgmq.metrics_all() returns setof pgmq.metrics_result
    language sql as $$ select pgmq.metrics(queue_name) from pgmq.meta $$;
