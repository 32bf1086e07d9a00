create table public.comments (
  id bigint generated always as identity primary key,
  post_id bigint not null references public.posts (id) on delete cascade,
  parent_id bigint references public.comments (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade default auth.uid(),
  body text not null check (length(body) between 1 and 5000),
  is_hidden boolean not null default false,
  created_at timestamptz not null default now()
);

create index comments_post_id_created_at_idx on public.comments (post_id, created_at);
create index comments_parent_id_idx on public.comments (parent_id);

alter table public.comments enable row level security;

create policy "Visible comments are public" on public.comments
  for select using (not is_hidden or auth.uid() = user_id);
create policy "Signed-in users comment" on public.comments
  for insert to authenticated with check (auth.uid() = user_id);
create policy "Users delete their comments" on public.comments
  for delete to authenticated using (auth.uid() = user_id);
