"""Supabase Auth's audit log and refresh tokens are in the baseline (generator/baseline.sql).

Found in tutur3u: an analytics migration defines ``LANGUAGE sql`` functions that count
sign-ins in ``auth.audit_log_entries``. PostgreSQL checks such a body when the function
is created, so on a server without that table the migration failed ("relation does not
exist"), and ``verify`` and ``learn`` skipped it and the 145 later statements that
depend on it. A real Supabase database has the table: the migration applies, and its
rollback round-trips."""

from __future__ import annotations

import pytest

from generator.engine import generate
from generator.project import list_migrations

from _cli_support import project
from _oracle_support import round_trip_last

ANALYTICS = """create function public.sign_ins_today() returns bigint language sql stable security definer
set search_path = public as $$
  select count(*) from auth.audit_log_entries
  where created_at >= current_date and payload->>'action' = 'login';
$$;
create function public.live_sessions() returns bigint language sql stable as $$
  select count(distinct session_id) from auth.refresh_tokens where not coalesce(revoked, false);
$$;
create view public.recent_auth_events with (security_invoker = true) as
  select id, created_at, ip_address from auth.audit_log_entries;
"""


@pytest.mark.pg
def test_functions_reading_the_auth_log_apply_and_round_trip(pg_server, tmp_path, request):
    project(tmp_path, {"20240101000000_analytics.sql": ANALYTICS})
    mig = tmp_path / "supabase" / "migrations"
    assert generate(list_migrations(mig))[-1].manual_steps == []
    sql = round_trip_last(pg_server, mig, request.node.name)
    assert "DROP FUNCTION public.sign_ins_today()" in sql and "DROP VIEW public.recent_auth_events" in sql
