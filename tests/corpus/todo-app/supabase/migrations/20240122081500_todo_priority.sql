-- Priority for todos. The type may already exist on environments where it was created by hand.
do $$
begin
  if not exists (select 1 from pg_type where typname = 'todo_priority') then
    create type public.todo_priority as enum ('low', 'medium', 'high');
  end if;
end
$$;

alter table public.todos
  add column if not exists priority public.todo_priority not null default 'medium';
