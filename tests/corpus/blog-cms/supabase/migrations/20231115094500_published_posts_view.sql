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
  a.avatar_path as author_avatar_path
from public.posts p
join public.authors a on a.id = p.author_id
where p.status = 'published';

revoke all on public.published_posts from anon, authenticated;
grant select on public.published_posts to anon, authenticated;
