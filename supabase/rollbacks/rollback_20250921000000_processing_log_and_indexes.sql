-- supabase-rollback 0.1.0
-- Rollback of: 20250921000000_processing_log_and_indexes.sql
-- Source sha256: b0d6d05f5f8d1e8480c57180563a5e16e0aa7eeb61fdbad5d2f73a576e1afbf2
-- Data-loss risk: HIGH
-- Steps: 16 (0 manual)
-- Run with: psql -v ON_ERROR_STOP=1 -f rollback_20250921000000_processing_log_and_indexes.sql
-- Generated file: edit it only to resolve MANUAL STEPs; once edited, the generator
-- will not overwrite it without --force.
-- body-sha256: 440795ca98677138ad8021318efd15592e54fbebe1a21f5227a800f9ada66e21

BEGIN;

-- Pre-flight checks: stop here, changing nothing, unless every object this rollback
-- touches is as 20250921000000_processing_log_and_indexes.sql left it (objects it drops exist; functions,
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
    ('index public.ix_transcription_job_provider',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_transcription_job_provider')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_analysis_result_job_provider',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_analysis_result_job_provider')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_analysis_job_status_created',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_analysis_job_status_created')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_transcription_provider_active',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_transcription_provider_active')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_analysis_result_provider_active',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_analysis_result_provider_active')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_media_file_status_active',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_media_file_status_active')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_analysis_job_status_active',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_analysis_job_status_active')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_processing_log_details_gin',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_processing_log_details_gin')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_transcription_segments_gin',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_transcription_segments_gin')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_analysis_result_result_gin',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_analysis_result_result_gin')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_analysis_job_metadata_gin',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_analysis_job_metadata_gin')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.ix_processing_log_job_id',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.ix_processing_log_job_id')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('table public.processing_log',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.processing_log')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('type public.processing_stage',
     'exists',
     $q$SELECT to_regtype('public.processing_stage')::text$q$,
     NULL::text,
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('type public.processing_log_status',
     'exists',
     $q$SELECT to_regtype('public.processing_log_status')::text$q$,
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
      problems := problems || format('%s exists, but 20250921000000_processing_log_and_indexes.sql left none: it was created since, and the rollback would replace or trip over it', c.label);
    ELSIF c.mode <> 'absent' AND actual IS NULL THEN
      problems := problems || format('%s does not exist, but 20250921000000_processing_log_and_indexes.sql left it', c.label);
    ELSIF c.want IS NOT NULL AND actual IS DISTINCT FROM c.want THEN
      problems := problems || format('%s is a %s now, not a %s', c.label, actual, c.want);
    ELSIF c.mode = 'same' AND actual IS DISTINCT FROM expected
        AND (actual_tree IS NULL OR actual_tree IS DISTINCT FROM expected_tree) THEN
      -- the printed definitions differ, and so do the stored parse trees: a real change
      al := string_to_array(actual, E'\n');
      el := string_to_array(coalesce(expected, ''), E'\n');
      FOR i IN 1 .. greatest(cardinality(al), cardinality(el)) LOOP
        IF al[i] IS DISTINCT FROM el[i] THEN
          problems := problems || format('%s was changed after 20250921000000_processing_log_and_indexes.sql: line %s is %s, the migration left %s',
            c.label, i, coalesce(quote_literal(btrim(al[i])), 'missing'), coalesce(quote_literal(btrim(el[i])), 'nothing'));
          EXIT;
        END IF;
      END LOOP;
    END IF;
  END LOOP;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION E'pre-flight check failed, nothing was changed: the database is not in the state 20250921000000_processing_log_and_indexes.sql left it in\n- %',
      array_to_string(problems, E'\n- ')
      USING HINT = 'Find out who changed these objects and why before rolling back. To run the rollback anyway, regenerate it with --no-preflight.';
  END IF;
END
$preflight$;

-- Pre-rollback data backup: saves what the steps below drop, in schema supabase_rollback_backup.
-- A backup fails if a table of the same name exists: rename or drop the old backup first.
CREATE SCHEMA IF NOT EXISTS supabase_rollback_backup;
-- rows of public.processing_log
CREATE TABLE supabase_rollback_backup."20250921000000_processing_log" AS TABLE public.processing_log;
-- Columns of user-defined types are kept as text, so the backups do not stop those types from being dropped.
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT a.attrelid::regclass AS tbl, a.attname
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid IN ('supabase_rollback_backup."20250921000000_processing_log"'::regclass)
      AND a.attnum > 0 AND NOT a.attisdropped
      AND t.typnamespace <> 'pg_catalog'::regnamespace
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE text USING %I::text', c.tbl, c.attname, c.attname);
  END LOOP;
END $$;

-- Step 1: Drop index public.ix_transcription_job_provider
-- Undoes 20250921000000_processing_log_and_indexes.sql:39
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.transcription: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_transcription_job_provider;

-- Step 2: Drop index public.ix_analysis_result_job_provider
-- Undoes 20250921000000_processing_log_and_indexes.sql:38
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_result: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_analysis_result_job_provider;

-- Step 3: Drop index public.ix_analysis_job_status_created
-- Undoes 20250921000000_processing_log_and_indexes.sql:37
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_analysis_job_status_created;

-- Step 4: Drop index public.ix_transcription_provider_active
-- Undoes 20250921000000_processing_log_and_indexes.sql:33
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.transcription: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_transcription_provider_active;

-- Step 5: Drop index public.ix_analysis_result_provider_active
-- Undoes 20250921000000_processing_log_and_indexes.sql:31
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_result: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_analysis_result_provider_active;

-- Step 6: Drop index public.ix_media_file_status_active
-- Undoes 20250921000000_processing_log_and_indexes.sql:29
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.media_file: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_media_file_status_active;

-- Step 7: Drop index public.ix_analysis_job_status_active
-- Undoes 20250921000000_processing_log_and_indexes.sql:27
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_analysis_job_status_active;

-- Step 8: Drop index public.ix_processing_log_details_gin
-- Undoes 20250921000000_processing_log_and_indexes.sql:24
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.processing_log: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_processing_log_details_gin;

-- Step 9: Drop index public.ix_transcription_segments_gin
-- Undoes 20250921000000_processing_log_and_indexes.sql:23
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.transcription: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_transcription_segments_gin;

-- Step 10: Drop index public.ix_analysis_result_result_gin
-- Undoes 20250921000000_processing_log_and_indexes.sql:22
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_result: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_analysis_result_result_gin;

-- Step 11: Drop index public.ix_analysis_job_metadata_gin
-- Undoes 20250921000000_processing_log_and_indexes.sql:21
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_analysis_job_metadata_gin;

-- Step 12: Drop index public.ix_processing_log_job_id
-- Undoes 20250921000000_processing_log_and_indexes.sql:18
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.processing_log: reads and writes of it wait until the rollback commits
DROP INDEX public.ix_processing_log_job_id;

-- Step 13: Disable row level security on public.processing_log
-- Undoes 20250921000000_processing_log_and_indexes.sql:16
-- hazard AUTHZ: widens access: with row level security off, policies of public.processing_log no longer restrict rows
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DISABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on public.processing_log: reads and writes of it wait until the rollback commits
ALTER TABLE public.processing_log DISABLE ROW LEVEL SECURITY;

-- Step 14: Drop table public.processing_log
-- Undoes 20250921000000_processing_log_and_indexes.sql:6
-- hazard DELETES_DATA: rows written to public.processing_log since the migration are dropped; backed up to 20250921000000_processing_log
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TABLE takes an ACCESS EXCLUSIVE lock on public.processing_log: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.processing_log takes an ACCESS EXCLUSIVE lock on public.analysis_job: reads and writes of it wait until the rollback commits
DROP TABLE public.processing_log;

-- Step 15: Drop enum public.processing_stage
-- Undoes 20250921000000_processing_log_and_indexes.sql:4
DROP TYPE public.processing_stage;

-- Step 16: Drop enum public.processing_log_status
-- Undoes 20250921000000_processing_log_and_indexes.sql:3
DROP TYPE public.processing_log_status;

-- Post-rollback assertions: every object is gone or back as intended, otherwise this
-- transaction rolls back. Generate with --no-assertions to leave this block out.
DO $assert$
DECLARE
  failed text;
BEGIN
  SELECT string_agg(label, E'\n- ') INTO failed FROM (VALUES
    ('index public.ix_transcription_job_provider is gone', to_regclass('public.ix_transcription_job_provider') is null),
    ('index public.ix_analysis_result_job_provider is gone', to_regclass('public.ix_analysis_result_job_provider') is null),
    ('index public.ix_analysis_job_status_created is gone', to_regclass('public.ix_analysis_job_status_created') is null),
    ('index public.ix_transcription_provider_active is gone', to_regclass('public.ix_transcription_provider_active') is null),
    ('index public.ix_analysis_result_provider_active is gone', to_regclass('public.ix_analysis_result_provider_active') is null),
    ('index public.ix_media_file_status_active is gone', to_regclass('public.ix_media_file_status_active') is null),
    ('index public.ix_analysis_job_status_active is gone', to_regclass('public.ix_analysis_job_status_active') is null),
    ('index public.ix_processing_log_details_gin is gone', to_regclass('public.ix_processing_log_details_gin') is null),
    ('index public.ix_transcription_segments_gin is gone', to_regclass('public.ix_transcription_segments_gin') is null),
    ('index public.ix_analysis_result_result_gin is gone', to_regclass('public.ix_analysis_result_result_gin') is null),
    ('index public.ix_analysis_job_metadata_gin is gone', to_regclass('public.ix_analysis_job_metadata_gin') is null),
    ('index public.ix_processing_log_job_id is gone', to_regclass('public.ix_processing_log_job_id') is null),
    ('table public.processing_log is gone', to_regclass('public.processing_log') is null),
    ('type public.processing_stage is gone', to_regtype('public.processing_stage') is null),
    ('type public.processing_log_status is gone', to_regtype('public.processing_log_status') is null)
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
    DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250921000000';
  END IF;
END $$;

COMMIT;
