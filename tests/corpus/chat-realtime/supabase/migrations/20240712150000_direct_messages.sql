do $$
begin
  if not exists (select 1 from pg_type where typname = 'room_kind') then
    create type public.room_kind as enum ('channel', 'direct');
  end if;
end
$$;

alter table public.rooms add column if not exists kind public.room_kind not null default 'channel';
alter table public.rooms alter column name drop not null;

create unique index if not exists rooms_slug_lower_key on public.rooms (lower(slug));
