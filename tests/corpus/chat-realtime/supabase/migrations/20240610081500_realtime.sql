-- Broadcast new messages and membership changes to subscribed clients.
alter publication supabase_realtime add table public.messages, public.room_members;
