-- Media analysis: jobs, the media files they process, provider results and transcriptions.

create type public.job_status as enum ('pending', 'processing', 'completed', 'failed', 'cancelled');
create type public.media_type as enum ('video', 'audio', 'image');
create type public.file_type as enum ('mp4', 'mov', 'webm', 'mp3', 'wav', 'm4a', 'jpeg', 'png');
create type public.media_file_status as enum ('uploaded', 'processing', 'ready', 'error', 'deleted');
create type public.analysis_provider as enum ('openai', 'gemini', 'rekognition', 'internal');
create type public.transcription_provider as enum ('whisper', 'deepgram', 'assemblyai');

create table public.analysis_job (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references auth.users (id) on delete set null,
  status public.job_status not null default 'pending',
  media_type public.media_type not null,
  metadata jsonb not null default '{}'::jsonb,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.media_file (
  id uuid primary key default gen_random_uuid(),
  job_id uuid not null references public.analysis_job (id) on delete cascade,
  file_type public.file_type not null,
  status public.media_file_status not null default 'uploaded',
  storage_path text not null unique,
  size_bytes bigint check (size_bytes >= 0),
  checksum_sha256 text,
  created_at timestamptz not null default now()
);

create table public.analysis_result (
  id uuid primary key default gen_random_uuid(),
  job_id uuid not null references public.analysis_job (id) on delete cascade,
  media_file_id uuid references public.media_file (id) on delete set null,
  provider public.analysis_provider not null,
  result jsonb not null,
  confidence real check (confidence between 0 and 1),
  is_active boolean not null default true,
  created_at timestamptz not null default now()
);

create table public.transcription (
  id uuid primary key default gen_random_uuid(),
  job_id uuid not null references public.analysis_job (id) on delete cascade,
  media_file_id uuid not null references public.media_file (id) on delete cascade,
  provider public.transcription_provider not null,
  language text not null default 'en',
  text text not null,
  segments jsonb not null default '[]'::jsonb,
  is_active boolean not null default true,
  created_at timestamptz not null default now()
);

create index ix_media_file_job_id on public.media_file (job_id);
create index ix_analysis_result_media_file_id on public.analysis_result (media_file_id);
create index ix_transcription_media_file_id on public.transcription (media_file_id);

alter table public.analysis_job enable row level security;
alter table public.media_file enable row level security;
alter table public.analysis_result enable row level security;
alter table public.transcription enable row level security;

create policy "Users can view their own analysis jobs"
  on public.analysis_job for select
  to authenticated
  using ((select auth.uid()) = user_id);
