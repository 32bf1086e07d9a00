"""Round trips of migrations that use what a Supabase database has before the first one:
Realtime's broadcast table and functions, Auth's sessions and MFA factors (baseline.sql)."""

from __future__ import annotations


def test_broadcast_trigger_and_policy_on_realtime_messages(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create table public.rooms (id bigint primary key, name text);"],
        migration="""
        create function public.rooms_broadcast() returns trigger language plpgsql
        security definer set search_path = '' as $$
        begin
          perform realtime.broadcast_changes('room:' || coalesce(new.id, old.id)::text, tg_op, tg_op,
                                             tg_table_name, tg_table_schema, new, old);
          return null;
        end $$;
        create trigger rooms_broadcast after insert or update or delete on public.rooms
          for each row execute function public.rooms_broadcast();
        create policy "members read room topics" on realtime.messages for select to authenticated
          using (realtime.topic() like 'room:%');
        """,
    )
    assert 'DROP POLICY "members read room topics" ON realtime.messages' in sql
    assert "DROP FUNCTION public.rooms_broadcast()" in sql


def test_policy_that_requires_a_second_factor(roundtrip) -> None:
    rb, sql = roundtrip(
        history=["create table public.secrets (id bigint primary key, owner uuid);",
                 "alter table public.secrets enable row level security;"],
        migration="""
        create policy "aal2 only" on public.secrets as restrictive for all to authenticated
          using ((select auth.jwt() ->> 'aal') = 'aal2'
                 or not exists (select 1 from auth.mfa_factors f where f.user_id = auth.uid() and f.status = 'verified'));
        create index secrets_owner on public.secrets (owner);
        """,
    )
    assert not rb.manual_steps
    assert 'DROP POLICY "aal2 only" ON public.secrets' in sql
