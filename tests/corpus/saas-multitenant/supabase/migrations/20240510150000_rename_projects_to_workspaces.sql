-- Product renamed "projects" to "workspaces".
alter table public.projects rename to workspaces;
alter table public.workspaces rename column archived to is_archived;
alter index public.projects_pkey rename to workspaces_pkey;
alter table public.workspaces rename constraint projects_organization_id_fkey to workspaces_organization_id_fkey;
alter trigger projects_set_updated_at on public.workspaces rename to workspaces_set_updated_at;
alter policy "Members can view projects" on public.workspaces rename to "Members can view workspaces";
alter policy "Admins can delete projects" on public.workspaces rename to "Admins can delete workspaces";
