-- View counts moved to the analytics provider.
drop function if exists public.increment_view_count(text);
alter table public.posts drop column if exists view_count;
drop index if exists public.posts_author_id_idx;
create index concurrently posts_author_id_status_idx on public.posts (author_id, status);
