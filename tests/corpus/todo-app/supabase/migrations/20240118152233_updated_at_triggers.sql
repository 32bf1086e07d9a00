-- Keep updated_at current without trusting the client.
create or replace function public.handle_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at = now();
  return new;
end;
$$;

alter table public.todos add column updated_at timestamptz not null default now();

create trigger handle_updated_at before update on public.todos
  for each row execute function public.handle_updated_at();

create trigger handle_updated_at before update on public.profiles
  for each row execute function public.handle_updated_at();
