alter table public.products alter column price_cents type bigint;
alter table public.products add column compare_at_price numeric(12, 2);
alter table public.order_items alter column unit_price_cents type bigint;
alter table public.orders
  alter column subtotal_cents type bigint,
  alter column shipping_cents type bigint;
