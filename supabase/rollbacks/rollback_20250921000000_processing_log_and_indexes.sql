-- supabase-rollback 0.1.0
-- Rollback of: 20250921000000_processing_log_and_indexes.sql
-- Source sha256: b0d6d05f5f8d1e8480c57180563a5e16e0aa7eeb61fdbad5d2f73a576e1afbf2
-- Data-loss risk: HIGH
-- Steps: 16 (0 manual)
-- Run with: psql -v ON_ERROR_STOP=1 -f rollback_20250921000000_processing_log_and_indexes.sql
-- Generated file: edit it only to resolve MANUAL STEPs; once edited, the generator
-- will not overwrite it without --force.
-- body-sha256: bdab70bf372c60257c36aa2230cd90f1db031d0b9fccdb7a81dc8a542a274008

BEGIN;

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
DROP INDEX public.ix_transcription_job_provider;

-- Step 2: Drop index public.ix_analysis_result_job_provider
-- Undoes 20250921000000_processing_log_and_indexes.sql:38
DROP INDEX public.ix_analysis_result_job_provider;

-- Step 3: Drop index public.ix_analysis_job_status_created
-- Undoes 20250921000000_processing_log_and_indexes.sql:37
DROP INDEX public.ix_analysis_job_status_created;

-- Step 4: Drop index public.ix_transcription_provider_active
-- Undoes 20250921000000_processing_log_and_indexes.sql:33
DROP INDEX public.ix_transcription_provider_active;

-- Step 5: Drop index public.ix_analysis_result_provider_active
-- Undoes 20250921000000_processing_log_and_indexes.sql:31
DROP INDEX public.ix_analysis_result_provider_active;

-- Step 6: Drop index public.ix_media_file_status_active
-- Undoes 20250921000000_processing_log_and_indexes.sql:29
DROP INDEX public.ix_media_file_status_active;

-- Step 7: Drop index public.ix_analysis_job_status_active
-- Undoes 20250921000000_processing_log_and_indexes.sql:27
DROP INDEX public.ix_analysis_job_status_active;

-- Step 8: Drop index public.ix_processing_log_details_gin
-- Undoes 20250921000000_processing_log_and_indexes.sql:24
DROP INDEX public.ix_processing_log_details_gin;

-- Step 9: Drop index public.ix_transcription_segments_gin
-- Undoes 20250921000000_processing_log_and_indexes.sql:23
DROP INDEX public.ix_transcription_segments_gin;

-- Step 10: Drop index public.ix_analysis_result_result_gin
-- Undoes 20250921000000_processing_log_and_indexes.sql:22
DROP INDEX public.ix_analysis_result_result_gin;

-- Step 11: Drop index public.ix_analysis_job_metadata_gin
-- Undoes 20250921000000_processing_log_and_indexes.sql:21
DROP INDEX public.ix_analysis_job_metadata_gin;

-- Step 12: Drop index public.ix_processing_log_job_id
-- Undoes 20250921000000_processing_log_and_indexes.sql:18
DROP INDEX public.ix_processing_log_job_id;

-- Step 13: Disable row level security on public.processing_log
-- Undoes 20250921000000_processing_log_and_indexes.sql:16
-- hazard AUTHZ: widens access: with row level security off, policies of public.processing_log no longer restrict rows
ALTER TABLE public.processing_log DISABLE ROW LEVEL SECURITY;

-- Step 14: Drop table public.processing_log
-- Undoes 20250921000000_processing_log_and_indexes.sql:6
-- hazard DELETES_DATA: rows written to public.processing_log since the migration are dropped; backed up to 20250921000000_processing_log
DROP TABLE public.processing_log;

-- Step 15: Drop enum public.processing_stage
-- Undoes 20250921000000_processing_log_and_indexes.sql:4
DROP TYPE public.processing_stage;

-- Step 16: Drop enum public.processing_log_status
-- Undoes 20250921000000_processing_log_and_indexes.sql:3
DROP TYPE public.processing_log_status;

-- Remove the migration from Supabase's migration history (skipped where that table does not exist).
DO $$
BEGIN
  IF to_regclass('supabase_migrations.schema_migrations') IS NOT NULL THEN
    DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250921000000';
  END IF;
END $$;

COMMIT;
