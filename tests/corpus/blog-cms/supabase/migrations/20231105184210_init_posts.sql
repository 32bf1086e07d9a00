begin;

create type public.post_status as enum ('draft', 'published', 'archived');

create table public.authors (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null,
  bio text,
  avatar_path text,
  created_at timestamptz not null default now()
);

create table public.posts (
  id bigserial primary key,
  author_id uuid not null references public.authors (id) on delete cascade,
  slug text not null,
  title text not null,
  excerpt text,
  content text not null default '',
  status public.post_status not null default 'draft',
  published_at timestamptz,
  view_count integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint posts_slug_key unique (slug),
  constraint posts_published_at_check check (status <> 'published' or published_at is not null)
);

create index posts_author_id_idx on public.posts (author_id);
create index posts_published_at_idx on public.posts (published_at desc) where status = 'published';

alter table public.authors enable row level security;
alter table public.posts enable row level security;

create policy "Authors are public" on public.authors for select using (true);
create policy "Authors edit themselves" on public.authors for update using (auth.uid() = id);
create policy "Authors register themselves" on public.authors for insert with check (auth.uid() = id);

create policy "Published posts are public" on public.posts
  for select using (status = 'published' or auth.uid() = author_id);
create policy "Authors write their posts" on public.posts
  for insert with check (auth.uid() = author_id);
create policy "Authors update their posts" on public.posts
  for update using (auth.uid() = author_id) with check (auth.uid() = author_id);
create policy "Authors delete their drafts" on public.posts
  for delete using (auth.uid() = author_id and status = 'draft');

commit;
