create schema if not exists audit;

create table audit.record_changes (
  id bigint generated always as identity primary key,
  table_name text not null,
  record_id uuid,
  operation text not null check (operation in ('INSERT', 'UPDATE', 'DELETE')),
  old_record jsonb,
  new_record jsonb,
  changed_by uuid default auth.uid(),
  changed_at timestamptz not null default now()
);

create index record_changes_table_record_idx on audit.record_changes (table_name, record_id);

create or replace function audit.log_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into audit.record_changes (table_name, record_id, operation, old_record, new_record)
  values (
    tg_table_schema || '.' || tg_table_name,
    coalesce((to_jsonb(new) ->> 'id')::uuid, (to_jsonb(old) ->> 'id')::uuid),
    tg_op,
    case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end,
    case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end
  );
  return coalesce(new, old);
end;
$$;

create trigger projects_audit
  after insert or update or delete on public.projects
  for each row execute function audit.log_change();

create trigger organizations_audit
  after insert or update or delete on public.organizations
  for each row execute function audit.log_change();
