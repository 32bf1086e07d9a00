-- Live updates in the app: send full rows so the client can diff them.
alter table public.todos replica identity full;
alter publication supabase_realtime add table public.todos;
alter publication supabase_realtime add table public.lists;
