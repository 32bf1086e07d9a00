-- Processing log, plus GIN, partial and composite indexes for the dashboard queries.

create type public.processing_log_status as enum ('started', 'succeeded', 'failed', 'skipped');
create type public.processing_stage as enum ('upload', 'transcode', 'transcribe', 'analyze', 'notify');

create table public.processing_log (
  id bigint generated always as identity primary key,
  job_id uuid not null references public.analysis_job (id) on delete cascade,
  stage public.processing_stage not null,
  status public.processing_log_status not null,
  details jsonb not null default '{}'::jsonb,
  duration_ms integer,
  created_at timestamptz not null default now()
);

alter table public.processing_log enable row level security;

create index ix_processing_log_job_id on public.processing_log (job_id, created_at);

-- GIN indexes for jsonb containment queries
create index ix_analysis_job_metadata_gin on public.analysis_job using gin (metadata);
create index ix_analysis_result_result_gin on public.analysis_result using gin (result jsonb_path_ops);
create index ix_transcription_segments_gin on public.transcription using gin (segments);
create index ix_processing_log_details_gin on public.processing_log using gin (details);

-- Partial indexes: only the rows the workers still look at
create index ix_analysis_job_status_active on public.analysis_job (status)
  where status in ('pending', 'processing');
create index ix_media_file_status_active on public.media_file (status)
  where status <> 'deleted';
create index ix_analysis_result_provider_active on public.analysis_result (provider)
  where is_active;
create index ix_transcription_provider_active on public.transcription (provider)
  where is_active;

-- Composite indexes
create index ix_analysis_job_status_created on public.analysis_job (status, created_at desc);
create index ix_analysis_result_job_provider on public.analysis_result (job_id, provider);
create index ix_transcription_job_provider on public.transcription (job_id, provider);
