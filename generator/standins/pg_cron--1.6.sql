-- Stand-in for pg_cron (supabase-rollback verify): the cron schema, its tables and the
-- functions pg_cron provides, with the same signatures. Scheduling records the job in
-- cron.job (a named job is replaced, as pg_cron does); nothing ever runs it.

create schema cron;
create sequence cron.jobid_seq;
create sequence cron.runid_seq;

create table cron.job (
    jobid bigint primary key default pg_catalog.nextval('cron.jobid_seq'),
    schedule text not null,
    command text not null,
    nodename text not null default 'localhost',
    -- pg_cron fills in the server's port; over a unix socket inet_server_port() is null
    nodeport integer not null default coalesce(pg_catalog.inet_server_port(), 5432),
    database text not null default pg_catalog.current_database(),
    username text not null default current_user,
    active boolean not null default true,
    jobname text,
    constraint jobname_username_uniq unique (jobname, username)
);
alter table cron.job enable row level security;
create policy cron_job_policy on cron.job using (username = current_user);
grant select on cron.job to public;
grant select on sequence cron.jobid_seq to public;

create table cron.job_run_details (
    jobid bigint,
    runid bigint primary key default pg_catalog.nextval('cron.runid_seq'),
    job_pid integer,
    database text,
    username text,
    command text,
    status text,
    return_message text,
    start_time timestamptz,
    end_time timestamptz
);
alter table cron.job_run_details enable row level security;
create policy cron_job_run_details_policy on cron.job_run_details using (username = current_user);
grant select, delete on cron.job_run_details to public;
grant select on sequence cron.runid_seq to public;

create function cron.job_cache_invalidate() returns trigger
    language plpgsql as $$ begin return null; end $$;

create function cron.schedule(schedule text, command text) returns bigint
    language sql strict
as $$
    insert into cron.job (schedule, command) values (schedule, command) returning jobid
$$;

create function cron.schedule(job_name text, schedule text, command text) returns bigint
    language sql
as $$
    insert into cron.job (jobname, schedule, command) values (job_name, schedule, command)
    on conflict (jobname, username) do update set schedule = excluded.schedule, command = excluded.command
    returning jobid
$$;

create function cron.schedule_in_database(
    job_name text,
    schedule text,
    command text,
    database text,
    username text default null,
    active boolean default true
) returns bigint
    language sql
as $$
    insert into cron.job (jobname, schedule, command, database, username, active)
    values (job_name, schedule, command, database, coalesce(username, current_user), active)
    on conflict (jobname, username) do update
        set schedule = excluded.schedule, command = excluded.command,
            database = excluded.database, active = excluded.active
    returning jobid
$$;

create function cron.unschedule(job_id bigint) returns boolean
    language plpgsql strict
as $$
begin
    delete from cron.job where jobid = job_id;
    if not found then
        raise exception 'could not find valid entry for job %', job_id;
    end if;
    return true;
end
$$;

create function cron.unschedule(job_name text) returns boolean
    language plpgsql strict
as $$
begin
    delete from cron.job where jobname = job_name and username = current_user;
    if not found then
        raise exception 'could not find valid entry for job ''%''', job_name;
    end if;
    return true;
end
$$;

create function cron.alter_job(
    job_id bigint,
    schedule text default null,
    command text default null,
    database text default null,
    username text default null,
    active boolean default null
) returns void
    language plpgsql
as $$
begin
    update cron.job j
       set schedule = coalesce(alter_job.schedule, j.schedule),
           command = coalesce(alter_job.command, j.command),
           database = coalesce(alter_job.database, j.database),
           username = coalesce(alter_job.username, j.username),
           active = coalesce(alter_job.active, j.active)
     where j.jobid = job_id;
    if not found then
        raise exception 'Job % does not exist or you don''t own it', job_id;
    end if;
end
$$;

revoke all on function cron.alter_job(bigint, text, text, text, text, boolean) from public;
revoke all on function cron.schedule_in_database(text, text, text, text, text, boolean) from public;
