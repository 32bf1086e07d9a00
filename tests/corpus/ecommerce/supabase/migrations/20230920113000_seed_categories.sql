insert into public.categories (name, slug, sort_order)
values
  ('Apparel', 'apparel', 1),
  ('Accessories', 'accessories', 2),
  ('Home', 'home', 3);

insert into public.categories (parent_id, name, slug, sort_order)
select id, 'T-Shirts', 't-shirts', 1 from public.categories where slug = 'apparel';
