-- Orders are written by the checkout edge function (service_role) only.
revoke all on table public.orders from anon;
revoke all on table public.order_items from anon;
revoke insert, update, delete on table public.orders from authenticated;
revoke insert, update, delete on table public.order_items from authenticated;
revoke all on table public.customers from anon;
revoke insert, update, delete, truncate on table public.products from anon, authenticated;
revoke insert, update, delete, truncate on table public.categories from anon, authenticated;
grant select on table public.products to anon;
