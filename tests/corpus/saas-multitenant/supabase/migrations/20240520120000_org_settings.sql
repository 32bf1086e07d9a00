alter table public.organizations add column settings jsonb not null default '{}'::jsonb;
alter table public.organizations add column logo_url text;
alter table public.workspaces alter column description type varchar(2000);
alter table public.organizations alter column billing_email set not null;

comment on column public.organizations.settings is 'Feature flags and preferences; validated by the API.';
