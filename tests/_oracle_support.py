"""What the oracle's tests share: the DO loop they learn from (it may reach every public
table, and enables RLS only on those named audit_*), and the session's server lent to
``supabase-rollback learn``, which would otherwise start (and stop) its own."""

from __future__ import annotations

import pytest

AUDIT_RLS = """do $$
declare r record;
begin
  for r in select schemaname, tablename from pg_tables where schemaname = 'public' loop
    if r.tablename like 'audit_%' then
      execute format('alter table %I.%I enable row level security', r.schemaname, r.tablename);
    end if;
  end loop;
end $$;
"""


def lend_server(monkeypatch: pytest.MonkeyPatch, server: object) -> None:
    """Make ``learn`` use ``server`` and leave it running when it is done."""

    class Borrowed:
        def __getattr__(self, name: str) -> object:
            return getattr(server, name)

        def stop(self) -> None:
            pass

    monkeypatch.setattr("generator.commands.learn.start", lambda: Borrowed())
