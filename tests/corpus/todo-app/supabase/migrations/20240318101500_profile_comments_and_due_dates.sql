alter table public.todos add column due_on date;
alter table public.todos rename column inserted_at to created_at;

comment on table public.todos is 'A task belonging to one user, optionally in a list.';
comment on column public.todos.due_on is 'Local date the task is due; no time zone on purpose.';
comment on column public.profiles.website is 'Personal website, shown on the public profile.';
comment on function public.handle_new_user() is 'Creates the profile of a new auth user.';

create index todos_user_id_due_on_idx on public.todos (user_id, due_on) where status <> 'done';
