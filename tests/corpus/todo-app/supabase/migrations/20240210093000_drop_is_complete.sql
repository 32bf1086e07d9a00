-- status replaces is_complete (backfilled in 20240205170000)
alter table public.todos drop column is_complete;
