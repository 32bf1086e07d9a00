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

# A loop the generator cannot follow (it may enable RLS on every public table), whose own
# step a `-- rollback: none` annotation resolves, so that `check` can pass with it.
RLS_LOOP_NONE = """do $$
declare r record;
begin
  for r in select tablename from pg_tables where schemaname = 'public' loop
    execute format('alter table public.%I enable row level security', r.tablename);
  end loop;
end $$;
-- rollback: none
"""


def lend_server(monkeypatch: pytest.MonkeyPatch, server: object) -> None:
    """Make ``learn`` use ``server`` and leave it running when it is done."""

    class Borrowed:
        def __getattr__(self, name: str) -> object:
            return getattr(server, name)

        def stop(self) -> None:
            pass

    monkeypatch.setattr("generator.commands.learn.start", lambda: Borrowed())


def learn_into(server: object, mig) -> object:
    """``learn`` on the migrations folder ``mig``, its record written there; the outcome."""
    from generator.oracle import learn as oracle_learn
    from generator.oracle import record
    from generator.project import list_migrations

    out = oracle_learn.learn(server, list_migrations(mig))
    record.write(record.record_path(mig), out.entries)
    return out


def round_trip_last(server, mig, name: str, skip: tuple[str, ...] = ()) -> str:
    """Apply the history of ``mig`` (but the ``skip`` files), its last migration, then that
    migration's generated rollback: the schema before it is back exactly. Returns the SQL."""
    import psycopg

    from generator.engine import generate
    from generator.project import list_migrations
    from generator.render import render_sql
    from generator.snapshot import diff, snapshot
    from roundtrip import apply_migration, db_name, run_psql

    ms = list_migrations(mig)
    sql = render_sql(generate(ms)[-1])
    dbname = db_name(name)
    dsn = server.baseline_database(dbname)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for m in ms[:-1]:
                if m.path.name not in skip:
                    apply_migration(conn, m)
            before = snapshot(conn)
            apply_migration(conn, ms[-1])
        res = run_psql(server, dsn, sql)
        assert res.returncode == 0, res.stderr + "\n" + sql
        with psycopg.connect(dsn, autocommit=True) as conn:
            d = diff(before, snapshot(conn))
        assert d.ok(), f"{d}\n{sql}"
    finally:
        server.drop_database(dbname)
    return sql


def learned_entry(server: object, root, files: dict[str, str], learned: str):
    """Write a project of ``files`` under ``root``, check that its last rollback has a manual
    step without a record, run ``learn``: the migrations folder and the entry of the one
    statement learned in the migration whose name ends with ``learned``."""
    from _cli_support import project
    from generator.engine import generate
    from generator.project import list_migrations

    project(root, files)
    mig = root / "supabase" / "migrations"
    assert generate(list_migrations(mig))[-1].manual_steps  # distrusted without the record
    (entry,) = [e for e in learn_into(server, mig).entries if e.migration.endswith(learned)]
    return mig, entry
