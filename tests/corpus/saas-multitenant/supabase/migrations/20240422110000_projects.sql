create table public.projects (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null,
  description text,
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name)
);

alter table public.projects enable row level security;

create policy "Members can view projects" on public.projects
  for select to authenticated using (public.is_org_member(organization_id));
create policy "Members can create projects" on public.projects
  for insert to authenticated with check (public.is_org_member(organization_id));
create policy "Members can update projects" on public.projects
  for update to authenticated using (public.is_org_member(organization_id));
create policy "Admins can delete projects" on public.projects
  for delete to authenticated using (public.has_org_role(organization_id, 'admin'));

create or replace function public.set_updated_at()
returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create trigger projects_set_updated_at
  before update on public.projects
  for each row execute function public.set_updated_at();
