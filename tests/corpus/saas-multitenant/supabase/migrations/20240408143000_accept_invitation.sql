create or replace function public.accept_invitation(invite_token text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  inv public.invitations;
begin
  select * into inv
  from public.invitations
  where token = invite_token
    and accepted_at is null
    and expires_at > now()
  for update;

  if not found then
    raise exception 'invitation not found or expired' using errcode = 'P0002';
  end if;

  if lower(inv.email::text) <> lower(auth.email()) then
    raise exception 'invitation was sent to a different address' using errcode = '42501';
  end if;

  insert into public.organization_members (organization_id, user_id, role)
  values (inv.organization_id, auth.uid(), inv.role)
  on conflict (organization_id, user_id) do update set role = excluded.role;

  update public.invitations set accepted_at = now() where id = inv.id;

  return inv.organization_id;
end;
$$;

revoke execute on function public.accept_invitation(text) from anon, public;
grant execute on function public.accept_invitation(text) to authenticated;
