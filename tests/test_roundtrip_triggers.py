"""Round trips (real PostgreSQL) for triggers and trigger functions."""

from __future__ import annotations

TABLE = "create table public.profiles (id uuid primary key, name text, updated_at timestamptz);"
TOUCH = (
    "create function public.touch() returns trigger language plpgsql as $$\n"
    "begin new.updated_at := now(); return new; end;\n$$;"
)
NEW_USER = (
    "create or replace function public.handle_new_user() returns trigger language plpgsql "
    "security definer set search_path = '' as $$\nbegin\n"
    "  insert into public.profiles (id) values (new.id);\n  return new;\nend;\n$$;"
)


def test_trigger_on_public_table(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TABLE, TOUCH],
        migration="create trigger profiles_touch before update on public.profiles "
        "for each row when (old.name is distinct from new.name) execute function public.touch();",
    )
    assert "DROP TRIGGER profiles_touch ON public.profiles;" in sql


def test_trigger_on_auth_users_with_its_function(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TABLE],
        migration=NEW_USER + "\ncreate trigger on_auth_user_created after insert on auth.users "
        "for each row execute procedure public.handle_new_user();",
    )
    assert sql.index("DROP TRIGGER on_auth_user_created ON auth.users;") < sql.index(
        "DROP FUNCTION public.handle_new_user();"
    )


def test_constraint_and_statement_triggers(roundtrip) -> None:
    roundtrip(
        history=[TABLE, TOUCH, "create table public.other (id int);",
                 "create function public.stmt() returns trigger language plpgsql as $$ begin return null; end $$;"],
        migration='create constraint trigger "Check It" after insert or update of name on public.profiles '
        "from public.other deferrable initially deferred for each row execute function public.touch();\n"
        "create trigger audit after update on public.profiles referencing new table as nt old table as ot "
        "for each statement execute function public.stmt();",
    )


def test_create_or_replace_trigger(roundtrip) -> None:
    roundtrip(
        history=[TABLE, TOUCH,
                 "create trigger t1 before update on public.profiles for each row execute function public.touch();",
                 "alter table public.profiles disable trigger t1;"],
        migration="create or replace trigger t1 before insert or update on public.profiles "
        "for each row execute function public.touch();",
    )


def test_drop_trigger(roundtrip) -> None:
    roundtrip(
        history=[TABLE, TOUCH,
                 "create trigger t1 before update on public.profiles for each row execute function public.touch();",
                 "alter table public.profiles enable replica trigger t1;",
                 "comment on trigger t1 on public.profiles is 'touches';"],
        migration="drop trigger if exists t1 on public.profiles; drop trigger if exists nope on public.profiles;",
    )


def test_drop_function_cascade_removes_trigger(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TABLE, TOUCH,
                 "create trigger t1 before update on public.profiles for each row execute function public.touch();",
                 "create trigger t2 before insert on public.profiles for each row execute function public.touch();",
                 "alter table public.profiles disable trigger t2;"],
        migration="drop function public.touch() cascade;",
    )
    assert "CREATE TRIGGER t1" in sql and "CREATE TRIGGER t2" in sql


def test_disable_enable_triggers(roundtrip) -> None:
    roundtrip(
        history=[TABLE, TOUCH,
                 "create trigger a before update on public.profiles for each row execute function public.touch();",
                 "create trigger b before insert on public.profiles for each row execute function public.touch();",
                 "alter table public.profiles disable trigger b;"],
        migration="alter table public.profiles disable trigger a, enable always trigger b;\n"
        "alter table public.profiles enable trigger user;\n"
        "alter table public.profiles disable trigger all;",
    )


def test_rename_trigger_and_function_quoted(roundtrip) -> None:
    roundtrip(
        history=[TABLE, TOUCH,
                 'create trigger "Touch Me" before update on public.profiles for each row execute function public.touch();'],
        migration='alter trigger "Touch Me" on public.profiles rename to "touch-me";\n'
        'alter function public.touch() rename to "Touch";\n'
        'drop trigger "touch-me" on public.profiles;',
    )


def test_replace_trigger_function(roundtrip) -> None:
    roundtrip(
        history=[TABLE, TOUCH,
                 "create trigger t1 before update on public.profiles for each row execute function public.touch();"],
        migration="create or replace function public.touch() returns trigger language plpgsql security definer as $$\n"
        "begin new.updated_at := clock_timestamp(); return new; end;\n$$;",
    )


def test_instead_of_trigger_on_view(roundtrip) -> None:
    roundtrip(
        history=[TABLE, "create view public.names as select id, name from public.profiles;",
                 "create function public.names_ins() returns trigger language plpgsql as $$\n"
                 "begin insert into public.profiles (id, name) values (new.id, new.name); return new; end;\n$$;"],
        migration="create trigger names_ins instead of insert on public.names "
        "for each row execute function public.names_ins();",
    )


def test_drop_function_cascade_recreates_its_policy_user(roundtrip) -> None:
    rb, sql = roundtrip(
        history=[TABLE, "alter table public.profiles enable row level security;",
                 "create function public.is_admin() returns boolean language sql stable as $$ select true $$;",
                 "create policy admins on public.profiles for select using (public.is_admin());"],
        migration="drop function public.is_admin() cascade;",
    )
    assert "CREATE POLICY admins ON public.profiles" in sql


def test_unqualified_trigger_under_search_path(roundtrip) -> None:
    roundtrip(
        history=["create schema app;", "create table app.items (id int, n int);",
                 "create function app.bump() returns trigger language plpgsql as $$ begin new.n := 1; return new; end $$;"],
        migration="set search_path = app; create trigger bump before insert on items for each row execute function bump();\n"
        "drop trigger bump on items;\n"
        "create trigger bump2 before insert on items for each row execute function bump();",
    )
