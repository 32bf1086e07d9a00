-- supabase-rollback 0.1.0
-- Rollback of: 20250914000000_phase1_trd_alignment.sql
-- Source sha256: 8725b9a655206fca3e55b604fb2b44de3c6747a05668f3c80a850d8b8ed50054
-- Data-loss risk: HIGH
-- Steps: 16 (0 manual)
-- Run with: psql -v ON_ERROR_STOP=1 -f rollback_20250914000000_phase1_trd_alignment.sql
-- Generated file: edit it only to resolve MANUAL STEPs; once edited, the generator
-- will not overwrite it without --force.
-- body-sha256: cf40b5cf134a75711f6bc0cd2a23f758d7c3e768ec9d5840060840f0c4f39849

BEGIN;

-- Pre-rollback data backup: saves what the steps below drop, in schema supabase_rollback_backup.
-- A backup fails if a table of the same name exists: rename or drop the old backup first.
CREATE SCHEMA IF NOT EXISTS supabase_rollback_backup;
-- column audio_url of public.analysis_jobs with its primary key
CREATE TABLE supabase_rollback_backup."20250914000000_analysis_jobs_audio_url" AS SELECT id, audio_url FROM public.analysis_jobs;
-- column ssml of public.analysis_jobs with its primary key
CREATE TABLE supabase_rollback_backup."20250914000000_analysis_jobs_ssml" AS SELECT id, ssml FROM public.analysis_jobs;
-- column summary_text of public.analysis_jobs with its primary key
CREATE TABLE supabase_rollback_backup."20250914000000_analysis_jobs_summary_text" AS SELECT id, summary_text FROM public.analysis_jobs;
-- rows of public.analysis_metrics
CREATE TABLE supabase_rollback_backup."20250914000000_analysis_metrics" AS TABLE public.analysis_metrics;
-- Columns of user-defined types are kept as text, so the backups do not stop those types from being dropped.
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT a.attrelid::regclass AS tbl, a.attname
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid IN ('supabase_rollback_backup."20250914000000_analysis_jobs_audio_url"'::regclass,
                         'supabase_rollback_backup."20250914000000_analysis_jobs_ssml"'::regclass,
                         'supabase_rollback_backup."20250914000000_analysis_jobs_summary_text"'::regclass,
                         'supabase_rollback_backup."20250914000000_analysis_metrics"'::regclass)
      AND a.attnum > 0 AND NOT a.attisdropped
      AND t.typnamespace <> 'pg_catalog'::regnamespace
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE text USING %I::text', c.tbl, c.attname, c.attname);
  END LOOP;
END $$;

-- Step 1: Grant back privileges on function public.migrate_results_to_metrics()
-- Undoes 20250914000000_phase1_trd_alignment.sql:148
-- hazard AUTHZ: widens access: grants back what the migration revoked on function public.migrate_results_to_metrics()
GRANT EXECUTE ON FUNCTION public.migrate_results_to_metrics() TO anon;
GRANT EXECUTE ON FUNCTION public.migrate_results_to_metrics() TO authenticated;
GRANT EXECUTE ON FUNCTION public.migrate_results_to_metrics() TO PUBLIC;

-- Step 2: Drop function public.migrate_results_to_metrics()
-- Undoes 20250914000000_phase1_trd_alignment.sql:127
DROP FUNCTION public.migrate_results_to_metrics();

-- Step 3: Drop function public.get_analysis_with_metrics(bigint)
-- Undoes 20250914000000_phase1_trd_alignment.sql:102
DROP FUNCTION public.get_analysis_with_metrics(bigint);

-- Step 4: Drop function public.store_analysis_results(bigint, text, text, text, jsonb)
-- Undoes 20250914000000_phase1_trd_alignment.sql:64
DROP FUNCTION public.store_analysis_results(bigint, text, text, text, jsonb);

-- Step 5: Drop policy "Service role can manage all analysis jobs" ON public.analysis_jobs
-- Undoes 20250914000000_phase1_trd_alignment.sql:57
-- hazard AUTHZ: narrows access to public.analysis_jobs: drops permissive policy "Service role can manage all analysis jobs" ON public.analysis_jobs (FOR ALL TO service_role)
DROP POLICY "Service role can manage all analysis jobs" ON public.analysis_jobs;

