-- Stand-in for pgsodium (supabase-rollback verify), minimal: the key table and its types,
-- random bytes, and the secretbox functions with pgsodium's signatures. "Encryption" is
-- the identity, so opening what was sealed gives it back.

create type pgsodium.key_status as enum ('default', 'valid', 'invalid', 'expired');
create type pgsodium.key_type as enum (
    'aead-ietf', 'aead-det', 'hmacsha512', 'hmacsha256', 'auth', 'shorthash', 'generichash',
    'kdf', 'secretbox', 'secretstream', 'stream_xchacha20'
);

create table pgsodium.key (
    id uuid primary key default gen_random_uuid(),
    status pgsodium.key_status default 'valid',
    created timestamptz not null default current_timestamp,
    expires timestamptz,
    key_type pgsodium.key_type,
    key_id bigserial,
    key_context bytea default 'pgsodium',
    name text constraint pgsodium_key_unique_name unique,
    associated_data text default 'associated',
    raw_key bytea,
    raw_key_nonce bytea,
    parent_key uuid references pgsodium.key (id),
    comment text,
    user_data text
);
alter table pgsodium.key alter column key_id drop not null;
select pg_catalog.pg_extension_config_dump('pgsodium.key', '');

create function pgsodium.randombytes_buf(size integer) returns bytea
    language sql
as $$ select substring(decode(string_agg(md5(random()::text), ''), 'hex') from 1 for size)
        from generate_series(1, greatest(1, (size + 15) / 16)) $$;

create function pgsodium.crypto_secretbox_keygen() returns bytea
    language sql as $$ select pgsodium.randombytes_buf(32) $$;
create function pgsodium.crypto_secretbox_noncegen() returns bytea
    language sql as $$ select pgsodium.randombytes_buf(24) $$;

create function pgsodium.crypto_secretbox(message bytea, nonce bytea, key bytea) returns bytea
    language sql as $$ select message $$;
create function pgsodium.crypto_secretbox(message bytea, nonce bytea, key_id bigint, context bytea = 'pgsodium') returns bytea
    language sql as $$ select message $$;
create function pgsodium.crypto_secretbox(message bytea, nonce bytea, key_uuid uuid) returns bytea
    language sql as $$ select message $$;
create function pgsodium.crypto_secretbox_open(ciphertext bytea, nonce bytea, key bytea) returns bytea
    language sql as $$ select ciphertext $$;
create function pgsodium.crypto_secretbox_open(message bytea, nonce bytea, key_id bigint, context bytea = 'pgsodium') returns bytea
    language sql as $$ select message $$;
create function pgsodium.crypto_secretbox_open(message bytea, nonce bytea, key_uuid uuid) returns bytea
    language sql as $$ select message $$;

create function pgsodium.create_key(
    key_type pgsodium.key_type = 'aead-det',
    name text = null,
    raw_key bytea = null,
    raw_key_nonce bytea = null,
    parent_key uuid = null,
    key_context bytea = 'pgsodium',
    expires timestamptz = null,
    associated_data text = ''
) returns setof pgsodium.key
    language sql
as $$
    insert into pgsodium.key (key_type, name, raw_key, raw_key_nonce, parent_key, key_context, expires, associated_data)
    values (key_type, name, raw_key, raw_key_nonce, parent_key, key_context, expires, associated_data)
    returning *
$$;
