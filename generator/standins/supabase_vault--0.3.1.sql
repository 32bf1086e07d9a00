-- Stand-in for supabase_vault (supabase-rollback verify): vault.secrets, the
-- vault.decrypted_secrets view and the functions migrations call, with the same
-- signatures. There is no encryption: the secret column holds the text base64-encoded,
-- and decrypted_secret decodes it, so a migration reading a secret gets it back.

create function vault._crypto_aead_det_encrypt(
    message bytea, additional bytea, key_id bigint, context bytea = 'pgsodium', nonce bytea = null
) returns bytea language sql immutable as $$ select message $$;

create function vault._crypto_aead_det_decrypt(
    message bytea, additional bytea, key_id bigint, context bytea = 'pgsodium', nonce bytea = null
) returns bytea language sql immutable as $$ select message $$;

create function vault._crypto_aead_det_noncegen() returns bytea
    language sql as $$ select decode(md5(random()::text), 'hex') $$;

create table vault.secrets (
    id uuid primary key default gen_random_uuid(),
    name text,
    description text not null default '',
    secret text not null,
    key_id uuid,
    nonce bytea default vault._crypto_aead_det_noncegen(),
    created_at timestamptz not null default current_timestamp,
    updated_at timestamptz not null default current_timestamp
);
comment on table vault.secrets is 'Stand-in: secrets are base64-encoded, not encrypted.';
create unique index on vault.secrets using btree (name) where name is not null;

create view vault.decrypted_secrets as
select s.id,
       s.name,
       s.description,
       s.secret,
       convert_from(decode(s.secret, 'base64'), 'utf8') as decrypted_secret,
       s.key_id,
       s.nonce,
       s.created_at,
       s.updated_at
  from vault.secrets s;

create function vault.create_secret(
    new_secret text,
    new_name text = null,
    new_description text = '',
    new_key_id uuid = null
) returns uuid
    language sql security definer set search_path = ''
as $$
    insert into vault.secrets (secret, name, description)
    values (encode(convert_to(new_secret, 'utf8'), 'base64'), new_name, new_description)
    returning id
$$;

create function vault.update_secret(
    secret_id uuid,
    new_secret text = null,
    new_name text = null,
    new_description text = null,
    new_key_id uuid = null
) returns void
    language sql security definer set search_path = ''
as $$
    update vault.secrets s
       set secret = coalesce(encode(convert_to(new_secret, 'utf8'), 'base64'), s.secret),
           name = coalesce(new_name, s.name),
           description = coalesce(new_description, s.description),
           updated_at = now()
     where s.id = secret_id
$$;

revoke all on function vault._crypto_aead_det_encrypt(bytea, bytea, bigint, bytea, bytea) from public;
revoke all on function vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea) from public;
revoke all on function vault._crypto_aead_det_noncegen() from public;
revoke all on function vault.create_secret(text, text, text, uuid) from public;
revoke all on function vault.update_secret(uuid, text, text, text, uuid) from public;

select pg_catalog.pg_extension_config_dump('vault.secrets', '');