-- Step 6: Drop policy "Service role can manage all analysis metrics" ON public.analysis_metrics
-- Undoes 20250914000000_phase1_trd_alignment.sql:51
-- hazard AUTHZ: narrows access to public.analysis_metrics: drops permissive policy "Service role can manage all analysis metrics" ON public.analysis_metrics (FOR ALL TO service_role)
DROP POLICY "Service role can manage all analysis metrics" ON public.analysis_metrics;

-- Step 7: Drop policy "Service role can manage all video recordings" ON public.video_recordings
-- Undoes 20250914000000_phase1_trd_alignment.sql:45
-- hazard AUTHZ: narrows access to public.video_recordings: drops permissive policy "Service role can manage all video recordings" ON public.video_recordings (FOR ALL TO service_role)
DROP POLICY "Service role can manage all video recordings" ON public.video_recordings;

-- Step 8: Drop policy "Service role can manage all upload sessions" ON public.upload_sessions
-- Undoes 20250914000000_phase1_trd_alignment.sql:39
-- hazard AUTHZ: narrows access to public.upload_sessions: drops permissive policy "Service role can manage all upload sessions" ON public.upload_sessions (FOR ALL TO service_role)
DROP POLICY "Service role can manage all upload sessions" ON public.upload_sessions;

-- Step 9: Drop column public.analysis_jobs.audio_url
-- Undoes 20250914000000_phase1_trd_alignment.sql:33
-- hazard DELETES_DATA: values written to public.analysis_jobs.audio_url since the migration are dropped; backed up to 20250914000000_analysis_jobs_audio_url
ALTER TABLE public.analysis_jobs DROP COLUMN audio_url;

-- Step 10: Drop column public.analysis_jobs.ssml
-- Undoes 20250914000000_phase1_trd_alignment.sql:33
-- hazard DELETES_DATA: values written to public.analysis_jobs.ssml since the migration are dropped; backed up to 20250914000000_analysis_jobs_ssml
ALTER TABLE public.analysis_jobs DROP COLUMN ssml;

-- Step 11: Drop column public.analysis_jobs.summary_text
-- Undoes 20250914000000_phase1_trd_alignment.sql:33
-- hazard DELETES_DATA: values written to public.analysis_jobs.summary_text since the migration are dropped; backed up to 20250914000000_analysis_jobs_summary_text
ALTER TABLE public.analysis_jobs DROP COLUMN summary_text;

-- Step 12: Drop policy "Users can view their own analysis metrics" ON public.analysis_metrics
-- Undoes 20250914000000_phase1_trd_alignment.sql:20
-- hazard AUTHZ: narrows access to public.analysis_metrics: drops permissive policy "Users can view their own analysis metrics" ON public.analysis_metrics (FOR SELECT TO authenticated)
DROP POLICY "Users can view their own analysis metrics" ON public.analysis_metrics;

-- Step 13: Disable row level security on public.analysis_metrics
-- Undoes 20250914000000_phase1_trd_alignment.sql:18
-- hazard AUTHZ: widens access: with row level security off, policies of public.analysis_metrics no longer restrict rows
ALTER TABLE public.analysis_metrics DISABLE ROW LEVEL SECURITY;

-- Step 14: Drop index public.analysis_metrics_metric_key_idx
-- Undoes 20250914000000_phase1_trd_alignment.sql:16
DROP INDEX public.analysis_metrics_metric_key_idx;

-- Step 15: Drop index public.analysis_metrics_analysis_id_idx
-- Undoes 20250914000000_phase1_trd_alignment.sql:15
DROP INDEX public.analysis_metrics_analysis_id_idx;

-- Step 16: Drop table public.analysis_metrics
-- Undoes 20250914000000_phase1_trd_alignment.sql:5
-- hazard DELETES_DATA: rows written to public.analysis_metrics since the migration are dropped; backed up to 20250914000000_analysis_metrics
DROP TABLE public.analysis_metrics;

-- Remove the migration from Supabase's migration history (skipped where that table does not exist).
DO $$
BEGIN
  IF to_regclass('supabase_migrations.schema_migrations') IS NOT NULL THEN
    DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250914000000';
  END IF;
END $$;

-- The migration asked PostgREST to reload its schema cache; so does the rollback.
NOTIFY pgrst, 'reload schema';

COMMIT;
