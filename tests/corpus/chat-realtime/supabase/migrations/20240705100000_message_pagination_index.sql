create index concurrently if not exists messages_room_id_inserted_at_idx
  on public.messages using btree (room_id, inserted_at desc);
