"""verify (fresh mode, incremental snapshots) fails a rollback that also changes an UNRELATED object.

The migration under test only adds a column to public.a; its rollback file is edited to
do one more thing to an object the migration never touched. Every such change must fail
verify with a difference that names the object, exactly as the whole-schema snapshot did.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.verify import ENV_CHECK_SNAPSHOTS

HISTORY = """
create table public.a (id bigint primary key, note text);
create table public.b (id bigint primary key, a_id bigint references public.a (id), note text);
alter table public.b enable row level security;
create policy bp on public.b for select to authenticated using (a_id > 0);
create function public.fn() returns int language sql as $$ select 1 $$;
create view public.b_notes as select id, note from public.b;
create type public.level as enum ('low', 'high');
grant select on public.b to anon;
comment on table public.a is 'the a table';
"""

UNRELATED = [
    ("drop table", "DROP TABLE public.b CASCADE;", "table public.b is missing"),
    ("add column", "ALTER TABLE public.b ADD COLUMN sneaky int;", "table public.b: column sneaky exists but should not"),
    ("drop policy", "DROP POLICY bp ON public.b;", 'policy "bp" on public.b is missing'),
    ("change function", "CREATE OR REPLACE FUNCTION public.fn() RETURNS int LANGUAGE sql AS $$ select 2 $$;",
     "function public.fn(): definition differs"),
    ("revoke grant", "REVOKE SELECT ON public.b FROM anon;", "table public.b: privileges of anon differ: DELETE, INSERT, REFERENCES, SELECT, TRIGGER"),
    ("comment", "COMMENT ON TABLE public.a IS 'changed';", "table public.a: comment differs: the a table vs changed"),
    ("create table", "CREATE TABLE public.stray (id int);", "table public.stray exists but should not"),
    ("rename column seen by a view", "ALTER TABLE public.b RENAME COLUMN note TO remark;",
     "table public.b: column note is missing"),
    ("enum value", "ALTER TYPE public.level ADD VALUE 'mid';", "labels differs: (low, high) vs (low, high, mid)"),
    ("drop foreign key", "ALTER TABLE public.b DROP CONSTRAINT b_a_id_fkey;", "constraint b_a_id_fkey is missing"),
]


def _project(tmp_path: Path) -> Path:
    folder = tmp_path / "supabase" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20250101000000_history.sql").write_text(HISTORY)
    (folder / "20250102000000_add_extra.sql").write_text("alter table public.a add column extra int;\n")
    (folder / "20250103000000_later.sql").write_text("create table public.c (id int primary key);\n")
    res = CliRunner().invoke(cli, ["generate", "--project-dir", str(tmp_path)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return tmp_path


def _verify(root: Path, env: dict[str, str] | None = None) -> tuple[int, dict]:
    res = CliRunner().invoke(cli, ["verify", "--project-dir", str(root), "--format", "json"],
                             catch_exceptions=False, env=env)
    return res.exit_code, json.loads(res.stdout)


@pytest.mark.parametrize(("extra", "expected"), [u[1:] for u in UNRELATED], ids=[u[0] for u in UNRELATED])
def test_rollback_that_also_changes_an_unrelated_object_fails(tmp_path: Path, extra: str, expected: str) -> None:
    root = _project(tmp_path)
    path = root / "supabase" / "rollbacks" / "rollback_20250102000000_add_extra.sql"
    text = path.read_text()
    assert text.count("COMMIT;") == 1
    path.write_text(text.replace("COMMIT;", f"{extra}\nCOMMIT;"))
    code, doc = _verify(root)
    assert code == 1, doc
    statuses = {m["version"]: m for m in doc["migrations"]}
    bad = statuses["20250102000000"]
    assert bad["status"] == "failed", bad
    assert bad["reason"].startswith("the rollback does not restore the schema"), bad
    assert any(expected in line for line in bad["details"]), bad["details"]
    # the database is rebuilt after the failure: the others are verified
    assert statuses["20250101000000"]["status"] == "verified"
    assert statuses["20250103000000"]["status"] == "verified"


def test_every_incremental_snapshot_checked_against_a_full_one(tmp_path: Path) -> None:
    root = _project(tmp_path)
    code, doc = _verify(root, env={ENV_CHECK_SNAPSHOTS: "1"})
    assert code == 0, doc
    assert doc["summary"]["verified"] == 3
    path = root / "supabase" / "rollbacks" / "rollback_20250102000000_add_extra.sql"
    path.write_text(path.read_text().replace("COMMIT;", "DROP POLICY bp ON public.b;\nCOMMIT;"))
    code, doc = _verify(root, env={ENV_CHECK_SNAPSHOTS: "1"})
    assert code == 1
    assert [m["status"] for m in doc["migrations"]] == ["verified", "failed", "verified"]
