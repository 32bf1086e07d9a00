"""Synthetic Supabase projects for the benchmarks, in the style real projects are written.

Migration ``i`` adds one feature (two tables with RLS, their policies, grants, indexes,
a trigger, a view, comments), extends the feature of migration ``i - 1`` (a new column,
a new value of its enum, a replaced policy), redefines the project's shared functions
(``public.set_updated_at()``, ``public.is_member(uuid)``: every project rewrites them
over time), and every few migrations adds a storage bucket with its policies, guarded
``DO`` blocks and a publication change. Each migration has about 50 statements, all of
which run on PostgreSQL 15 over the Supabase baseline, one after the other:

    /tmp/venv/bin/python benchmarks/synth.py /tmp/proj 100     # writes /tmp/proj/supabase/...
"""

from __future__ import annotations

import sys
from pathlib import Path

BASE_VERSION = 20240101000000


def version(i: int) -> str:
    return str(BASE_VERSION + i * 100)


def _feature(i: int) -> str:
    """Tables with RLS, policies, grants, indexes, a function, a trigger, a view, comments: feature ``i``."""
    p, c = f"public.f{i}_projects", f"public.f{i}_tasks"
    status = f"public.f{i}_status"
    return f"""\
-- Feature {i}: projects and their tasks

CREATE TYPE {status} AS ENUM ('todo', 'doing', 'done');

CREATE TABLE {p} (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  description text,
  settings jsonb NOT NULL DEFAULT '{{}}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE {c} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES {p} (id) ON DELETE CASCADE,
  assignee_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  title text NOT NULL,
  status {status} NOT NULL DEFAULT 'todo',
  due_at timestamptz,
  position integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, position)
);

ALTER TABLE {p} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {c} ENABLE ROW LEVEL SECURITY;

CREATE INDEX f{i}_projects_owner_idx ON {p} (owner_id);
CREATE INDEX f{i}_tasks_project_status_idx ON {c} (project_id, status);
CREATE INDEX f{i}_tasks_assignee_idx ON {c} (assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX f{i}_tasks_due_idx ON {c} (due_at DESC NULLS LAST);

CREATE POLICY "Owners read projects" ON {p}
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
CREATE POLICY "Owners insert projects" ON {p}
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
CREATE POLICY "Owners update projects" ON {p}
  FOR UPDATE TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
CREATE POLICY "Owners delete projects" ON {p}
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

CREATE POLICY "Members read tasks" ON {c}
  FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM {p} pr WHERE pr.id = project_id AND pr.owner_id = (SELECT auth.uid())));
CREATE POLICY "Members write tasks" ON {c}
  FOR INSERT TO authenticated
  WITH CHECK (EXISTS (SELECT 1 FROM {p} pr WHERE pr.id = project_id AND pr.owner_id = (SELECT auth.uid())));
CREATE POLICY "Assignees update tasks" ON {c}
  FOR UPDATE TO authenticated USING (assignee_id = (SELECT auth.uid()));

REVOKE ALL ON TABLE {p} FROM anon;
REVOKE ALL ON TABLE {c} FROM anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {p} TO authenticated;
GRANT SELECT, INSERT, UPDATE ON TABLE {c} TO authenticated;
GRANT ALL ON TABLE {p}, {c} TO service_role;

CREATE TRIGGER f{i}_projects_updated_at BEFORE UPDATE ON {p}
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER f{i}_tasks_updated_at BEFORE UPDATE ON {c}
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE VIEW public.f{i}_open_tasks WITH (security_invoker = true) AS
  SELECT t.id, t.project_id, t.title, t.status, t.due_at
  FROM {c} t
  WHERE t.status <> 'done';
GRANT SELECT ON public.f{i}_open_tasks TO authenticated;

CREATE TABLE public.f{i}_members (
  project_id uuid NOT NULL REFERENCES {p} (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member', 'viewer')),
  PRIMARY KEY (project_id, user_id)
);
ALTER TABLE public.f{i}_members ENABLE ROW LEVEL SECURITY;
CREATE INDEX f{i}_members_user_idx ON public.f{i}_members (user_id);
CREATE POLICY "Members read memberships" ON public.f{i}_members
  FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY "Owners manage memberships" ON public.f{i}_members
  FOR ALL TO authenticated
  USING (EXISTS (SELECT 1 FROM {p} pr WHERE pr.id = project_id AND pr.owner_id = (SELECT auth.uid())));
REVOKE ALL ON TABLE public.f{i}_members FROM anon;
GRANT SELECT, INSERT, DELETE ON TABLE public.f{i}_members TO authenticated;

CREATE FUNCTION public.f{i}_task_count(p_project uuid)
RETURNS bigint
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT count(*) FROM {c} WHERE project_id = p_project
$$;
REVOKE EXECUTE ON FUNCTION public.f{i}_task_count(uuid) FROM anon;

COMMENT ON TABLE {p} IS 'Projects of feature {i}';
COMMENT ON TABLE {c} IS 'Tasks of feature {i}';
COMMENT ON COLUMN {c}.position IS 'Order of the task in its project';
"""


