-- Phase 1 TRD alignment: per-metric analysis results in their own table, TTS/audio
-- fields on analysis jobs, service-role access for the Edge Functions.

-- 1. Metrics move out of analysis_jobs.results into their own table.
create table public.analysis_metrics (
  id bigint generated always as identity primary key,
  analysis_id bigint not null references public.analysis_jobs (id) on delete cascade,
  metric_key text not null,
  metric_value numeric not null,
  unit text,
  created_at timestamptz not null default now(),
  unique (analysis_id, metric_key)
);

create index analysis_metrics_analysis_id_idx on public.analysis_metrics (analysis_id);
create index analysis_metrics_metric_key_idx on public.analysis_metrics (metric_key);

alter table public.analysis_metrics enable row level security;

create policy "Users can view their own analysis metrics"
  on public.analysis_metrics for select
  to authenticated
  using (
    exists (
      select 1
      from public.analysis_jobs j
      where j.id = analysis_metrics.analysis_id
        and j.user_id = (select auth.uid())
    )
  );

-- 2. Summary, SSML and the generated audio of each analysis.
alter table public.analysis_jobs
  add column summary_text text,
  add column ssml text,
  add column audio_url text;

-- 3. The Edge Functions use the service role.
create policy "Service role can manage all upload sessions"
  on public.upload_sessions for all
  to service_role
  using (true)
  with check (true);

create policy "Service role can manage all video recordings"
  on public.video_recordings for all
  to service_role
  using (true)
  with check (true);

create policy "Service role can manage all analysis metrics"
  on public.analysis_metrics for all
  to service_role
  using (true)
  with check (true);

create policy "Service role can manage all analysis jobs"
  on public.analysis_jobs for all
  to service_role
  using (true)
  with check (true);

-- 4. Writing and reading results.
create or replace function public.store_analysis_results(
  analysis_job_id bigint,
  p_summary_text text,
  p_ssml text,
  p_audio_url text,
  p_metrics jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
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
$$;

create or replace function public.get_analysis_with_metrics(analysis_job_id bigint)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
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
$$;

-- One-off backfill, kept as a function so it can be re-run after a partial import.
create or replace function public.migrate_results_to_metrics()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
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
$$;

revoke execute on function public.migrate_results_to_metrics() from public, anon, authenticated;

notify pgrst, 'reload schema';
