-- Initial schema: upload sessions, video recordings and analysis jobs, owned by the
-- signed-in user through row level security.

create table public.upload_sessions (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  status text not null default 'pending'
    check (status in ('pending', 'uploading', 'completed', 'failed', 'cancelled')),
  total_bytes bigint,
  uploaded_bytes bigint not null default 0,
  expires_at timestamptz not null default now() + interval '1 hour',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.video_recordings (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  upload_session_id bigint references public.upload_sessions (id) on delete set null,
  filename text not null,
  storage_path text not null,
  duration_seconds numeric(8, 2),
  format text not null default 'mp4',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.analysis_jobs (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  video_recording_id bigint not null references public.video_recordings (id) on delete cascade,
  status text not null default 'queued'
    check (status in ('queued', 'processing', 'completed', 'failed')),
  progress_percentage integer not null default 0
    check (progress_percentage between 0 and 100),
  error_message text,
  results jsonb not null default '{}'::jsonb,
  processing_started_at timestamptz,
  processing_completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index upload_sessions_user_id_idx on public.upload_sessions (user_id);
create index video_recordings_user_id_idx on public.video_recordings (user_id);
create index analysis_jobs_user_id_idx on public.analysis_jobs (user_id);
create index analysis_jobs_status_idx on public.analysis_jobs (status);

-- updated_at bookkeeping
create or replace function public.update_updated_at_column()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at = now();
  return new;
end;
$$;

create trigger update_upload_sessions_updated_at
  before update on public.upload_sessions
  for each row execute function public.update_updated_at_column();

create trigger update_video_recordings_updated_at
  before update on public.video_recordings
  for each row execute function public.update_updated_at_column();

create trigger update_analysis_jobs_updated_at
  before update on public.analysis_jobs
  for each row execute function public.update_updated_at_column();

-- Row level security: every row belongs to the user who created it.
alter table public.upload_sessions enable row level security;
alter table public.video_recordings enable row level security;
alter table public.analysis_jobs enable row level security;

create policy "Users can view their own upload sessions"
  on public.upload_sessions for select
  to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users can create their own upload sessions"
  on public.upload_sessions for insert
  to authenticated
  with check ((select auth.uid()) = user_id);

create policy "Users can update their own upload sessions"
  on public.upload_sessions for update
  to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);

create policy "Users can view their own video recordings"
  on public.video_recordings for select
  to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users can create their own video recordings"
  on public.video_recordings for insert
  to authenticated
  with check ((select auth.uid()) = user_id);

create policy "Users can delete their own video recordings"
  on public.video_recordings for delete
  to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users can view their own analysis jobs"
  on public.analysis_jobs for select
  to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users can create their own analysis jobs"
  on public.analysis_jobs for insert
  to authenticated
  with check ((select auth.uid()) = user_id);

-- Progress of a job, for the client's polling screen.
create or replace function public.get_analysis_progress(job_id bigint)
returns table (status text, progress_percentage integer)
language sql
stable
security invoker
set search_path = ''
as $$
  select j.status, j.progress_percentage
  from public.analysis_jobs j
  where j.id = job_id;
$$;
