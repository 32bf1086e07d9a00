alter table public.posts rename column content to body;
alter table public.authors add column twitter_handle text;
alter table public.authors alter column bio type varchar(500);
