BEGIN;

-- Rework: archived projects get their own flag index, comments get edits
SET LOCAL search_path = public;

DROP POLICY IF EXISTS "Members read comments" ON task_comments;

CREATE POLICY "Members read comments" ON task_comments
  FOR SELECT TO authenticated
  USING (author_id = auth.uid() OR EXISTS (
    SELECT 1 FROM tasks t JOIN projects p ON p.id = t.project_id
    WHERE t.id = task_comments.task_id AND is_team_member(p.team_id)));

ALTER TABLE task_comments ADD COLUMN edited_at timestamptz;

ALTER TABLE projects ALTER COLUMN description SET DEFAULT '';

CREATE INDEX projects_archived_idx ON projects (team_id) WHERE archived;

DROP INDEX IF EXISTS tasks_assignee_id_idx;

COMMENT ON COLUMN task_comments.edited_at IS 'Set when the author edits the comment';

CREATE OR REPLACE FUNCTION public.set_updated_at() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ''
  AS $$
begin
  new.updated_at := now();
  return new;
end;
$$;

COMMIT;
