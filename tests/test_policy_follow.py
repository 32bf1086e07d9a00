"""Policy expressions follow the renames of the tables and columns they name.

PostgreSQL binds a policy's names once; a later rename leaves the policy reading the same
column under its new name. Found by the corpus: a column renamed to make room for a new
column of the old name, named by policies of other tables in subqueries; the rollback of
a later migration recreated those policies reading the new column.
"""

from __future__ import annotations

from pathlib import Path

from generator.engine import generate
from generator.parse import Migration

TABLES = (
    "create table public.staff (id int primary key, mail text, admin boolean);"
    " create table public.docs (id int primary key, author text, tag text);"
)


def _rollbacks(*texts: str):
    migs = [Migration(version=str(20240101000000 + i), name=f"m{i}", path=Path(f"m{i}.sql"), text=t)
            for i, t in enumerate(texts)]
    return generate(migs)


def _sql(rb) -> str:
    return " ".join(s for step in rb.steps for s in step.sql)


def test_renamed_column_named_in_another_tables_subquery_follows():
    rbs = _rollbacks(
        TABLES
        + " create policy mine on public.staff using (mail = auth.email());"
        " create policy admins on public.docs using (exists (select 1 from staff where staff.mail = auth.email() and admin))"
        " with check (exists (select 1 from public.staff s where s.mail = author));",
        # the old column steps aside for a new one of the same name
        "alter table public.staff add column mail2 text;"
        " alter table public.staff rename column mail to old_mail; alter table public.staff rename column mail2 to mail;",
        "drop policy mine on public.staff; drop policy admins on public.docs;",
    )
    last = rbs[-1]
    assert not last.manual_steps
    sql = _sql(last)
    assert "USING (old_mail = auth.email())" in sql
    assert "USING (EXISTS (SELECT 1 FROM staff WHERE staff.old_mail = auth.email() AND admin))" in sql
    assert "WITH CHECK (EXISTS (SELECT 1 FROM public.staff AS s WHERE s.old_mail = author))" in sql


def test_renamed_table_named_in_a_subquery_and_as_a_qualifier_follows():
    rbs = _rollbacks(
        TABLES
        + " create policy own on public.staff using (staff.admin);"
        " create policy admins on public.docs using (exists (select 1 from staff where staff.mail = docs.author));",
        # a new table takes the old name: the policies must not be bound to it
        "alter table public.staff rename to old_staff; create table public.staff (id int, mail text);",
        "drop policy own on public.old_staff; drop policy admins on public.docs;",
    )
    last = rbs[-1]
    assert not last.manual_steps
    sql = _sql(last)
    assert "CREATE POLICY own ON public.old_staff AS PERMISSIVE FOR ALL TO public USING (old_staff.admin);" in sql
    assert "USING (EXISTS (SELECT 1 FROM old_staff WHERE old_staff.mail = docs.author))" in sql


def test_moved_table_named_in_a_subquery_follows():
    rbs = _rollbacks(
        TABLES + " create schema archive;"
        " create policy admins on public.docs using (exists (select 1 from staff where staff.mail = docs.author));",
        "alter table public.staff set schema archive;",
        "drop policy admins on public.docs;",
    )
    assert not rbs[-1].manual_steps
    assert "USING (EXISTS (SELECT 1 FROM archive.staff WHERE staff.mail = docs.author))" in _sql(rbs[-1])


def test_unknown_binding_of_a_renamed_name_makes_the_policy_manual():
    # rows of a function have columns the catalog does not know: "mail" may be one of them
    rbs = _rollbacks(
        TABLES
        + " create policy p on public.docs using (exists (select 1 from staff, generate_series(1, 2) g where mail = author));",
        "alter table public.staff rename column mail to email;",
        "drop policy p on public.docs;",
    )
    manual = rbs[-1].manual_steps
    assert manual and "rename at m1.sql:1" in manual[0].manual and "what mail names in USING cannot be told" in manual[0].manual


def test_rename_that_would_capture_an_outer_column_makes_the_policy_manual():
    # "tag" is docs.tag (staff has none); after the rename staff has a "tag" that the text
    # would bind to instead
    rbs = _rollbacks(
        TABLES + " create policy p on public.docs using (exists (select 1 from staff where staff.id = docs.id and tag = 'x'));",
        "alter table public.staff rename column mail to tag;",
        "drop policy p on public.docs;",
    )
    assert rbs[-1].manual_steps


def test_policies_not_spelling_the_renamed_name_are_untouched():
    rbs = _rollbacks(
        TABLES + " create policy p on public.docs using (exists (select 1 from staff s where s.id = docs.id));",
        "alter table public.staff rename column mail to email;",
        "drop policy p on public.docs;",
    )
    assert not rbs[-1].manual_steps
    assert "USING (EXISTS (SELECT 1 FROM staff AS s WHERE s.id = docs.id))" in _sql(rbs[-1])


def test_renamed_view_named_in_a_subquery_follows():
    rbs = _rollbacks(
        TABLES + " create view public.admins as select mail from public.staff where admin;"
        " create policy p on public.docs using (exists (select 1 from admins a where a.mail = author));",
        "alter view public.admins rename to staff_admins;",
        "drop policy p on public.docs;",
    )
    assert not rbs[-1].manual_steps
    assert "USING (EXISTS (SELECT 1 FROM staff_admins AS a WHERE a.mail = author))" in _sql(rbs[-1])
