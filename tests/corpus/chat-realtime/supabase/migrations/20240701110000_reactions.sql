create table public.message_reactions (
  message_id bigint not null references public.messages (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  emoji text not null check (char_length(emoji) <= 16),
  created_at timestamptz not null default now(),
  primary key (message_id, user_id, emoji)
);

alter table public.message_reactions enable row level security;

create policy "Room members see reactions" on public.message_reactions
  for select to authenticated
  using (exists (
    select 1 from public.messages m
    where m.id = message_id and public.is_room_member(m.room_id)
  ));

create policy "Users react as themselves" on public.message_reactions
  for insert to authenticated with check (user_id = (select auth.uid()));

create policy "Users remove their reactions" on public.message_reactions
  for delete to authenticated using (user_id = (select auth.uid()));

alter publication supabase_realtime add table public.message_reactions;
