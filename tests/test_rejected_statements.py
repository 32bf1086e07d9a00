"""Statements that parse but that PostgreSQL rejects when the migration runs.

Two shapes real projects have, written here in our own words:

- a function whose parameters put one without a default after one with a default (someone
  added defaults to two middle parameters): ``ERROR 42P13``;
- a PL/pgSQL body whose ``RAISE`` message has a ``%`` too many or too few for its
  arguments (``'... 100%. got %'``): ``ERROR 42601`` when the function is created.

Such a file cannot have been applied as written. Before, the catalog recorded the rejected
definition as if it had run, and a later rollback "restored" it: the rollback itself then
failed on the server with the same error. Now the file is reported like one that does not
parse (no rollback, exit 2), and what it defines is distrusted: the next rollback that
would need it is a manual step with the reason; once a later migration redefines the
function, rollbacks after that are automatic again.
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from generator.engine import generate
from generator.parse import InputError, Migration, parse_statements
from generator.rejects import rejection, rejections
from generator.salvage import Rejected, salvage

from _cli_support import _cache, project, run  # noqa: F401  (_cache: an autouse fixture)

V = [str(20250301000000 + i) for i in range(6)]


def migs(*texts: str) -> list[Migration]:
    return [Migration(version=V[i], name=f"m{i}", path=Path(f"m/{V[i]}_m{i}.sql"), text=t) for i, t in enumerate(texts)]


def plpgsql(body: str, params: str = "", returns: str = "integer") -> str:
    return f"create or replace function public.probe({params}) returns {returns} language plpgsql as $$\n{body}\n$$;"


# == the verdicts agree with the server ==========================================================

# (file text, what PostgreSQL says, or None when it accepts the file)
CASES = [
    # parameter defaults
    ("create function public.probe(a int, b int default 1, c int) returns int language sql as 'select 1';",
     "input parameters after one with a default value must also have defaults"),
    ("create function public.probe(a int, b int default 1, c int default 2) returns int language sql as 'select 1';",
     None),
    ("create function public.probe(a int default 1, out b int, out c int) language sql as 'select 1, 2';", None),
    ("create function public.probe(a int default 1, variadic v int[]) returns int language sql as 'select 1';",
     "input parameters after one with a default value must also have defaults"),
    ("create function public.probe(out a int default 1) language sql as 'select 1';",
     "only input parameters can have default values"),
    ("create procedure public.probe(a int default 1, out b int) language plpgsql as $$ begin b := a; end $$;",
     "procedure OUT parameters cannot appear after one with a default value"),
    ("create procedure public.probe(out b int, a int default 1) language plpgsql as $$ begin b := a; end $$;", None),
    # RAISE arguments
    (plpgsql("begin raise exception 'at most 100%. got %', 7; end;"), "too few parameters specified for RAISE"),
    (plpgsql("begin raise exception 'task % at 100%%. got %%', 1, 2; end;"), "too many parameters specified for RAISE"),
    (plpgsql("begin raise exception 'at most 100%%. got %', 7; end;"), None),
    (plpgsql("begin raise notice 'no arguments, 50%%'; raise exception using message = 'a % b'; end;"), None),
    (plpgsql("begin raise exception 'code %', 1 using errcode = 'P0001'; return 1; end;"), None),
    # other certain PL/pgSQL errors
    (plpgsql("begin select 1 2; end;"), 'syntax error at or near "2"'),
    (plpgsql("begin if true then return 1; end;"), "syntax error at or near \";\""),
    # SQL-language bodies
    ("create function public.probe() returns int language sql as $$ select 1 frm x $$;", 'syntax error at or near "x"'),
    ("create function public.probe() returns int language sql as $$ select 1 $$;", None),
    # pg_dump files turn body checks off: the server then accepts a body that does not compile
    ("set check_function_bodies = false;\n" + plpgsql("begin raise exception 'at 100%. got %', 7; end;"), None),
    ("set check_function_bodies = off;\nreset check_function_bodies;\n" + plpgsql("begin select 1 2; end;"),
     'syntax error at or near "2"'),
    ("select pg_catalog.set_config('check_function_bodies', 'false', false);\n"
     + plpgsql("begin select 1 2; end;"), None),
    # ... but not the rule on defaults
    ("set check_function_bodies = false;\n"
     "create function public.probe(a int default 1, b int) returns int language sql as 'select 1';",
     "input parameters after one with a default value must also have defaults"),
    # DO blocks compile when they run, whatever check_function_bodies says
    ("set check_function_bodies = false;\ndo $$ begin raise notice 'done: 100%. rows %', 3; end $$;",
     "too few parameters specified for RAISE"),
    ("do $$ begin raise notice 'done: 100%%'; end $$;", None),
    # what the PL/pgSQL parser alone cannot know is never a verdict: a variable of a type
    # the migration made (the parser without a database guesses it is a scalar)
    ("create type public.stage as (n int, label text);\n"
     + plpgsql("declare s public.stage; begin select 1, 'a' into s; return s.n; end;"), None),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_verdict(text, expected):
    found = rejections(parse_statements(text, Path("x.sql")))
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0][1].startswith(expected), found


def test_the_server_agrees_with_every_verdict(pg_db):
    """Each case run on PostgreSQL: it fails with the message the generator predicts, or
    runs (and then the generator predicted nothing)."""
    for text, expected in CASES:
        with pg_db.connect() as conn:
            try:
                with conn.transaction():
                    conn.execute(text.encode())
                    raise _Accepted
            except _Accepted:
                assert expected is None, f"the server accepts what the generator rejects:\n{text}"
            except psycopg.Error as exc:
                assert expected is not None, f"the server rejects ({exc}) what the generator accepts:\n{text}"
                assert str(exc).startswith(expected), (str(exc), text)


class _Accepted(Exception):
    pass


def test_rejection_ignores_other_statements():
    assert rejection(parse_statements("create table t (a int default 1, b int);", Path("x"))[0].node) is None


# == a file with a rejected statement ============================================================

BASE = ("create table public.tasks (id int primary key, weight int not null);\n"
        + plpgsql("begin return (select coalesce(sum(weight), 0) from public.tasks); end;", returns="integer")
        .replace("public.probe", "public.total_weight") + "\n")
BAD_RAISE = (plpgsql("begin raise exception 'over 100%. total %', 1; end;").replace("public.probe", "public.total_weight")
             + "\ncreate table public.notes (id int primary key);\n")
FIX = plpgsql("begin return (select coalesce(sum(weight), 0) + 1 from public.tasks); end;").replace(
    "public.probe", "public.total_weight")
AGAIN = plpgsql("begin return (select coalesce(sum(weight), 0) + 2 from public.tasks); end;").replace(
    "public.probe", "public.total_weight")


def test_migration_statements_raise_with_where_and_why():
    with pytest.raises(InputError) as err:
        migs(BAD_RAISE)[0].statements()
    first = str(err.value).splitlines()[0]
    assert first == f"m/{V[0]}_m0.sql:1: too few parameters specified for RAISE"
    assert "cannot have been applied as written" in str(err.value)


def test_salvage_marks_the_rejected_statement_and_keeps_the_others():
    items = salvage(BAD_RAISE, Path("x.sql")).items
    assert isinstance(items[0], Rejected) and items[0].why == "too few parameters specified for RAISE"
    assert not isinstance(items[1], Rejected) and "notes" in items[1].sql


def test_the_rollback_after_a_rejected_redefinition_is_a_manual_step_then_automatic_again():
    rbs = generate(migs(BASE, BAD_RAISE, FIX, AGAIN))
    assert rbs[1].broken is not None and "too few parameters specified for RAISE" in rbs[1].broken
    (manual,) = rbs[2].manual_steps
    assert f"m/{V[1]}_m1.sql:1 defines it in a way PostgreSQL rejects (too few parameters specified for RAISE)" \
        in manual.manual
    assert "function public.total_weight() may have been created or replaced by hand" in manual.manual
    # FIX defined it for good: the next rollback restores FIX's definition
    assert rbs[3].manual_steps == []
    (restore,) = rbs[3].steps
    assert "+ 1 from public.tasks" in restore.sql[0]
    # the rest of the rejected file is read as usual: its table is dropped by nobody, known to the catalog
    assert [s for s in generate(migs(BASE, BAD_RAISE, "drop table public.notes;"))[2].steps if s.manual] == []


DEFAULTS_BAD = ("create or replace function public.book(p_slot uuid, p_adults int default null, p_price numeric(10,2))\n"
                "returns int language sql as 'select 1';\n")
OVERLOAD = "create function public.book(p_slot uuid, p_price numeric(10,2)) returns int language sql as 'select 2';\n"
CLEANUP = ("drop function if exists public.book(uuid, integer, numeric);\n"
           "drop function if exists public.book(uuid, numeric);\n")


def test_a_drop_if_exists_of_a_rejected_signature_is_a_manual_step():
    """The rejected overload may exist (corrected by hand) or not: its DROP IF EXISTS cannot
    be undone blindly; the other overload, known, comes back."""
    rb = generate(migs(OVERLOAD, DEFAULTS_BAD, CLEANUP))[2]
    (manual,) = rb.manual_steps
    assert manual.title == "Manual step: recreate function public.book(uuid, integer, numeric)"
    assert "input parameters after one with a default value must also have defaults" in manual.manual
    assert any(s.title == "Recreate function public.book(uuid, numeric)" for s in rb.steps)


def test_a_plain_create_after_a_rejected_one_proves_the_signature_was_free():
    later = "create function public.book(p_slot uuid, p_adults int, p_price numeric) returns int language sql as 'select 3';"
    rb = generate(migs(DEFAULTS_BAD, later))[1]
    assert rb.manual_steps == []
    assert [s.sql for s in rb.steps] == [["DROP FUNCTION public.book(uuid, integer, numeric);"]]


def test_a_rejected_function_whose_signature_cannot_be_resolved_distrusts_its_name():
    bad = ("create function public.book(p_slot public.slots.id%type default null, p_n int) returns int "
           "language sql as 'select 1';\n")
    later = "create or replace function public.book(p_x int) returns int language sql as 'select 1';\n"
    rb = generate(migs(OVERLOAD, bad, later))[2]
    (manual,) = rb.manual_steps
    assert f"m/{V[1]}_m1.sql:1" in manual.manual


REJECTING_PROJECT = {
    f"{V[0]}_base.sql": BASE,
    f"{V[1]}_bad.sql": BAD_RAISE,
    f"{V[2]}_fix.sql": FIX,
    f"{V[3]}_again.sql": AGAIN,
    f"{V[4]}_overload.sql": OVERLOAD,
    f"{V[5]}_defaults.sql": DEFAULTS_BAD,
}


def test_generate_names_the_rejected_file_and_writes_every_other_rollback(tmp_path, monkeypatch):
    root = project(tmp_path, REJECTING_PROJECT)
    monkeypatch.chdir(root)
    res = run("generate")
    assert res.exit_code == 2, res.output
    assert f"supabase/migrations/{V[1]}_bad.sql:1: too few parameters specified for RAISE" in res.stderr
    assert (f"supabase/migrations/{V[5]}_defaults.sql:1: input parameters after one with a default value must "
            "also have defaults (p_price has none, p_adults has one)") in res.stderr
    written = sorted(p.name for p in (root / "supabase" / "rollbacks").glob("rollback_*.sql"))
    assert written == [f"rollback_{V[i]}_{n}.sql" for i, n in ((0, "base"), (2, "fix"), (3, "again"), (4, "overload"))]


def test_verify_on_a_real_server(tmp_path, monkeypatch):
    """On the server the rejected files fail and are not applied; the rollback after the
    first one is a manual step (not run), the one after that restores the definition that
    is really there, and the others verify."""
    root = project(tmp_path, REJECTING_PROJECT)
    monkeypatch.chdir(root)
    res = run("verify")
    assert res.exit_code == 2, res.output
    out = res.stdout
    for v, name in ((0, "base"), (3, "again"), (4, "overload")):
        assert re.search(rf"^verified\s+{V[v]}_{name}\s", out, re.M), out
    assert re.search(rf"^manual steps\s+{V[2]}_fix\s", out, re.M), out
    assert "too few parameters specified for RAISE" in out


def test_checking_a_statement_leaves_its_tree_as_it_was():
    """The check reads the statement's text: rendering the tree would link every node to its
    parents, and the replay's copy of a large function then recursed without end."""
    params = ", ".join(f"p{i} numeric(10,2) default {i}" for i in range(40))
    body = "\n".join(f"  if p{i} > {i} then x := x + p{i}; elsif p{i} < 0 then x := x - 1; end if;" for i in range(40))
    text = (f"create function public.wide({params}) returns numeric language plpgsql as $$\n"
            f"declare x numeric := 0;\nbegin\n{body}\n  return x;\nend;\n$$;")
    (rb,) = generate(migs(text))
    assert rb.broken is None
    assert rb.steps[0].sql == [f"DROP FUNCTION public.wide({', '.join(['numeric'] * 40)});"]


def test_a_do_block_that_does_not_compile_makes_its_file_broken_and_is_distrusted_like_one_that_does_not_parse():
    bad = ("do $$ begin\n  update public.tasks set weight = 0;\n  raise notice 'reset 100%. rows %', 1;\nend $$;\n"
           "create table public.notes (id int primary key);\n")
    rbs = generate(migs(BASE, bad, "alter table public.tasks drop column weight;", "drop table public.notes;"))
    assert rbs[1].broken.startswith(f"m/{V[1]}_m1.sql:1: too few parameters specified for RAISE")
    # the DO block's handler distrusts the table its body names; the rest of the file is read
    assert rbs[2].manual_steps and "public.tasks" in rbs[2].manual_steps[0].manual
    assert rbs[3].manual_steps == []
