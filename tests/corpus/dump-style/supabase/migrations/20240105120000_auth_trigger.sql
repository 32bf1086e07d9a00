-- The remote_schema dump only covers public; the auth trigger had been created in the dashboard.
create or replace trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();
