-- Stand-in for http (pgsql-http; supabase-rollback verify): its types and functions with
-- the same signatures. Functions defined with them apply; a request made while the
-- migration runs raises an error that verify reports as a limit of the test server.

create domain @extschema@.http_method as text;
create domain @extschema@.content_type as text check (value ~ '^\S+\/\S+');

create type @extschema@.http_header as (field varchar, value varchar);
create type @extschema@.http_response as (
    status integer,
    content_type varchar,
    headers @extschema@.http_header[],
    content varchar
);
create type @extschema@.http_request as (
    method @extschema@.http_method,
    uri varchar,
    headers @extschema@.http_header[],
    content_type varchar,
    content varchar
);

create function @extschema@.http_set_curlopt(curlopt varchar, value varchar) returns boolean
    language sql as $$ select true $$;
create function @extschema@.http_reset_curlopt() returns boolean
    language sql as $$ select true $$;
create function @extschema@.http_list_curlopt() returns table (curlopt text, value text)
    language sql as $$ select null::text, null::text where false $$;

create function @extschema@.http_header(field varchar, value varchar) returns @extschema@.http_header
    language sql as $$ select row(field, value)::@extschema@.http_header $$;

create function @extschema@.http(request @extschema@.http_request) returns @extschema@.http_response
    language plpgsql
as $$
begin
    raise exception using errcode = '0A000',
        message = 'the stand-in for extension "http" cannot send HTTP requests';
end
$$;

create function @extschema@.http_get(uri varchar) returns @extschema@.http_response
    language sql as $$ select @extschema@.http(row('GET', uri, null, null, null)::@extschema@.http_request) $$;
create function @extschema@.http_post(uri varchar, content varchar, content_type varchar) returns @extschema@.http_response
    language sql as $$ select @extschema@.http(row('POST', uri, null, content_type, content)::@extschema@.http_request) $$;
create function @extschema@.http_put(uri varchar, content varchar, content_type varchar) returns @extschema@.http_response
    language sql as $$ select @extschema@.http(row('PUT', uri, null, content_type, content)::@extschema@.http_request) $$;
create function @extschema@.http_patch(uri varchar, content varchar, content_type varchar) returns @extschema@.http_response
    language sql as $$ select @extschema@.http(row('PATCH', uri, null, content_type, content)::@extschema@.http_request) $$;
create function @extschema@.http_delete(uri varchar) returns @extschema@.http_response
    language sql as $$ select @extschema@.http(row('DELETE', uri, null, null, null)::@extschema@.http_request) $$;
create function @extschema@.http_delete(uri varchar, content varchar, content_type varchar) returns @extschema@.http_response
    language sql as $$ select @extschema@.http(row('DELETE', uri, null, content_type, content)::@extschema@.http_request) $$;
create function @extschema@.http_head(uri varchar) returns @extschema@.http_response
    language sql as $$ select @extschema@.http(row('HEAD', uri, null, null, null)::@extschema@.http_request) $$;

-- Percent-encoding of everything but RFC 3986's unreserved characters.
create function @extschema@.urlencode(string bytea) returns text
    language sql immutable strict
as $$
    select coalesce(string_agg(
        case when b between 48 and 57 or b between 65 and 90 or b between 97 and 122 or b in (45, 46, 95, 126)
             then chr(b) else '%' || upper(lpad(to_hex(b), 2, '0')) end, '' order by i), '')
      from (select i, get_byte(string, i) as b from generate_series(0, length(string) - 1) i) s
$$;
create function @extschema@.urlencode(string varchar) returns text
    language sql immutable strict
as $$ select @extschema@.urlencode(convert_to(string, 'utf8')) $$;
create function @extschema@.urlencode(data jsonb) returns text
    language sql immutable strict
as $$
    select coalesce(string_agg(@extschema@.urlencode(convert_to(key, 'utf8')) || '='
                               || @extschema@.urlencode(convert_to(value, 'utf8')), '&'), '')
      from jsonb_each_text(data)
$$;

create function @extschema@.http_get(uri varchar, data jsonb) returns @extschema@.http_response
    language sql
as $$ select @extschema@.http(row('GET', uri || '?' || @extschema@.urlencode(data), null, null, null)::@extschema@.http_request) $$;
create function @extschema@.http_post(uri varchar, data jsonb) returns @extschema@.http_response
    language sql
as $$ select @extschema@.http(row('POST', uri, null, 'application/x-www-form-urlencoded', @extschema@.urlencode(data))::@extschema@.http_request) $$;

create function @extschema@.text_to_bytea(data text) returns bytea
    language sql immutable strict as $$ select convert_to(data, 'utf8') $$;
create function @extschema@.bytea_to_text(data bytea) returns text
    language sql immutable strict as $$ select convert_from(data, 'utf8') $$;
