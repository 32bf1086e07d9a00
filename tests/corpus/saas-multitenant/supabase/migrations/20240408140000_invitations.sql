create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  email extensions.citext not null,
  role public.member_role not null default 'member',
  token text not null unique default encode(extensions.gen_random_bytes(24), 'hex'),
  invited_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz
);

alter table public.invitations enable row level security;

create policy "Admins can view invitations"
  on public.invitations for select
  to authenticated
  using (public.has_org_role(organization_id, 'admin'));

create policy "Admins can create invitations"
  on public.invitations for insert
  to authenticated
  with check (public.has_org_role(organization_id, 'admin') and invited_by = auth.uid());

create policy "Admins can revoke invitations"
  on public.invitations for delete
  to authenticated
  using (public.has_org_role(organization_id, 'admin'));

create index invitations_organization_id_idx on public.invitations (organization_id);
