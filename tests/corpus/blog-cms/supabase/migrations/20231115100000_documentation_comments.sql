comment on table public.posts is 'Blog posts. Only published ones are visible to readers.';
comment on column public.posts.slug is 'URL segment, unique across all posts';
comment on column public.posts.view_count is 'Approximate; incremented by increment_view_count()';
comment on view public.published_posts is 'What the public site lists.';
comment on type public.post_status is 'Lifecycle of a post';
