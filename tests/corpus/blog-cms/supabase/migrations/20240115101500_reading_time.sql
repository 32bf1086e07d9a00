create or replace function public.reading_time_minutes(p public.posts)
returns integer
language sql
immutable
set search_path = ''
as $$
  select greatest(1, ceil(array_length(regexp_split_to_array(trim(p.body), '\s+'), 1) / 220.0))::integer;
$$;

create or replace view public.published_posts
with (security_invoker = true)
as
select
  p.id,
  p.slug,
  p.title,
  p.excerpt,
  p.published_at,
  a.display_name as author_name,
  a.avatar_path as author_avatar_path,
  public.reading_time_minutes(p) as reading_time
from public.posts p
join public.authors a on a.id = p.author_id
where p.status = 'published';
