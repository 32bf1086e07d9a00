-- supabase-rollback 0.1.0
-- Rollback of: 20250901000000_initial_schema.sql
-- Source sha256: 5326912a28176936f907d3006d7f4c12c9e9d34a4cca63fb04b544a17c066f8c
-- Data-loss risk: HIGH
-- Steps: 23 (0 manual)
-- Run with: psql -v ON_ERROR_STOP=1 -f rollback_20250901000000_initial_schema.sql
-- Generated file: edit it only to resolve MANUAL STEPs; once edited, the generator
-- will not overwrite it without --force.
-- body-sha256: 65ea1471893a3213391cf03345b975664dcfae52b9b6f267c16053402e3b0e2b

BEGIN;

-- Pre-rollback data backup: saves what the steps below drop, in schema supabase_rollback_backup.
-- A backup fails if a table of the same name exists: rename or drop the old backup first.
CREATE SCHEMA IF NOT EXISTS supabase_rollback_backup;
-- rows of public.analysis_jobs
CREATE TABLE supabase_rollback_backup."20250901000000_analysis_jobs" AS TABLE public.analysis_jobs;
-- rows of public.video_recordings
CREATE TABLE supabase_rollback_backup."20250901000000_video_recordings" AS TABLE public.video_recordings;
-- rows of public.upload_sessions
CREATE TABLE supabase_rollback_backup."20250901000000_upload_sessions" AS TABLE public.upload_sessions;
-- Columns of user-defined types are kept as text, so the backups do not stop those types from being dropped.
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT a.attrelid::regclass AS tbl, a.attname
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid IN ('supabase_rollback_backup."20250901000000_analysis_jobs"'::regclass,
                         'supabase_rollback_backup."20250901000000_video_recordings"'::regclass,
                         'supabase_rollback_backup."20250901000000_upload_sessions"'::regclass)
      AND a.attnum > 0 AND NOT a.attisdropped
      AND t.typnamespace <> 'pg_catalog'::regnamespace
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE text USING %I::text', c.tbl, c.attname, c.attname);
  END LOOP;
END $$;

-- Step 1: Drop function public.get_analysis_progress(bigint)
-- Undoes 20250901000000_initial_schema.sql:120
DROP FUNCTION public.get_analysis_progress(bigint);

-- Step 2: Drop policy "Users can create their own analysis jobs" ON public.analysis_jobs
-- Undoes 20250901000000_initial_schema.sql:114
-- hazard AUTHZ: narrows access to public.analysis_jobs: drops permissive policy "Users can create their own analysis jobs" ON public.analysis_jobs (FOR INSERT TO authenticated)
DROP POLICY "Users can create their own analysis jobs" ON public.analysis_jobs;

-- Step 3: Drop policy "Users can view their own analysis jobs" ON public.analysis_jobs
-- Undoes 20250901000000_initial_schema.sql:109
-- hazard AUTHZ: narrows access to public.analysis_jobs: drops permissive policy "Users can view their own analysis jobs" ON public.analysis_jobs (FOR SELECT TO authenticated)
DROP POLICY "Users can view their own analysis jobs" ON public.analysis_jobs;

-- Step 4: Drop policy "Users can delete their own video recordings" ON public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:104
-- hazard AUTHZ: narrows access to public.video_recordings: drops permissive policy "Users can delete their own video recordings" ON public.video_recordings (FOR DELETE TO authenticated)
DROP POLICY "Users can delete their own video recordings" ON public.video_recordings;

-- Step 5: Drop policy "Users can create their own video recordings" ON public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:99
-- hazard AUTHZ: narrows access to public.video_recordings: drops permissive policy "Users can create their own video recordings" ON public.video_recordings (FOR INSERT TO authenticated)
DROP POLICY "Users can create their own video recordings" ON public.video_recordings;

-- Step 6: Drop policy "Users can view their own video recordings" ON public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:94
-- hazard AUTHZ: narrows access to public.video_recordings: drops permissive policy "Users can view their own video recordings" ON public.video_recordings (FOR SELECT TO authenticated)
DROP POLICY "Users can view their own video recordings" ON public.video_recordings;

