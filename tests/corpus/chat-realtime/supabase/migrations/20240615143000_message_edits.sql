alter table public.messages
  add column updated_at timestamp with time zone,
  add column edited boolean not null default false;

create or replace function public.mark_message_edited()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.content is distinct from old.content then
    new.edited := true;
    new.updated_at := now();
  end if;
  return new;
end;
$$;

create trigger mark_message_edited
before update on public.messages
for each row
execute function public.mark_message_edited();

create policy "Authors can edit their messages" on public.messages
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
