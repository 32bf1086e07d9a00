-- supabase-rollback 0.1.0
-- Rollback of: 20250914000000_phase1_trd_alignment.sql
-- Source sha256: 8725b9a655206fca3e55b604fb2b44de3c6747a05668f3c80a850d8b8ed50054
-- Data-loss risk: HIGH
-- Steps: 16 (0 manual)
-- Run with: psql -v ON_ERROR_STOP=1 -f rollback_20250914000000_phase1_trd_alignment.sql
-- Generated file: edit it only to resolve MANUAL STEPs; once edited, the generator
-- will not overwrite it without --force.
-- body-sha256: 4bbdc992fb2a8d577c5e2967743d126a13cbb1849b3681e8085fbed7353c86ca

BEGIN;

-- Pre-flight checks: stop here, changing nothing, unless every object this rollback
-- touches is as 20250914000000_phase1_trd_alignment.sql left it (objects it drops exist; functions,
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
    ('function public.migrate_results_to_metrics()',
     'same',
     $q$SELECT pg_get_functiondef(to_regprocedure('public.migrate_results_to_metrics()'))$q$,
     NULL::text,
     ARRAY[$q$CREATE OR REPLACE FUNCTION public.migrate_results_to_metrics() RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path TO '' AS $$
declare
  moved integer;
begin
  insert into public.analysis_metrics (analysis_id, metric_key, metric_value, unit)
  select j.id, r.key, (r.value ->> 'value')::numeric, r.value ->> 'unit'
  from public.analysis_jobs j
  cross join lateral jsonb_each(j.results) as r(key, value)
  where jsonb_typeof(r.value) = 'object'
    and r.value ? 'value'
  on conflict (analysis_id, metric_key) do nothing;
  get diagnostics moved = row_count;
  return moved;
end;
$$;$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT (to_jsonb(p) - 'oid' - 'prosqlbody' - 'proargdefaults')::text || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.prosqlbody::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.proargdefaults::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') FROM pg_proc p WHERE p.oid = to_regprocedure('public.migrate_results_to_metrics()')$q$),
    ('function public.get_analysis_with_metrics(bigint)',
     'same',
     $q$SELECT pg_get_functiondef(to_regprocedure('public.get_analysis_with_metrics(bigint)'))$q$,
     NULL::text,
     ARRAY[$q$CREATE OR REPLACE FUNCTION public.get_analysis_with_metrics(analysis_job_id bigint) RETURNS jsonb LANGUAGE sql STABLE SECURITY INVOKER SET search_path TO '' AS $$
  select jsonb_build_object(
    'id', j.id,
    'status', j.status,
    'summary_text', j.summary_text,
    'ssml', j.ssml,
    'audio_url', j.audio_url,
    'metrics', coalesce(
      (select jsonb_object_agg(m.metric_key, jsonb_build_object('value', m.metric_value, 'unit', m.unit))
       from public.analysis_metrics m
       where m.analysis_id = j.id),
      '{}'::jsonb
    )
  )
  from public.analysis_jobs j
  where j.id = analysis_job_id;
$$;$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT (to_jsonb(p) - 'oid' - 'prosqlbody' - 'proargdefaults')::text || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.prosqlbody::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.proargdefaults::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') FROM pg_proc p WHERE p.oid = to_regprocedure('public.get_analysis_with_metrics(bigint)')$q$),
    ('function public.store_analysis_results(bigint, text, text, text, jsonb)',
     'same',
     $q$SELECT pg_get_functiondef(to_regprocedure('public.store_analysis_results(bigint, text, text, text, jsonb)'))$q$,
     NULL::text,
     ARRAY[$q$CREATE OR REPLACE FUNCTION public.store_analysis_results(analysis_job_id bigint, p_summary_text text, p_ssml text, p_audio_url text, p_metrics jsonb) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path TO '' AS $$
declare
  metric record;
begin
  update public.analysis_jobs
  set summary_text = p_summary_text,
      ssml = p_ssml,
      audio_url = p_audio_url,
      status = 'completed',
      progress_percentage = 100,
      processing_completed_at = now()
  where id = analysis_job_id;

  for metric in select key, value from jsonb_each(p_metrics) loop
    insert into public.analysis_metrics (analysis_id, metric_key, metric_value, unit)
    values (
      analysis_job_id,
      metric.key,
      (metric.value ->> 'value')::numeric,
      metric.value ->> 'unit'
    )
    on conflict (analysis_id, metric_key)
    do update set metric_value = excluded.metric_value, unit = excluded.unit;
  end loop;
end;
$$;$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT (to_jsonb(p) - 'oid' - 'prosqlbody' - 'proargdefaults')::text || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.prosqlbody::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') || E'\n' || coalesce(regexp_replace(regexp_replace(regexp_replace(p.proargdefaults::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), '') FROM pg_proc p WHERE p.oid = to_regprocedure('public.store_analysis_results(bigint, text, text, text, jsonb)')$q$),
    ('policy "Service role can manage all analysis jobs" on public.analysis_jobs',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'analysis_jobs' AND policyname = 'Service role can manage all analysis jobs'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Service role can manage all analysis jobs" ON public.analysis_jobs;$q$, $q$CREATE POLICY "Service role can manage all analysis jobs" ON public.analysis_jobs AS PERMISSIVE FOR ALL TO service_role USING (TRUE) WITH CHECK (TRUE);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.analysis_jobs') AND p.polname = 'Service role can manage all analysis jobs'$q$),
    ('policy "Service role can manage all analysis metrics" on public.analysis_metrics',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'analysis_metrics' AND policyname = 'Service role can manage all analysis metrics'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Service role can manage all analysis metrics" ON public.analysis_metrics;$q$, $q$CREATE POLICY "Service role can manage all analysis metrics" ON public.analysis_metrics AS PERMISSIVE FOR ALL TO service_role USING (TRUE) WITH CHECK (TRUE);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.analysis_metrics') AND p.polname = 'Service role can manage all analysis metrics'$q$),
    ('policy "Service role can manage all video recordings" on public.video_recordings',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'video_recordings' AND policyname = 'Service role can manage all video recordings'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Service role can manage all video recordings" ON public.video_recordings;$q$, $q$CREATE POLICY "Service role can manage all video recordings" ON public.video_recordings AS PERMISSIVE FOR ALL TO service_role USING (TRUE) WITH CHECK (TRUE);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.video_recordings') AND p.polname = 'Service role can manage all video recordings'$q$),
    ('policy "Service role can manage all upload sessions" on public.upload_sessions',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'upload_sessions' AND policyname = 'Service role can manage all upload sessions'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Service role can manage all upload sessions" ON public.upload_sessions;$q$, $q$CREATE POLICY "Service role can manage all upload sessions" ON public.upload_sessions AS PERMISSIVE FOR ALL TO service_role USING (TRUE) WITH CHECK (TRUE);$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.upload_sessions') AND p.polname = 'Service role can manage all upload sessions'$q$),
    ('table public.analysis_jobs',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.analysis_jobs')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('column public.analysis_jobs.audio_url (text)',
     'same',
     $q$SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = to_regclass('public.analysis_jobs') AND a.attname = 'audio_url' AND a.attnum > 0 AND NOT a.attisdropped$q$,
     NULL::text,
     ARRAY[$q$CREATE TEMP TABLE pg_temp.supabase_rollback_preflight (c text);$q$]::text[],
     $q$SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = 'pg_temp.supabase_rollback_preflight'::regclass AND a.attname = 'c'$q$,
     '"$user", public, extensions',
     NULL::text),
    ('column public.analysis_jobs.ssml (text)',
     'same',
     $q$SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = to_regclass('public.analysis_jobs') AND a.attname = 'ssml' AND a.attnum > 0 AND NOT a.attisdropped$q$,
     NULL::text,
     ARRAY[$q$CREATE TEMP TABLE pg_temp.supabase_rollback_preflight (c text);$q$]::text[],
     $q$SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = 'pg_temp.supabase_rollback_preflight'::regclass AND a.attname = 'c'$q$,
     '"$user", public, extensions',
     NULL::text),
    ('column public.analysis_jobs.summary_text (text)',
     'same',
     $q$SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = to_regclass('public.analysis_jobs') AND a.attname = 'summary_text' AND a.attnum > 0 AND NOT a.attisdropped$q$,
     NULL::text,
     ARRAY[$q$CREATE TEMP TABLE pg_temp.supabase_rollback_preflight (c text);$q$]::text[],
     $q$SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = 'pg_temp.supabase_rollback_preflight'::regclass AND a.attname = 'c'$q$,
     '"$user", public, extensions',
     NULL::text),
    ('policy "Users can view their own analysis metrics" on public.analysis_metrics',
     'same',
     $q$SELECT concat_ws(E'\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), 'using ' || qual, 'with check ' || with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = 'analysis_metrics' AND policyname = 'Users can view their own analysis metrics'$q$,
     NULL::text,
     ARRAY[$q$DROP POLICY "Users can view their own analysis metrics" ON public.analysis_metrics;$q$, $q$CREATE POLICY "Users can view their own analysis metrics" ON public.analysis_metrics AS PERMISSIVE FOR SELECT TO authenticated USING (EXISTS (SELECT 1 FROM public.analysis_jobs AS j WHERE j.id = analysis_metrics.analysis_id AND j.user_id = (SELECT auth.uid())));$q$]::text[],
     NULL::text,
     '"$user", public, extensions',
     $q$SELECT concat_ws(E'\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, 'using ' || regexp_replace(regexp_replace(regexp_replace(p.polqual::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g'), 'with check ' || regexp_replace(regexp_replace(regexp_replace(p.polwithcheck::text, ':(location|stmt_location) -?[0-9]+', E':\\1 -1', 'g'), ':(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+', E':\\1 0', 'g'), E'(:eref \\{ALIAS :aliasname (?:[^ \\\\]|\\\\.)*) :colnames (?:<>|\\((?:"(?:[^"\\\\]|\\\\.)*" ?)*\\))\\}', E'\\1}', 'g')) FROM pg_policy p WHERE p.polrelid = to_regclass('public.analysis_metrics') AND p.polname = 'Users can view their own analysis metrics'$q$),
    ('table public.analysis_metrics',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.analysis_metrics')$q$,
     'table',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.analysis_metrics_metric_key_idx',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.analysis_metrics_metric_key_idx')$q$,
     'index',
     NULL::text[],
     NULL::text,
     '"$user", public, extensions',
     NULL::text),
    ('index public.analysis_metrics_analysis_id_idx',
     'exists',
     $q$SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END FROM pg_class c WHERE c.oid = to_regclass('public.analysis_metrics_analysis_id_idx')$q$,
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
      problems := problems || format('%s exists, but 20250914000000_phase1_trd_alignment.sql left none: it was created since, and the rollback would replace or trip over it', c.label);
    ELSIF c.mode <> 'absent' AND actual IS NULL THEN
      problems := problems || format('%s does not exist, but 20250914000000_phase1_trd_alignment.sql left it', c.label);
    ELSIF c.want IS NOT NULL AND actual IS DISTINCT FROM c.want THEN
      problems := problems || format('%s is a %s now, not a %s', c.label, actual, c.want);
    ELSIF c.mode = 'same' AND actual IS DISTINCT FROM expected
        AND (actual_tree IS NULL OR actual_tree IS DISTINCT FROM expected_tree) THEN
      -- the printed definitions differ, and so do the stored parse trees: a real change
      al := string_to_array(actual, E'\n');
      el := string_to_array(coalesce(expected, ''), E'\n');
      FOR i IN 1 .. greatest(cardinality(al), cardinality(el)) LOOP
        IF al[i] IS DISTINCT FROM el[i] THEN
          problems := problems || format('%s was changed after 20250914000000_phase1_trd_alignment.sql: line %s is %s, the migration left %s',
            c.label, i, coalesce(quote_literal(btrim(al[i])), 'missing'), coalesce(quote_literal(btrim(el[i])), 'nothing'));
          EXIT;
        END IF;
      END LOOP;
    END IF;
  END LOOP;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION E'pre-flight check failed, nothing was changed: the database is not in the state 20250914000000_phase1_trd_alignment.sql left it in\n- %',
      array_to_string(problems, E'\n- ')
      USING HINT = 'Find out who changed these objects and why before rolling back. To run the rollback anyway, regenerate it with --no-preflight.';
  END IF;
END
$preflight$;

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
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
DROP POLICY "Service role can manage all analysis jobs" ON public.analysis_jobs;

-- Step 6: Drop policy "Service role can manage all analysis metrics" ON public.analysis_metrics
-- Undoes 20250914000000_phase1_trd_alignment.sql:51
-- hazard AUTHZ: narrows access to public.analysis_metrics: drops permissive policy "Service role can manage all analysis metrics" ON public.analysis_metrics (FOR ALL TO service_role)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.analysis_metrics: reads and writes of it wait until the rollback commits
DROP POLICY "Service role can manage all analysis metrics" ON public.analysis_metrics;

-- Step 7: Drop policy "Service role can manage all video recordings" ON public.video_recordings
-- Undoes 20250914000000_phase1_trd_alignment.sql:45
-- hazard AUTHZ: narrows access to public.video_recordings: drops permissive policy "Service role can manage all video recordings" ON public.video_recordings (FOR ALL TO service_role)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.video_recordings: reads and writes of it wait until the rollback commits
DROP POLICY "Service role can manage all video recordings" ON public.video_recordings;

-- Step 8: Drop policy "Service role can manage all upload sessions" ON public.upload_sessions
-- Undoes 20250914000000_phase1_trd_alignment.sql:39
-- hazard AUTHZ: narrows access to public.upload_sessions: drops permissive policy "Service role can manage all upload sessions" ON public.upload_sessions (FOR ALL TO service_role)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.upload_sessions: reads and writes of it wait until the rollback commits
DROP POLICY "Service role can manage all upload sessions" ON public.upload_sessions;

-- Step 9: Drop column public.analysis_jobs.audio_url
-- Undoes 20250914000000_phase1_trd_alignment.sql:33
-- hazard DELETES_DATA: values written to public.analysis_jobs.audio_url since the migration are dropped; backed up to 20250914000000_analysis_jobs_audio_url
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DROP COLUMN takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
ALTER TABLE public.analysis_jobs DROP COLUMN audio_url;

-- Step 10: Drop column public.analysis_jobs.ssml
-- Undoes 20250914000000_phase1_trd_alignment.sql:33
-- hazard DELETES_DATA: values written to public.analysis_jobs.ssml since the migration are dropped; backed up to 20250914000000_analysis_jobs_ssml
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DROP COLUMN takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
ALTER TABLE public.analysis_jobs DROP COLUMN ssml;

-- Step 11: Drop column public.analysis_jobs.summary_text
-- Undoes 20250914000000_phase1_trd_alignment.sql:33
-- hazard DELETES_DATA: values written to public.analysis_jobs.summary_text since the migration are dropped; backed up to 20250914000000_analysis_jobs_summary_text
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DROP COLUMN takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
ALTER TABLE public.analysis_jobs DROP COLUMN summary_text;

-- Step 12: Drop policy "Users can view their own analysis metrics" ON public.analysis_metrics
-- Undoes 20250914000000_phase1_trd_alignment.sql:20
-- hazard AUTHZ: narrows access to public.analysis_metrics: drops permissive policy "Users can view their own analysis metrics" ON public.analysis_metrics (FOR SELECT TO authenticated)
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP POLICY takes an ACCESS EXCLUSIVE lock on public.analysis_metrics: reads and writes of it wait until the rollback commits
DROP POLICY "Users can view their own analysis metrics" ON public.analysis_metrics;

-- Step 13: Disable row level security on public.analysis_metrics
-- Undoes 20250914000000_phase1_trd_alignment.sql:18
-- hazard AUTHZ: widens access: with row level security off, policies of public.analysis_metrics no longer restrict rows
-- hazard ACCESS_EXCLUSIVE_LOCK: ALTER TABLE DISABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on public.analysis_metrics: reads and writes of it wait until the rollback commits
ALTER TABLE public.analysis_metrics DISABLE ROW LEVEL SECURITY;

-- Step 14: Drop index public.analysis_metrics_metric_key_idx
-- Undoes 20250914000000_phase1_trd_alignment.sql:16
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_metrics: reads and writes of it wait until the rollback commits
DROP INDEX public.analysis_metrics_metric_key_idx;

-- Step 15: Drop index public.analysis_metrics_analysis_id_idx
-- Undoes 20250914000000_phase1_trd_alignment.sql:15
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on public.analysis_metrics: reads and writes of it wait until the rollback commits
DROP INDEX public.analysis_metrics_analysis_id_idx;

-- Step 16: Drop table public.analysis_metrics
-- Undoes 20250914000000_phase1_trd_alignment.sql:5
-- hazard DELETES_DATA: rows written to public.analysis_metrics since the migration are dropped; backed up to 20250914000000_analysis_metrics
-- hazard ACCESS_EXCLUSIVE_LOCK: DROP TABLE takes an ACCESS EXCLUSIVE lock on public.analysis_metrics: reads and writes of it wait until the rollback commits; dropping the foreign keys of public.analysis_metrics takes an ACCESS EXCLUSIVE lock on public.analysis_jobs: reads and writes of it wait until the rollback commits
DROP TABLE public.analysis_metrics;

-- Post-rollback assertions: every object is gone or back as intended, otherwise this
-- transaction rolls back. Generate with --no-assertions to leave this block out.
DO $assert$
DECLARE
  failed text;
BEGIN
  SELECT string_agg(label, E'\n- ') INTO failed FROM (VALUES
    ('function public.migrate_results_to_metrics() is gone', to_regprocedure('public.migrate_results_to_metrics()') is null),
    ('function public.get_analysis_with_metrics(bigint) is gone', to_regprocedure('public.get_analysis_with_metrics(bigint)') is null),
    ('function public.store_analysis_results(bigint, text, text, text, jsonb) is gone', to_regprocedure('public.store_analysis_results(bigint, text, text, text, jsonb)') is null),
    ('policy "Service role can manage all analysis jobs" on public.analysis_jobs is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'analysis_jobs' and policyname = 'Service role can manage all analysis jobs')),
    ('policy "Service role can manage all analysis metrics" on public.analysis_metrics is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'analysis_metrics' and policyname = 'Service role can manage all analysis metrics')),
    ('policy "Service role can manage all video recordings" on public.video_recordings is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'video_recordings' and policyname = 'Service role can manage all video recordings')),
    ('policy "Service role can manage all upload sessions" on public.upload_sessions is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'upload_sessions' and policyname = 'Service role can manage all upload sessions')),
    ('column public.analysis_jobs.audio_url is gone', not exists (select from information_schema.columns where table_schema = 'public' and table_name = 'analysis_jobs' and column_name = 'audio_url')),
    ('column public.analysis_jobs.ssml is gone', not exists (select from information_schema.columns where table_schema = 'public' and table_name = 'analysis_jobs' and column_name = 'ssml')),
    ('column public.analysis_jobs.summary_text is gone', not exists (select from information_schema.columns where table_schema = 'public' and table_name = 'analysis_jobs' and column_name = 'summary_text')),
    ('policy "Users can view their own analysis metrics" on public.analysis_metrics is gone', not exists (select from pg_policies where schemaname = 'public' and tablename = 'analysis_metrics' and policyname = 'Users can view their own analysis metrics')),
    ('index public.analysis_metrics_metric_key_idx is gone', to_regclass('public.analysis_metrics_metric_key_idx') is null),
    ('index public.analysis_metrics_analysis_id_idx is gone', to_regclass('public.analysis_metrics_analysis_id_idx') is null),
    ('table public.analysis_metrics is gone', to_regclass('public.analysis_metrics') is null)
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
    DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250914000000';
  END IF;
END $$;

-- The migration asked PostgREST to reload its schema cache; so does the rollback.
NOTIFY pgrst, 'reload schema';

COMMIT;
