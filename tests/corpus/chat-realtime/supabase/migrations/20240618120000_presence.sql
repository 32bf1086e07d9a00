create table if not exists public.presence (
  user_id uuid primary key references auth.users (id) on delete cascade,
  room_id uuid references public.rooms (id) on delete set null,
  status text not null default 'online' check (status in ('online', 'away', 'offline')),
  last_seen_at timestamptz not null default now()
);

alter table public.presence enable row level security;

create policy "Presence is visible to signed-in users" on public.presence
  for select to authenticated using (true);
create policy "Users update their own presence" on public.presence
  for all to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

alter publication supabase_realtime add table public.presence;