-- Step 7: Drop policy "Users can update their own upload sessions" ON public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:88
-- hazard AUTHZ: narrows access to public.upload_sessions: drops permissive policy "Users can update their own upload sessions" ON public.upload_sessions (FOR UPDATE TO authenticated)
DROP POLICY "Users can update their own upload sessions" ON public.upload_sessions;

-- Step 8: Drop policy "Users can create their own upload sessions" ON public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:83
-- hazard AUTHZ: narrows access to public.upload_sessions: drops permissive policy "Users can create their own upload sessions" ON public.upload_sessions (FOR INSERT TO authenticated)
DROP POLICY "Users can create their own upload sessions" ON public.upload_sessions;

-- Step 9: Drop policy "Users can view their own upload sessions" ON public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:78
-- hazard AUTHZ: narrows access to public.upload_sessions: drops permissive policy "Users can view their own upload sessions" ON public.upload_sessions (FOR SELECT TO authenticated)
DROP POLICY "Users can view their own upload sessions" ON public.upload_sessions;

-- Step 10: Disable row level security on public.analysis_jobs
-- Undoes 20250901000000_initial_schema.sql:76
-- hazard AUTHZ: widens access: with row level security off, policies of public.analysis_jobs no longer restrict rows
ALTER TABLE public.analysis_jobs DISABLE ROW LEVEL SECURITY;

-- Step 11: Disable row level security on public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:75
-- hazard AUTHZ: widens access: with row level security off, policies of public.video_recordings no longer restrict rows
ALTER TABLE public.video_recordings DISABLE ROW LEVEL SECURITY;

-- Step 12: Disable row level security on public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:74
-- hazard AUTHZ: widens access: with row level security off, policies of public.upload_sessions no longer restrict rows
ALTER TABLE public.upload_sessions DISABLE ROW LEVEL SECURITY;

-- Step 13: Drop trigger update_analysis_jobs_updated_at on public.analysis_jobs
-- Undoes 20250901000000_initial_schema.sql:69
DROP TRIGGER update_analysis_jobs_updated_at ON public.analysis_jobs;

-- Step 14: Drop trigger update_video_recordings_updated_at on public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:65
DROP TRIGGER update_video_recordings_updated_at ON public.video_recordings;

-- Step 15: Drop trigger update_upload_sessions_updated_at on public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:61
DROP TRIGGER update_upload_sessions_updated_at ON public.upload_sessions;

-- Step 16: Drop function public.update_updated_at_column()
-- Undoes 20250901000000_initial_schema.sql:50
DROP FUNCTION public.update_updated_at_column();

-- Step 17: Drop index public.analysis_jobs_status_idx
-- Undoes 20250901000000_initial_schema.sql:47
DROP INDEX public.analysis_jobs_status_idx;

-- Step 18: Drop index public.analysis_jobs_user_id_idx
-- Undoes 20250901000000_initial_schema.sql:46
DROP INDEX public.analysis_jobs_user_id_idx;

-- Step 19: Drop index public.video_recordings_user_id_idx
-- Undoes 20250901000000_initial_schema.sql:45
DROP INDEX public.video_recordings_user_id_idx;

-- Step 20: Drop index public.upload_sessions_user_id_idx
-- Undoes 20250901000000_initial_schema.sql:44
DROP INDEX public.upload_sessions_user_id_idx;

-- Step 21: Drop table public.analysis_jobs
-- Undoes 20250901000000_initial_schema.sql:28
-- hazard DELETES_DATA: rows written to public.analysis_jobs since the migration are dropped; backed up to 20250901000000_analysis_jobs
DROP TABLE public.analysis_jobs;

-- Step 22: Drop table public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:16
-- hazard DELETES_DATA: rows written to public.video_recordings since the migration are dropped; backed up to 20250901000000_video_recordings
DROP TABLE public.video_recordings;

-- Step 23: Drop table public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:4
-- hazard DELETES_DATA: rows written to public.upload_sessions since the migration are dropped; backed up to 20250901000000_upload_sessions
DROP TABLE public.upload_sessions;

-- Remove the migration from Supabase's migration history (skipped where that table does not exist).
DO $$
BEGIN
  IF to_regclass('supabase_migrations.schema_migrations') IS NOT NULL THEN
    DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250901000000';
  END IF;
END $$;

COMMIT;
