-- One pending invitation per address and organization.
create unique index invitations_pending_email_key
  on public.invitations (organization_id, lower(email::text))
  where accepted_at is null;

drop policy if exists "Admins can revoke invitations" on public.invitations;

create policy "Admins can revoke invitations" on public.invitations
  for delete to authenticated
  using (public.has_org_role(organization_id, 'admin') or invited_by = (select auth.uid()));

drop function if exists public.current_org_role(uuid);
