-- supabase-rollback 0.1.0
-- Rollback of: 20250920000000_media_analysis_initial_tables.sql
-- Source sha256: 2807c9d3f0a0099e1c821458d0aeb42ccca3499857d1e086fcdf9cf49a152c32
-- Data-loss risk: HIGH
-- Steps: 18 (0 manual)
-- Run with: psql -v ON_ERROR_STOP=1 -f rollback_20250920000000_media_analysis_initial_tables.sql
-- Generated file: edit it only to resolve MANUAL STEPs; once edited, the generator
-- will not overwrite it without --force.
-- body-sha256: b6ea4d0c2ba6cd20817f47048f952373c611a9ca937c7f10f727ca04df5f5ee1

BEGIN;

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
DROP POLICY "Users can view their own analysis jobs" ON public.analysis_job;

-- Step 2: Disable row level security on public.transcription
-- Undoes 20250920000000_media_analysis_initial_tables.sql:62
-- hazard AUTHZ: widens access: with row level security off, policies of public.transcription no longer restrict rows
ALTER TABLE public.transcription DISABLE ROW LEVEL SECURITY;

-- Step 3: Disable row level security on public.analysis_result
-- Undoes 20250920000000_media_analysis_initial_tables.sql:61
-- hazard AUTHZ: widens access: with row level security off, policies of public.analysis_result no longer restrict rows
ALTER TABLE public.analysis_result DISABLE ROW LEVEL SECURITY;

-- Step 4: Disable row level security on public.media_file
-- Undoes 20250920000000_media_analysis_initial_tables.sql:60
-- hazard AUTHZ: widens access: with row level security off, policies of public.media_file no longer restrict rows
ALTER TABLE public.media_file DISABLE ROW LEVEL SECURITY;

-- Step 5: Disable row level security on public.analysis_job
-- Undoes 20250920000000_media_analysis_initial_tables.sql:59
-- hazard AUTHZ: widens access: with row level security off, policies of public.analysis_job no longer restrict rows
ALTER TABLE public.analysis_job DISABLE ROW LEVEL SECURITY;

-- Step 6: Drop index public.ix_transcription_media_file_id
-- Undoes 20250920000000_media_analysis_initial_tables.sql:57
DROP INDEX public.ix_transcription_media_file_id;

-- Step 7: Drop index public.ix_analysis_result_media_file_id
-- Undoes 20250920000000_media_analysis_initial_tables.sql:56
DROP INDEX public.ix_analysis_result_media_file_id;

-- Step 8: Drop index public.ix_media_file_job_id
-- Undoes 20250920000000_media_analysis_initial_tables.sql:55
DROP INDEX public.ix_media_file_job_id;

-- Step 9: Drop table public.transcription
-- Undoes 20250920000000_media_analysis_initial_tables.sql:43
-- hazard DELETES_DATA: rows written to public.transcription since the migration are dropped; backed up to 20250920000000_transcription
DROP TABLE public.transcription;

-- Step 10: Drop table public.analysis_result
-- Undoes 20250920000000_media_analysis_initial_tables.sql:32
-- hazard DELETES_DATA: rows written to public.analysis_result since the migration are dropped; backed up to 20250920000000_analysis_result
DROP TABLE public.analysis_result;

-- Step 11: Drop table public.media_file
-- Undoes 20250920000000_media_analysis_initial_tables.sql:21
-- hazard DELETES_DATA: rows written to public.media_file since the migration are dropped; backed up to 20250920000000_media_file
DROP TABLE public.media_file;

-- Step 12: Drop table public.analysis_job
-- Undoes 20250920000000_media_analysis_initial_tables.sql:10
-- hazard DELETES_DATA: rows written to public.analysis_job since the migration are dropped; backed up to 20250920000000_analysis_job
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

-- Remove the migration from Supabase's migration history (skipped where that table does not exist).
DO $$
BEGIN
  IF to_regclass('supabase_migrations.schema_migrations') IS NOT NULL THEN
    DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250920000000';
  END IF;
END $$;

COMMIT;
