insert into storage.buckets (id, name, public, file_size_limit)
values ('chat-attachments', 'chat-attachments', false, 10485760)
on conflict (id) do nothing;

-- Files live under <room id>/<file name>; only members of the room may touch them.
create policy "Room members read attachments"
on storage.objects for select to authenticated
using (
  bucket_id = 'chat-attachments'
  and public.is_room_member(((storage.foldername(name))[1])::uuid)
);

create policy "Room members upload attachments"
on storage.objects for insert to authenticated
with check (
  bucket_id = 'chat-attachments'
  and public.is_room_member(((storage.foldername(name))[1])::uuid)
);

alter table public.messages add column attachment_path text;
