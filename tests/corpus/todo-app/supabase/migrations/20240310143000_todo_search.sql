create extension if not exists pg_trgm with schema extensions;

create index concurrently if not exists todos_task_trgm_idx
  on public.todos using gin (task extensions.gin_trgm_ops);
