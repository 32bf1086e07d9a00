"""Round trip (real PostgreSQL): a SELECT that only reads the catalogs and the project's
tables, naming tables in its strings, leaves them trusted; a later DROP TABLE of one is
undone exactly, triggers and policies included."""

from __future__ import annotations

HISTORY = [
    """create table public.tasks (id bigint primary key, title text not null, updated_at timestamptz);
    create function public.touch() returns trigger language plpgsql as $$
    begin new.updated_at = now(); return new; end $$;
    create trigger tasks_touch before update on public.tasks for each row execute function public.touch();
    alter table public.tasks enable row level security;
    create policy tasks_read on public.tasks for select to authenticated using (true);""",
    """select c.relname, t.tgname, pg_get_triggerdef(t.oid)
    from pg_trigger t join pg_class c on t.tgrelid = c.oid join pg_namespace n on c.relnamespace = n.oid
    where n.nspname = 'public' and c.relname in ('tasks') and not t.tgisinternal;
    select count(*) from public.tasks;""",
]


def test_table_named_by_a_reading_select_is_recreated_exactly(roundtrip) -> None:
    rb, sql = roundtrip(history=HISTORY, migration="drop table public.tasks;")
    assert not rb.manual_steps
    assert "CREATE TRIGGER tasks_touch" in sql and "CREATE POLICY tasks_read" in sql
