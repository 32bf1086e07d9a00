-- Stand-in for pgjwt (supabase-rollback verify): the same functions and signatures,
-- written anew; HS256/HS384/HS512 tokens signed with pgcrypto's hmac().

create function @extschema@.url_encode(data bytea) returns text
    language sql immutable
as $$ select translate(encode(data, 'base64'), E'+/=\n', '-_') $$;

create function @extschema@.url_decode(data text) returns bytea
    language sql immutable
as $$
    select decode(t || repeat('=', (4 - length(t) % 4) % 4), 'base64')
      from (select translate(data, '-_', '+/') as t) s
$$;

create function @extschema@.algorithm_sign(signables text, secret text, algorithm text) returns text
    language sql immutable
as $$
    select @extschema@.url_encode(hmac(signables, secret,
        case algorithm when 'HS256' then 'sha256' when 'HS384' then 'sha384' when 'HS512' then 'sha512' else '' end))
$$;

create function @extschema@.sign(payload json, secret text, algorithm text default 'HS256') returns text
    language sql immutable
as $$
    select parts || '.' || @extschema@.algorithm_sign(parts, secret, algorithm)
      from (select @extschema@.url_encode(convert_to('{"alg":"' || algorithm || '","typ":"JWT"}', 'utf8'))
                   || '.' || @extschema@.url_encode(convert_to(payload::text, 'utf8')) as parts) s
$$;

create function @extschema@.try_cast_double(inp text) returns double precision
    language plpgsql immutable
as $$
begin
    return inp::double precision;
exception when others then
    return null;
end
$$;

create function @extschema@.verify(token text, secret text, algorithm text default 'HS256')
    returns table (header json, payload json, valid boolean)
    language sql immutable
as $$
    select convert_from(@extschema@.url_decode(p[1]), 'utf8')::json,
           convert_from(@extschema@.url_decode(p[2]), 'utf8')::json,
           p[3] = @extschema@.algorithm_sign(p[1] || '.' || p[2], secret, algorithm)
           and coalesce(to_timestamp(@extschema@.try_cast_double(convert_from(@extschema@.url_decode(p[2]), 'utf8')::json ->> 'exp')) > now(), true)
           and coalesce(to_timestamp(@extschema@.try_cast_double(convert_from(@extschema@.url_decode(p[2]), 'utf8')::json ->> 'nbf')) <= now(), true)
      from (select string_to_array(token, '.') as p) s
$$;
