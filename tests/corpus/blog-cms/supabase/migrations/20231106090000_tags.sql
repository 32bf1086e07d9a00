create table public.tags (
  id serial primary key,
  name text not null,
  slug text not null unique
);

create table public.post_tags (
  post_id bigint not null references public.posts (id) on delete cascade,
  tag_id integer not null references public.tags (id) on delete cascade,
  primary key (post_id, tag_id)
);

create index post_tags_tag_id_idx on public.post_tags (tag_id);

alter table public.tags enable row level security;
alter table public.post_tags enable row level security;

create policy "Tags are public" on public.tags for select using (true);
create policy "Post tags are public" on public.post_tags for select using (true);
create policy "Authors tag their posts" on public.post_tags for all
  using (exists (select 1 from public.posts p where p.id = post_id and p.author_id = auth.uid()))
  with check (exists (select 1 from public.posts p where p.id = post_id and p.author_id = auth.uid()));
