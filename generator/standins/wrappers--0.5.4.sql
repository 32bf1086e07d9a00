-- Stand-in for wrappers (supabase-rollback verify), minimal: its statistics table. The
-- <name>_fdw_handler functions the real extension provides need its C library, so a
-- migration creating a foreign data wrapper with one of them still fails here.

create table wrappers_fdw_stats (
    fdw_name text not null primary key,
    create_times bigint null,
    rows_in bigint null,
    rows_out bigint null,
    bytes_in bigint null,
    bytes_out bigint null,
    metadata jsonb null,
    created_at timestamptz not null default timezone('utc'::text, now()),
    updated_at timestamptz not null default timezone('utc'::text, now())
);
comment on table wrappers_fdw_stats is 'Wrappers Foreign Data Wrapper statistics';
