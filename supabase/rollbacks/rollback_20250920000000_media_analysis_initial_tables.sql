-- supabase-rollback 0.1.0
-- Rollback of: 20250920000000_media_analysis_initial_tables.sql
-- Source sha256: 2807c9d3f0a0099e1c821458d0aeb42ccca3499857d1e086fcdf9cf49a152c32
-- Data-loss risk: HIGH
-- Steps: 18 (0 manual)
-- Run with: psql -v ON_ERROR_STOP=1 -f rollback_20250920000000_media_analysis_initial_tables.sql
-- Generated file: edit it only to resolve MANUAL STEPs; once edited, the generator
-- will not overwrite it without --force.
-- body-sha256: e4e23db2a222b5c2c4df617f9e862b6bcc96ecf2d5943759a16210288eb541aa

BEGIN;

-- Pre-flight checks: stop here, changing nothing, unless every object this rollback
-- touches is as 20250920000000_media_analysis_initial_tables.sql left it (objects it drops exist; functions,
-- views, policies, triggers and column types it drops or replaces are unchanged; objects
-- it creates do not exist yet). Generate with --no-preflight to leave this block out.
DO $preflight$
DECLARE
  c record;
  s text;
  actual text;
  expected text;
  actual_tree text;
  expected_tree text;
  err text;
  probed boolean;
  al text[];
  el text[];
  problems text[] := '{}';
