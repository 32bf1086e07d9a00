alter table public.posts
  add column fts tsvector generated always as (
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(excerpt, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(content, '')), 'C')
  ) stored;

create index posts_fts_idx on public.posts using gin (fts);

create or replace function public.increment_view_count(post_slug text)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.posts set view_count = view_count + 1 where slug = post_slug and status = 'published';
$$;