def _shared_functions(i: int) -> str:
    """The helpers every project redefines over time (a new body in every migration)."""
    return f"""
-- Shared helpers, revision {i}
CREATE OR REPLACE FUNCTION public.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  -- revision {i}
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION public.is_member(p_user uuid)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT p_user IS NOT NULL AND {i} >= 0
$$;
REVOKE EXECUTE ON FUNCTION public.is_member(uuid) FROM anon;
GRANT EXECUTE ON FUNCTION public.is_member(uuid) TO authenticated;
"""


def _extend(j: int, i: int) -> str:
    """Migration ``i`` extends feature ``j`` (an earlier one)."""
    p, c = f"public.f{j}_projects", f"public.f{j}_tasks"
    return f"""
-- Extend feature {j}
ALTER TABLE {c} ADD COLUMN estimate_{i} integer CHECK (estimate_{i} >= 0);
ALTER TABLE {p} ADD COLUMN archived_{i} boolean NOT NULL DEFAULT false;
CREATE INDEX f{j}_projects_archived_{i}_idx ON {p} (archived_{i}) WHERE NOT archived_{i};
ALTER TYPE public.f{j}_status ADD VALUE IF NOT EXISTS 'blocked_{i}';
DROP POLICY "Assignees update tasks" ON {c};
CREATE POLICY "Assignees update tasks" ON {c}
  FOR UPDATE TO authenticated
  USING (assignee_id = (SELECT auth.uid()) AND public.is_member((SELECT auth.uid())));
COMMENT ON COLUMN {c}.estimate_{i} IS 'Estimate in hours';
ALTER TABLE {p} ALTER COLUMN description SET DEFAULT '';
"""


def _storage(i: int) -> str:
    bucket = f"bucket-{i}"
    return f"""
-- Storage for feature {i}
INSERT INTO storage.buckets (id, name, public, file_size_limit)
VALUES ('{bucket}', '{bucket}', false, 10485760);
CREATE POLICY "Owners read {bucket}" ON storage.objects
  FOR SELECT TO authenticated
  USING (bucket_id = '{bucket}' AND (storage.foldername(name))[1] = (SELECT auth.uid())::text);
CREATE POLICY "Owners upload {bucket}" ON storage.objects
  FOR INSERT TO authenticated
  WITH CHECK (bucket_id = '{bucket}' AND (storage.foldername(name))[1] = (SELECT auth.uid())::text);
"""


def _do_blocks(i: int) -> str:
    """Re-runnable guards, the way hand-written migrations are often made idempotent."""
    return f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'f{i}_priority') THEN
    CREATE TYPE public.f{i}_priority AS ENUM ('low', 'normal', 'high');
  END IF;
END
$$;

DO $$
BEGIN
  ALTER TABLE public.f{i}_tasks ADD CONSTRAINT f{i}_tasks_title_not_blank CHECK (btrim(title) <> '');
EXCEPTION
  WHEN duplicate_object THEN NULL;
END
$$;

ALTER TABLE public.f{i}_tasks ADD COLUMN priority public.f{i}_priority NOT NULL DEFAULT 'normal';
"""


def migration(i: int) -> str:
    """The text of migration ``i`` (0-based)."""
    parts = [_shared_functions(i)] if i % 3 == 0 else []  # first: migration 0's triggers use them
    parts.append(_feature(i))
    if i > 0:
        parts.append(_extend(i - 1, i))
    if i % 4 == 1:
        parts.append(_storage(i))
    if i % 2 == 0:
        parts.append(_do_blocks(i))
    if i % 10 == 5:
        parts.append(f"\nALTER PUBLICATION supabase_realtime ADD TABLE public.f{i}_tasks;\n")
    parts.append("\nNOTIFY pgrst, 'reload schema';\n")
    return "".join(parts)


def write_project(root: Path, n: int) -> Path:
    """Write ``n`` migrations under ``root/supabase/migrations``; return ``root``."""
    folder = root / "supabase" / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    (root / "supabase" / "config.toml").write_text('project_id = "bench"\n')
    for i in range(n):
        (folder / f"{version(i)}_feature_{i}.sql").write_text(migration(i))
    return root


if __name__ == "__main__":
    write_project(Path(sys.argv[1]), int(sys.argv[2]))
