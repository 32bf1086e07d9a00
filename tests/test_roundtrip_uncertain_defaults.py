"""Default privileges changed where the generator cannot follow (a DO block's dynamic
``ALTER DEFAULT PRIVILEGES``, one it does not model): objects created afterwards get
privileges the catalog does not know. Rollbacks that recreate an older object clear what
PostgreSQL gave it and grant the recorded privileges (exact, real server); inverses of
GRANT/REVOKE on an object created afterwards are manual steps, except for roles whose
privileges a ``GRANT ALL`` / ``REVOKE ALL`` made known again."""

from __future__ import annotations

from roundtrip import make_migrations

from generator.engine import generate

# The shape real projects write: a loop over owner roles, statements built with format().
HARDEN = """do $$
declare
  owner_role name;
begin
  for owner_role in select rolname from pg_roles where rolname = current_user loop
    execute format('alter default privileges for role %I in schema public
      revoke all privileges on functions from public, anon, authenticated, service_role', owner_role);
    execute format('alter default privileges for role %I in schema public
      revoke all privileges on tables from public, anon, authenticated, service_role', owner_role);
  end loop;
end $$;"""

OLD = """create table public.notes (id bigint primary key, body text);
create function public.note_count() returns bigint language sql stable as 'select count(*) from public.notes';
revoke execute on function public.note_count() from anon;"""


def _generate(history: list[str], migration: str):
    (rb,) = generate(make_migrations(history, migration, "20990101000000"), targets={"20990101000000"})
    return rb


def test_function_recreated_after_the_defaults_changed_gets_its_old_privileges(roundtrip) -> None:
    # the rollback recreates note_count; PostgreSQL's defaults would now give it nothing
    rb, sql = roundtrip(history=[OLD, HARDEN], migration=(
        "drop function if exists public.note_count();\n"
        "create function public.note_count() returns bigint language sql stable\n"
        "  as 'select count(*) from public.notes where body is not null';\n"
        "revoke all on function public.note_count() from public;\n"
        "grant execute on function public.note_count() to authenticated;"))
    assert "REVOKE ALL ON FUNCTION public.note_count() FROM %s" in sql
    assert "GRANT EXECUTE ON FUNCTION public.note_count() TO authenticated;" in sql


def test_table_recreated_after_the_defaults_changed_gets_its_old_privileges(roundtrip) -> None:
    rb, sql = roundtrip(history=[OLD, HARDEN], migration="drop function public.note_count();\ndrop table public.notes;")
    assert "REVOKE ALL ON TABLE public.notes FROM %s" in sql


def test_grant_on_a_table_created_afterwards_is_a_manual_step(roundtrip) -> None:
    rb, sql = roundtrip(history=[HARDEN, "create table public.later (id bigint primary key);"],
                        migration="grant select, insert on table public.later to authenticated;",
                        expect_manual=True)
    (step,) = rb.manual_steps
    assert "privileges on table public.later are not known" in step.manual
    assert "DO block at supabase/migrations/20240101000000_history_0.sql" in step.manual


def test_roles_made_known_again_by_revoke_all_are_exact(roundtrip) -> None:
    rb, sql = roundtrip(history=[HARDEN, "create table public.later (id bigint primary key);\n"
                                         "revoke all on table public.later from anon, authenticated;"],
                        migration="grant select on table public.later to authenticated;")
    assert "REVOKE SELECT ON TABLE public.later FROM authenticated;" in sql


def test_grants_on_an_object_the_migration_creates_stay_automatic(roundtrip) -> None:
    roundtrip(history=[HARDEN], migration=(
        "create table public.fresh (id bigint primary key);\n"
        "grant select on table public.fresh to authenticated;"))


def test_dropping_a_table_created_afterwards_is_manual() -> None:
    rb = _generate([HARDEN, "create table public.later (id bigint primary key);"], "drop table public.later;")
    assert any("privileges on table public.later are not known" in s.manual for s in rb.manual_steps)


def test_objects_in_other_schemas_keep_known_privileges() -> None:
    rb = _generate([HARDEN, "create schema app;\ncreate table app.t (id bigint primary key);"],
                   "grant select on table app.t to authenticated;")
    assert not rb.manual_steps


def test_a_static_alter_default_privileges_afterwards_is_manual() -> None:
    rb = _generate([HARDEN], "alter default privileges in schema public grant select on tables to anon;")
    (step,) = rb.manual_steps
    assert "default privileges it changes are not known" in step.manual


def test_default_privileges_the_generator_does_not_model_leave_later_objects_uncertain() -> None:
    rb = _generate(["alter default privileges in schema public grant select on tables to anon with grant option;",
                    "create table public.t (id bigint primary key);"],
                   "grant update on table public.t to anon;")
    assert any("privileges on table public.t are not known" in s.manual for s in rb.manual_steps)
