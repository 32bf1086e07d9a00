-- Semantic search ("related posts"). Needs pgvector, which the hosted project has.
create extension if not exists vector with schema extensions;

create table public.post_embeddings (
  post_id bigint primary key references public.posts (id) on delete cascade,
  embedding extensions.vector(1536) not null,
  model text not null default 'text-embedding-3-small',
  updated_at timestamptz not null default now()
);

alter table public.post_embeddings enable row level security;

create policy "Embeddings are public" on public.post_embeddings for select using (true);