BEGIN
  FOR c IN SELECT * FROM (VALUES
    ('policy "Users can view their own analysis jobs" on public.analysis_job',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'analysis_job' AND policyname = 'Users can view their own analysis jobs'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can view their own analysis jobs" ON public.analysis_job;$q$, $q$CREATE POLICY "Users can view their own analysis jobs" ON public.analysis_job AS PERMISSIVE FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.analysis_job') AND p.polname = 'Users can view their own analysis jobs'$q$),
    ('table public.transcription',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.transcription')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('table public.analysis_result',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.analysis_result')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('table public.media_file',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.media_file')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('table public.analysis_job',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.analysis_job')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_transcription_media_file_id',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_transcription_media_file_id')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_analysis_result_media_file_id',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_analysis_result_media_file_id')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_media_file_job_id',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_media_file_job_id')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('type public.transcription_provider',
     'exists',
     $q$SELECT to_regtype('public.transcription_provider')::text$q$,
     NULL::text,
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('type public.analysis_provider',
     'exists',
     $q$SELECT to_regtype('public.analysis_provider')::text$q$,
     NULL::text,
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('type public.media_file_status',
     'exists',
     $q$SELECT to_regtype('public.media_file_status')::text$q$,
     NULL::text,
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('type public.file_type',
     'exists',
     $q$SELECT to_regtype('public.file_type')::text$q$,
     NULL::text,
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('type public.media_type',
     'exists',
     $q$SELECT to_regtype('public.media_type')::text$q$,
     NULL::text,
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('type public.job_status',
     'exists',
     $q$SELECT to_regtype('public.job_status')::text$q$,
     NULL::text,
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text)
  ) AS v(label, mode, read, want, probe, probe_read, path, tree)
  LOOP
    actual := NULL; expected := NULL; actual_tree := NULL; expected_tree := NULL; err := NULL; probed := false;
    -- A subtransaction: the probe recreates the object as the migration left it, reads
    -- it back, and the RAISE at the end undoes everything it did.
    BEGIN
      PERFORM set_config('search_path', c.path, true);
      PERFORM set_config('check_function_bodies', 'off', true);
      EXECUTE c.read INTO actual;
      IF c.mode = 'same' AND actual IS NOT NULL THEN
        IF c.tree IS NOT NULL THEN
          EXECUTE c.tree INTO actual_tree;
        END IF;
        FOREACH s IN ARRAY c.probe LOOP
          EXECUTE s;
        END LOOP;
        EXECUTE coalesce(c.probe_read, c.read) INTO expected;
        IF c.tree IS NOT NULL THEN
          EXECUTE c.tree INTO expected_tree;
        END IF;
      END IF;
      probed := true;
      RAISE EXCEPTION 'undo the probe';
    EXCEPTION WHEN lock_not_available THEN
      RAISE;  -- lock_timeout: the caller decides whether to wait longer
    WHEN OTHERS THEN
      IF NOT probed THEN
        err := SQLERRM;
      END IF;
    END;
    IF err IS NOT NULL AND c.mode <> 'absent' THEN
      problems := problems || format('%s cannot be checked: %s', c.label, err);
    ELSIF err IS NOT NULL THEN
      NULL;  -- what its name needs does not exist, so neither does the object
    ELSIF c.mode = 'absent' AND actual IS NOT NULL THEN
      problems := problems || format('%s exists, but 20250920000000_media_analysis_initial_tables.sql left none: it was created since, and the rollback would replace or trip over it', c.label);
    ELSIF c.mode <> 'absent' AND actual IS NULL THEN
      problems := problems || format('%s does not exist, but 20250920000000_media_analysis_initial_tables.sql left it', c.label);
    ELSIF c.want IS NOT NULL AND actual IS DISTINCT FROM c.want THEN
      problems := problems || format('%s is a %s now, not a %s', c.label, actual, c.want);
    ELSIF c.mode = 'same' AND actual IS DISTINCT FROM expected
        AND (actual_tree IS NULL OR actual_tree IS DISTINCT FROM expected_tree) THEN
      -- the printed definitions differ, and so do the stored parse trees: a real change
      al := string_to_array(actual, E'\n');
      el := string_to_array(coalesce(expected, ''), E'\n');
      FOR i IN 1 .. greatest(cardinality(al), cardinality(el)) LOOP
        IF al[i] IS DISTINCT FROM el[i] THEN
          problems := problems || format('%s was changed after 20250920000000_media_analysis_initial_tables.sql: line %s is %s, the migration left %s',
            c.label, i, coalesce(quote_literal(btrim(al[i])), 'missing'), coalesce(quote_literal(btrim(el[i])), 'nothing'));
          EXIT;
        END IF;
      END LOOP;
    END IF;
  END LOOP;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION E'pre-flight check failed, nothing was changed: the database is not in the state 20250920000000_media_analysis_initial_tables.sql left it in\n- %',
      array_to_string(problems, E'\n- ')
      USING HINT = 'Find out who changed these objects and why before rolling back. To run the rollback anyway, regenerate it with --no-preflight.';
  END IF;
END
$preflight$;

-- Pre-rollback data backup: saves what the steps below drop, in schema supabase_rollback_backup.
-- A backup fails if a table of the same name exists: rename or drop the old backup first.
CREATE SCHEMA IF NOT EXISTS supabase_rollback_backup;
-- rows of public.transcription
CREATE TABLE supabase_rollback_backup."20250920000000_transcription" AS TABLE public.transcription;
-- rows of public.analysis_result
CREATE TABLE supabase_rollback_backup."20250920000000_analysis_result" AS TABLE public.analysis_result;
-- rows of public.media_file
CREATE TABLE supabase_rollback_backup."20250920000000_media_file" AS TABLE public.media_file;
-- rows of public.analysis_job
CREATE TABLE supabase_rollback_backup."20250920000000_analysis_job" AS TABLE public.analysis_job;
-- Columns of user-defined types are kept as text, so the backups do not stop those types from being dropped.
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT a.attrelid::regclass AS tbl, a.attname
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid IN ('supabase_rollback_backup."20250920000000_transcription"'::regclass,
                         'supabase_rollback_backup."20250920000000_analysis_result"'::regclass,
                         'supabase_rollback_backup."20250920000000_media_file"'::regclass,
                         'supabase_rollback_backup."20250920000000_analysis_job"'::regclass)
      AND a.attnum > 0 AND NOT a.attisdropped
      AND t.typnamespace <> 'pg_catalog'::regnamespace
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE text USING %I::text', c.tbl, c.attname, c.attname);
  END LOOP;
END $$;

-- Step 1: Drop policy "Users can view their own analysis jobs" ON public.analysis_job
-- Undoes 20250920000000_media_analysis_initial_tables.sql:64
-- hazard AUTHZ: narrows access to public.analysis_job: drops permissive policy "Users can view their own analysis jobs" ON public.analysis_job (FOR SELECT TO authenticated)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits
DROP POLICY "Users can view their own analysis jobs" ON public.analysis_job;

-- Step 2: Disable row level security on public.transcription
-- Undoes 20250920000000_media_analysis_initial_tables.sql:62
-- hazard AUTHZ: widens access: with row level security off, policies of public.transcription no longer restrict rows
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DISABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on public.transcription: reads and writes of it wait until the rollback commits
ALTER TABLE public.transcription DISABLE ROW LEVEL SECURITY;

-- Step 3: Disable row level security on public.analysis_result
-- Undoes 20250920000000_media_analysis_initial_tables.sql:61
-- hazard AUTHZ: widens access: with row level security off, policies of public.analysis_result no longer restrict rows
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DISABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on public.analysis_result: reads and writes of it wait until the rollback commits
ALTER TABLE public.analysis_result DISABLE ROW LEVEL SECURITY;

-- Step 4: Disable row level security on public.media_file
-- Undoes 20250920000000_media_analysis_initial_tables.sql:60
-- hazard AUTHZ: widens access: with row level security off, policies of public.media_file no longer restrict rows
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DISABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on public.media_file: reads and writes of it wait until the rollback commits
ALTER TABLE public.media_file DISABLE ROW LEVEL SECURITY;

-- Step 5: Disable row level security on public.analysis_job
-- Undoes 20250920000000_media_analysis_initial_tables.sql:59
-- hazard AUTHZ: widens access: with row level security off, policies of public.analysis_job no longer restrict rows
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DISABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits
ALTER TABLE public.analysis_job DISABLE ROW LEVEL SECURITY;

-- Step 6: Drop index public.ix_transcription_media_file_id
-- Undoes 20250920000000_media_analysis_initial_tables.sql:57
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.transcription: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_transcription_media_file_id;

-- Step 7: Drop index public.ix_analysis_result_media_file_id
-- Undoes 20250920000000_media_analysis_initial_tables.sql:56
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_result: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_analysis_result_media_file_id;

-- Step 8: Drop index public.ix_media_file_job_id
-- Undoes 20250920000000_media_analysis_initial_tables.sql:55
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.media_file: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_media_file_job_id;

-- Step 9: Drop table public.transcription
-- Undoes 20250920000000_media_analysis_initial_tables.sql:43
-- hazard DELETES_DATA: rows written to public.transcription since the migration are dropped; backed up to 20250920000000_transcription
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TABLE takes an ACCESS EXCLUSIVE lock on public.transcription: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.transcription takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.transcription takes an ACCESS EXCLUSIVE lock on public.media_file: reads and writes of it wait until the rollback commits
DROP TABLE public.transcription;

-- Step 10: Drop table public.analysis_result
-- Undoes 20250920000000_media_analysis_initial_tables.sql:32
-- hazard DELETES_DATA: rows written to public.analysis_result since the migration are dropped; backed up to 20250920000000_analysis_result
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TABLE takes an ACCESS EXCLUSIVE lock on public.analysis_result: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.analysis_result takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.analysis_result takes an ACCESS EXCLUSIVE lock on public.media_file: reads and writes of it wait until the rollback commits
DROP TABLE public.analysis_result;

-- Step 11: Drop table public.media_file
-- Undoes 20250920000000_media_analysis_initial_tables.sql:21
-- hazard DELETES_DATA: rows written to public.media_file since the migration are dropped; backed up to 20250920000000_media_file
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TABLE takes an ACCESS EXCLUSIVE lock on public.media_file: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.media_file takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits
DROP TABLE public.media_file;

-- Step 12: Drop table public.analysis_job
-- Undoes 20250920000000_media_analysis_initial_tables.sql:10
-- hazard DELETES_DATA: rows written to public.analysis_job since the migration are dropped; backed up to 20250920000000_analysis_job
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TABLE takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.analysis_job takes an ACCESS EXCLUSIVE lock on auth.users: reads and writes of it wait until the rollback commits
DROP TABLE public.analysis_job;

-- Step 13: Drop enum public.transcription_provider
-- Undoes 20250920000000_media_analysis_initial_tables.sql:8
DROP TYPE public.transcription_provider;

-- Step 14: Drop enum public.analysis_provider
-- Undoes 20250920000000_media_analysis_initial_tables.sql:7
DROP TYPE public.analysis_provider;

-- Step 15: Drop enum public.media_file_status
-- Undoes 20250920000000_media_analysis_initial_tables.sql:6
DROP TYPE public.media_file_status;

-- Step 16: Drop enum public.file_type
-- Undoes 20250920000000_media_analysis_initial_tables.sql:5
DROP TYPE public.file_type;

-- Step 17: Drop enum public.media_type
-- Undoes 20250920000000_media_analysis_initial_tables.sql:4
DROP TYPE public.media_type;

-- Step 18: Drop enum public.job_status
-- Undoes 20250920000000_media_analysis_initial_tables.sql:3
DROP TYPE public.job_status;

-- Post-rollback assertions: every object is gone or back as intended, otherwise this
-- transaction rolls back. Generate with --no-assertions to leave this block out.
DO $assert$
DECLARE
  failed text;
BEGIN
  SELECT string_agg(label, E'\n- ') INTO failed FROM (VALUES
    ('policy "Users can view their own analysis jobs" on public.analysis_job is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'analysis_job' and policyname = 'Users can view their own analysis jobs')),
    ('index public.ix_transcription_media_file_id is gone', to_regclass('public.ix_transcription_media_file_id') is null),
    ('index public.ix_analysis_result_media_file_id is gone', to_regclass('public.ix_analysis_result_media_file_id') is null),
    ('index public.ix_media_file_job_id is gone', to_regclass('public.ix_media_file_job_id') is null),
    ('table public.transcription is gone', to_regclass('public.transcription') is null),
    ('table public.analysis_result is gone', to_regclass('public.analysis_result') is null),
    ('table public.media_file is gone', to_regclass('public.media_file') is null),
    ('table public.analysis_job is gone', to_regclass('public.analysis_job') is null),
    ('type public.transcription_provider is gone', to_regtype('public.transcription_provider') is null),
    ('type public.analysis_provider is gone', to_regtype('public.analysis_provider') is null),
    ('type public.media_file_status is gone', to_regtype('public.media_file_status') is null),
    ('type public.file_type is gone', to_regtype('public.file_type') is null),
    ('type public.media_type is gone', to_regtype('public.media_type') is null),
    ('type public.job_status is gone', to_regtype('public.job_status') is null)
  ) AS v(label, ok) WHERE ok IS NOT TRUE;
  IF failed IS NOT NULL THEN
    RAISE EXCEPTION E'post-rollback assertion failed, the transaction is rolled back:\n- %', failed;
  END IF;
END
$assert$;

-- Remove the migration from Supabase's migration history (skipped where that table does not exist).
DO $$
BEGIN
  IF to_regclass('supabase_migrations.schema_migrations') IS NOT NULL THEN
    DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250920000000';
  END IF;
END $$;

COMMIT;
