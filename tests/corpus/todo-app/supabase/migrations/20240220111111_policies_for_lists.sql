-- Todos in a list are visible to the list owner too, and policies only apply to signed-in users.
drop policy if exists "Individuals can view their own todos. " on public.todos;
create policy "Individuals can view their own todos. " on public.todos
  for select to authenticated
  using (
    (select auth.uid()) = user_id
    or exists (
      select 1 from public.lists l
      where l.id = todos.list_id and l.owner_id = (select auth.uid())
    )
  );

drop policy if exists "Individuals can update their own todos." on public.todos;
create policy "Individuals can update their own todos." on public.todos
  for update to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);

drop policy if exists "Individuals can delete their own todos." on public.todos;
create policy "Individuals can delete their own todos." on public.todos
  for delete to authenticated
  using ((select auth.uid()) = user_id);
