-- The policies above could not show a member the other members of a room without
-- recursing into room_members' own policy. Use a security definer helper instead.
create or replace function public.is_room_member(_room_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
stable
as $$
begin
  return exists (
    select 1 from public.room_members
    where room_id = _room_id and user_id = auth.uid()
  );
end;
$$;

drop policy if exists "Users see their memberships" on public.room_members;
create policy "Members see the members of their rooms" on public.room_members
  for select to authenticated
  using (public.is_room_member(room_id));

drop policy if exists "Members can read messages" on public.messages;
create policy "Members can read messages" on public.messages
  for select to authenticated
  using (public.is_room_member(room_id));

drop policy if exists "Members can read rooms" on public.rooms;
create policy "Members can read rooms" on public.rooms
  for select to authenticated
  using (public.is_room_member(id) or created_by = auth.uid());

create policy "Room creators add members" on public.room_members
  for insert to authenticated
  with check (exists (select 1 from public.rooms r where r.id = room_id and r.created_by = auth.uid()));
