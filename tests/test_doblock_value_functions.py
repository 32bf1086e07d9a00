"""A seed DO block that calls pgcrypto through ``extensions`` (generator/handlers/doblocks.py).

The block cannot be decided statically (it stores a query result in a variable), so the
objects it may have changed are distrusted. A call of a function the catalog does not know,
in a schema of its own, may build SQL from any name in the block, so every table the block
names was distrusted too: ``extensions.crypt('pw', extensions.gen_salt('bf'))`` made every
later policy reading ``public.roles`` a manual step (GolferGeek's user seeds). pgcrypto's
and uuid-ossp's functions compute a value and run no SQL."""

from __future__ import annotations

from test_preflight import _rollback

HISTORY = [
    "create table public.roles (id uuid primary key default gen_random_uuid(), name text not null);\n"
    "create table public.members (id bigint generated always as identity primary key, role_id uuid, pw text);\n"
    "alter table public.members enable row level security;\n"
    "create policy members_admins on public.members for select\n"
    "  using (exists (select 1 from public.roles r where r.id = role_id and r.name = 'admin'));",
    """do $$
declare rid uuid;
begin
  select id into rid from public.roles where name = 'admin';
  insert into public.members (role_id, pw) values (rid, extensions.crypt('secret', extensions.gen_salt('bf')));
end $$;""",
]


def test_a_seed_calling_pgcrypto_leaves_the_tables_it_names_trusted(roundtrip):
    rb, sql = roundtrip(history=HISTORY, migration="drop policy members_admins on public.members;")
    assert not rb.manual_steps
    assert "CREATE POLICY members_admins" in sql


def test_a_function_of_its_own_schema_still_distrusts_them():
    history = [HISTORY[0], "create schema util;\ncreate function util.pw(t text) returns text language sql as 'select t';",
               HISTORY[1].replace("extensions.crypt('secret', extensions.gen_salt('bf'))", "util.pw('secret')")]
    _, rb = _rollback(history, "drop policy members_admins on public.members;")
    assert "may have been changed by the DO block" in rb.manual_steps[0].manual
