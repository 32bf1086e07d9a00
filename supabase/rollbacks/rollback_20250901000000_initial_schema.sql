-- supabase-rollback 0.1.0
-- Rollback of: 20250901000000_initial_schema.sql
-- Source sha256: 5326912a28176936f907d3006d7f4c12c9e9d34a4cca63fb04b544a17c066f8c
-- Data-loss risk: HIGH
-- Steps: 23 (0 manual)
-- Run with: psql -v ON_ERROR_STOP=1 -f rollback_20250901000000_initial_schema.sql
-- Generated file: edit it only to resolve MANUAL STEPs; once edited, the generator
-- will not overwrite it without --force.
-- body-sha256: ed721ddf682f39457a603eae813f20b7d43cd2a4f6fe7505422291e5112e52db

BEGIN;

-- Pre-flight checks: stop here, changing nothing, unless every object this rollback
-- touches is as 20250901000000_initial_schema.sql left it (objects it drops exist; functions,
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
    ('function public.get_analysis_progress(bigint)',
     'same',
     $q$SELECT pg_get_functiondef(to_regprocedure('public.get_analysis_progress(bigint)'))$q$,
     NULL::text,
     ARRAY[$q$CREATE OR REPLACE FUNCTION public.get_analysis_progress(job_id bigint) RETURNS TABLE (status text, progress_percentage integer) LANGUAGE sql STABLE SECURITY INVOKER SET search_path TO '' AS $$
  select j.status, j.progress_percentage
  from public.analysis_jobs j
  where j.id = job_id;
$$;$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT (to_jsonb(p) - 'oid' - 'prosqlbody' - 'proargdefaults')::text || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.prosqlbody::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.proargdefaults::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') FROM pg_proc p WHERE p.oid = to_regprocedure('public.get_analysis_progress(bigint)')$q$),
    ('policy "Users can create their own analysis jobs" on public.analysis_jobs',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'analysis_jobs' AND policyname = 'Users can create their own analysis jobs'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can create their own analysis jobs" ON public.analysis_jobs;$q$, $q$CREATE POLICY "Users can create their own analysis jobs" ON public.analysis_jobs AS PERMISSIVE FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.analysis_jobs') AND p.polname = 'Users can create their own analysis jobs'$q$),
    ('policy "Users can view their own analysis jobs" on public.analysis_jobs',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'analysis_jobs' AND policyname = 'Users can view their own analysis jobs'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can view their own analysis jobs" ON public.analysis_jobs;$q$, $q$CREATE POLICY "Users can view their own analysis jobs" ON public.analysis_jobs AS PERMISSIVE FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.analysis_jobs') AND p.polname = 'Users can view their own analysis jobs'$q$),
    ('policy "Users can delete their own video recordings" on public.video_recordings',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'video_recordings' AND policyname = 'Users can delete their own video recordings'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can delete their own video recordings" ON public.video_recordings;$q$, $q$CREATE POLICY "Users can delete their own video recordings" ON public.video_recordings AS PERMISSIVE FOR DELETE TO authenticated USING ((SELECT auth.uid()) = user_id);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.video_recordings') AND p.polname = 'Users can delete their own video recordings'$q$),
    ('policy "Users can create their own video recordings" on public.video_recordings',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'video_recordings' AND policyname = 'Users can create their own video recordings'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can create their own video recordings" ON public.video_recordings;$q$, $q$CREATE POLICY "Users can create their own video recordings" ON public.video_recordings AS PERMISSIVE FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.video_recordings') AND p.polname = 'Users can create their own video recordings'$q$),
    ('policy "Users can view their own video recordings" on public.video_recordings',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'video_recordings' AND policyname = 'Users can view their own video recordings'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can view their own video recordings" ON public.video_recordings;$q$, $q$CREATE POLICY "Users can view their own video recordings" ON public.video_recordings AS PERMISSIVE FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.video_recordings') AND p.polname = 'Users can view their own video recordings'$q$),
    ('policy "Users can update their own upload sessions" on public.upload_sessions',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'upload_sessions' AND policyname = 'Users can update their own upload sessions'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can update their own upload sessions" ON public.upload_sessions;$q$, $q$CREATE POLICY "Users can update their own upload sessions" ON public.upload_sessions AS PERMISSIVE FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.upload_sessions') AND p.polname = 'Users can update their own upload sessions'$q$),
    ('policy "Users can create their own upload sessions" on public.upload_sessions',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'upload_sessions' AND policyname = 'Users can create their own upload sessions'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can create their own upload sessions" ON public.upload_sessions;$q$, $q$CREATE POLICY "Users can create their own upload sessions" ON public.upload_sessions AS PERMISSIVE FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.upload_sessions') AND p.polname = 'Users can create their own upload sessions'$q$),
    ('policy "Users can view their own upload sessions" on public.upload_sessions',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'upload_sessions' AND policyname = 'Users can view their own upload sessions'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can view their own upload sessions" ON public.upload_sessions;$q$, $q$CREATE POLICY "Users can view their own upload sessions" ON public.upload_sessions AS PERMISSIVE FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.upload_sessions') AND p.polname = 'Users can view their own upload sessions'$q$),
    ('table public.analysis_jobs',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.analysis_jobs')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('table public.video_recordings',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.video_recordings')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('table public.upload_sessions',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.upload_sessions')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('trigger update_analysis_jobs_updated_at on public.analysis_jobs',
     'same',
     $q$SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = to_regclass('public.analysis_jobs') AND t.tgname = 'update_analysis_jobs_updated_at' AND NOT t.tgisinternal$q$,
     NULL::text,
     ARRAY[$q$DROP TRIGGER update_analysis_jobs_updated_at ON public.analysis_jobs;$q$, $q$CREATE TRIGGER update_analysis_jobs_updated_at BEFORE UPDATE ON public.analysis_jobs FOR EACH ROW EXECUTE PROCEDURE public.update_updated_at_column();$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT (to_jsonb(t) - 'oid' - 'tgqual')::text || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(t.tgqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') FROM pg_trigger t WHERE t.tgrelid = to_regclass('public.analysis_jobs') AND t.tgname = 'update_analysis_jobs_updated_at' AND NOT t.tgisinternal$q$),
    ('trigger update_video_recordings_updated_at on public.video_recordings',
     'same',
     $q$SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = to_regclass('public.video_recordings') AND t.tgname = 'update_video_recordings_updated_at' AND NOT t.tgisinternal$q$,
     NULL::text,
     ARRAY[$q$DROP TRIGGER update_video_recordings_updated_at ON public.video_recordings;$q$, $q$CREATE TRIGGER update_video_recordings_updated_at BEFORE UPDATE ON public.video_recordings FOR EACH ROW EXECUTE PROCEDURE public.update_updated_at_column();$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT (to_jsonb(t) - 'oid' - 'tgqual')::text || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(t.tgqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') FROM pg_trigger t WHERE t.tgrelid = to_regclass('public.video_recordings') AND t.tgname = 'update_video_recordings_updated_at' AND NOT t.tgisinternal$q$),
    ('trigger update_upload_sessions_updated_at on public.upload_sessions',
     'same',
     $q$SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = to_regclass('public.upload_sessions') AND t.tgname = 'update_upload_sessions_updated_at' AND NOT t.tgisinternal$q$,
     NULL::text,
     ARRAY[$q$DROP TRIGGER update_upload_sessions_updated_at ON public.upload_sessions;$q$, $q$CREATE TRIGGER update_upload_sessions_updated_at BEFORE UPDATE ON public.upload_sessions FOR EACH ROW EXECUTE PROCEDURE public.update_updated_at_column();$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT (to_jsonb(t) - 'oid' - 'tgqual')::text || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(t.tgqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') FROM pg_trigger t WHERE t.tgrelid = to_regclass('public.upload_sessions') AND t.tgname = 'update_upload_sessions_updated_at' AND NOT t.tgisinternal$q$),
    ('function public.update_updated_at_column()',
     'same',
     $q$SELECT pg_get_functiondef(to_regprocedure('public.update_updated_at_column()'))$q$,
     NULL::text,
     ARRAY[$q$CREATE OR REPLACE FUNCTION public.update_updated_at_column() RETURNS trigger LANGUAGE plpgsql SET search_path TO '' AS $$
begin
  new.updated_at = now();
  return new;
end;
$$;$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT (to_jsonb(p) - 'oid' - 'prosqlbody' - 'proargdefaults')::text || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.prosqlbody::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.proargdefaults::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') FROM pg_proc p WHERE p.oid = to_regprocedure('public.update_updated_at_column()')$q$),
    ('index public.analysis_jobs_status_idx',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.analysis_jobs_status_idx')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.analysis_jobs_user_id_idx',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.analysis_jobs_user_id_idx')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.video_recordings_user_id_idx',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.video_recordings_user_id_idx')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.upload_sessions_user_id_idx',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.upload_sessions_user_id_idx')$q$,
     'index',
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
      problems := problems || format('%s exists, but 20250901000000_initial_schema.sql left none: it was created since, and the rollback would replace or trip over it', c.label);
    ELSIF c.mode <> 'absent' AND actual IS NULL THEN
      problems := problems || format('%s does not exist, but 20250901000000_initial_schema.sql left it', c.label);
    ELSIF c.want IS NOT NULL AND actual IS DISTINCT FROM c.want THEN
      problems := problems || format('%s is a %s now, not a %s', c.label, actual, c.want);
    ELSIF c.mode = 'same' AND actual IS DISTINCT FROM expected
        AND (actual_tree IS NULL OR actual_tree IS DISTINCT FROM expected_tree) THEN
      -- the printed definitions differ, and so do the stored parse trees: a real change
      al := string_to_array(actual, E'\n');
      el := string_to_array(coalesce(expected, ''), E'\n');
      FOR i IN 1 .. greatest(cardinality(al), cardinality(el)) LOOP
        IF al[i] IS DISTINCT FROM el[i] THEN
          problems := problems || format('%s was changed after 20250901000000_initial_schema.sql: line %s is %s, the migration left %s',
            c.label, i, coalesce(quote_literal(btrim(al[i])), 'missing'), coalesce(quote_literal(btrim(el[i])), 'nothing'));
          EXIT;
        END IF;
      END LOOP;
    END IF;
  END LOOP;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION E'pre-flight check failed, nothing was changed: the database is not in the state 20250901000000_initial_schema.sql left it in\n- %',
      array_to_string(problems, E'\n- ')
      USING HINT = 'Find out who changed these objects and why before rolling back. To run the rollback anyway, regenerate it with --no-preflight.';
  END IF;
END
$preflight$;

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
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
DROP POLICY "Users can create their own analysis jobs" ON public.analysis_jobs;

-- Step 3: Drop policy "Users can view their own analysis jobs" ON public.analysis_jobs
-- Undoes 20250901000000_initial_schema.sql:109
-- hazard AUTHZ: narrows access to public.analysis_jobs: drops permissive policy "Users can view their own analysis jobs" ON public.analysis_jobs (FOR SELECT TO authenticated)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
DROP POLICY "Users can view their own analysis jobs" ON public.analysis_jobs;

-- Step 4: Drop policy "Users can delete their own video recordings" ON public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:104
-- hazard AUTHZ: narrows access to public.video_recordings: drops permissive policy "Users can delete their own video recordings" ON public.video_recordings (FOR DELETE TO authenticated)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.video_recordings: reads and writes of it wait until the rollback commits
DROP POLICY "Users can delete their own video recordings" ON public.video_recordings;

-- Step 5: Drop policy "Users can create their own video recordings" ON public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:99
-- hazard AUTHZ: narrows access to public.video_recordings: drops permissive policy "Users can create their own video recordings" ON public.video_recordings (FOR INSERT TO authenticated)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.video_recordings: reads and writes of it wait until the rollback commits
DROP POLICY "Users can create their own video recordings" ON public.video_recordings;

-- Step 6: Drop policy "Users can view their own video recordings" ON public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:94
-- hazard AUTHZ: narrows access to public.video_recordings: drops permissive policy "Users can view their own video recordings" ON public.video_recordings (FOR SELECT TO authenticated)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.video_recordings: reads and writes of it wait until the rollback commits
DROP POLICY "Users can view their own video recordings" ON public.video_recordings;

-- Step 7: Drop policy "Users can update their own upload sessions" ON public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:88
-- hazard AUTHZ: narrows access to public.upload_sessions: drops permissive policy "Users can update their own upload sessions" ON public.upload_sessions (FOR UPDATE TO authenticated)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.upload_sessions: reads and writes of it wait until the rollback commits
DROP POLICY "Users can update their own upload sessions" ON public.upload_sessions;

-- Step 8: Drop policy "Users can create their own upload sessions" ON public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:83
-- hazard AUTHZ: narrows access to public.upload_sessions: drops permissive policy "Users can create their own upload sessions" ON public.upload_sessions (FOR INSERT TO authenticated)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.upload_sessions: reads and writes of it wait until the rollback commits
DROP POLICY "Users can create their own upload sessions" ON public.upload_sessions;

-- Step 9: Drop policy "Users can view their own upload sessions" ON public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:78
-- hazard AUTHZ: narrows access to public.upload_sessions: drops permissive policy "Users can view their own upload sessions" ON public.upload_sessions (FOR SELECT TO authenticated)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.upload_sessions: reads and writes of it wait until the rollback commits
DROP POLICY "Users can view their own upload sessions" ON public.upload_sessions;

-- Step 10: Disable row level security on public.analysis_jobs
-- Undoes 20250901000000_initial_schema.sql:76
-- hazard AUTHZ: widens access: with row level security off, policies of public.analysis_jobs no longer restrict rows
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DISABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
ALTER TABLE public.analysis_jobs DISABLE ROW LEVEL SECURITY;

-- Step 11: Disable row level security on public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:75
-- hazard AUTHZ: widens access: with row level security off, policies of public.video_recordings no longer restrict rows
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DISABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on public.video_recordings: reads and writes of it wait until the rollback commits
ALTER TABLE public.video_recordings DISABLE ROW LEVEL SECURITY;

-- Step 12: Disable row level security on public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:74
-- hazard AUTHZ: widens access: with row level security off, policies of public.upload_sessions no longer restrict rows
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DISABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on public.upload_sessions: reads and writes of it wait until the rollback commits
ALTER TABLE public.upload_sessions DISABLE ROW LEVEL SECURITY;

-- Step 13: Drop trigger update_analysis_jobs_updated_at on public.analysis_jobs
-- Undoes 20250901000000_initial_schema.sql:69
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TRIGGER takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
DROP TRIGGER update_analysis_jobs_updated_at ON public.analysis_jobs;

-- Step 14: Drop trigger update_video_recordings_updated_at on public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:65
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TRIGGER takes an ACCESS EXCLUSIVE lock on public.video_recordings: reads and writes of it wait until the rollback commits
DROP TRIGGER update_video_recordings_updated_at ON public.video_recordings;

-- Step 15: Drop trigger update_upload_sessions_updated_at on public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:61
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TRIGGER takes an ACCESS EXCLUSIVE lock on public.upload_sessions: reads and writes of it wait until the rollback commits
DROP TRIGGER update_upload_sessions_updated_at ON public.upload_sessions;

-- Step 16: Drop function public.update_updated_at_column()
-- Undoes 20250901000000_initial_schema.sql:50
DROP FUNCTION public.update_updated_at_column();

-- Step 17: Drop index public.analysis_jobs_status_idx
-- Undoes 20250901000000_initial_schema.sql:47
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
DROP INDEX public.analysis_jobs_status_idx;

-- Step 18: Drop index public.analysis_jobs_user_id_idx
-- Undoes 20250901000000_initial_schema.sql:46
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
DROP INDEX public.analysis_jobs_user_id_idx;

-- Step 19: Drop index public.video_recordings_user_id_idx
-- Undoes 20250901000000_initial_schema.sql:45
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.video_recordings: reads and writes of it wait until the rollback commits
DROP INDEX public.video_recordings_user_id_idx;

-- Step 20: Drop index public.upload_sessions_user_id_idx
-- Undoes 20250901000000_initial_schema.sql:44
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.upload_sessions: reads and writes of it wait until the rollback commits
DROP INDEX public.upload_sessions_user_id_idx;

-- Step 21: Drop table public.analysis_jobs
-- Undoes 20250901000000_initial_schema.sql:28
-- hazard DELETES_DATA: rows written to public.analysis_jobs since the migration are dropped; backed up to 20250901000000_analysis_jobs
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TABLE takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.analysis_jobs takes an ACCESS EXCLUSIVE lock on auth.users: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.analysis_jobs takes an ACCESS EXCLUSIVE lock on public.video_recordings: reads and writes of it wait until the rollback commits
DROP TABLE public.analysis_jobs;

-- Step 22: Drop table public.video_recordings
-- Undoes 20250901000000_initial_schema.sql:16
-- hazard DELETES_DATA: rows written to public.video_recordings since the migration are dropped; backed up to 20250901000000_video_recordings
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TABLE takes an ACCESS EXCLUSIVE lock on public.video_recordings: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.video_recordings takes an ACCESS EXCLUSIVE lock on auth.users: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.video_recordings takes an ACCESS EXCLUSIVE lock on public.upload_sessions: reads and writes of it wait until the rollback commits
DROP TABLE public.video_recordings;

-- Step 23: Drop table public.upload_sessions
-- Undoes 20250901000000_initial_schema.sql:4
-- hazard DELETES_DATA: rows written to public.upload_sessions since the migration are dropped; backed up to 20250901000000_upload_sessions
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TABLE takes an ACCESS EXCLUSIVE lock on public.upload_sessions: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.upload_sessions takes an ACCESS EXCLUSIVE lock on auth.users: reads and writes of it wait until the rollback commits
DROP TABLE public.upload_sessions;

-- Post-rollback assertions: every object is gone or back as intended, otherwise this
-- transaction rolls back. Generate with --no-assertions to leave this block out.
DO $assert$
DECLARE
  failed text;
BEGIN
  SELECT string_agg(label, E'\n- ') INTO failed FROM (VALUES
    ('function public.get_analysis_progress(bigint) is gone', to_regprocedure('public.get_analysis_progress(bigint)') is null),
    ('policy "Users can create their own analysis jobs" on public.analysis_jobs is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'analysis_jobs' and policyname = 'Users can create their own analysis jobs')),
    ('policy "Users can view their own analysis jobs" on public.analysis_jobs is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'analysis_jobs' and policyname = 'Users can view their own analysis jobs')),
    ('policy "Users can delete their own video recordings" on public.video_recordings is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'video_recordings' and policyname = 'Users can delete their own video recordings')),
    ('policy "Users can create their own video recordings" on public.video_recordings is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'video_recordings' and policyname = 'Users can create their own video recordings')),
    ('policy "Users can view their own video recordings" on public.video_recordings is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'video_recordings' and policyname = 'Users can view their own video recordings')),
    ('policy "Users can update their own upload sessions" on public.upload_sessions is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'upload_sessions' and policyname = 'Users can update their own upload sessions')),
    ('policy "Users can create their own upload sessions" on public.upload_sessions is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'upload_sessions' and policyname = 'Users can create their own upload sessions')),
    ('policy "Users can view their own upload sessions" on public.upload_sessions is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'upload_sessions' and policyname = 'Users can view their own upload sessions')),
    ('trigger update_analysis_jobs_updated_at on public.analysis_jobs is gone', not exists (select from pg_trigger where NOT tgisinternal and tgname = 'update_analysis_jobs_updated_at' and tgrelid = to_regclass('public.analysis_jobs'))),
    ('trigger update_video_recordings_updated_at on public.video_recordings is gone', not exists (select from pg_trigger where NOT tgisinternal and tgname = 'update_video_recordings_updated_at' and tgrelid = to_regclass('public.video_recordings'))),
    ('trigger update_upload_sessions_updated_at on public.upload_sessions is gone', not exists (select from pg_trigger where NOT tgisinternal and tgname = 'update_upload_sessions_updated_at' and tgrelid = to_regclass('public.upload_sessions'))),
    ('function public.update_updated_at_column() is gone', to_regprocedure('public.update_updated_at_column()') is null),
    ('index public.analysis_jobs_status_idx is gone', to_regclass('public.analysis_jobs_status_idx') is null),
    ('index public.analysis_jobs_user_id_idx is gone', to_regclass('public.analysis_jobs_user_id_idx') is null),
    ('index public.video_recordings_user_id_idx is gone', to_regclass('public.video_recordings_user_id_idx') is null),
    ('index public.upload_sessions_user_id_idx is gone', to_regclass('public.upload_sessions_user_id_idx') is null),
    ('table public.analysis_jobs is gone', to_regclass('public.analysis_jobs') is null),
    ('table public.video_recordings is gone', to_regclass('public.video_recordings') is null),
    ('table public.upload_sessions is gone', to_regclass('public.upload_sessions') is null)
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
    DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250901000000';
  END IF;
END $$;

COMMIT;
