-- Presence moved to Realtime Presence (in-memory); the table is no longer used.
alter publication supabase_realtime drop table public.presence;
drop table if exists public.presence;
