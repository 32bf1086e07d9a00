create type public.todo_status as enum ('todo', 'in_progress', 'done');

alter table public.todos add column status public.todo_status not null default 'todo';

update public.todos set status = 'done' where is_complete;
