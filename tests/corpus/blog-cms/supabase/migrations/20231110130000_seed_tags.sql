insert into public.tags (name, slug) values
  ('Engineering', 'engineering'),
  ('Product', 'product'),
  ('Design', 'design'),
  ('Company', 'company')
on conflict (slug) do nothing;
