create view public.order_totals with (security_invoker = on) as
  select
    o.id as order_id,
    o.customer_id,
    o.status,
    sum(i.quantity * i.unit_price_cents) as items_cents,
    o.shipping_cents,
    sum(i.quantity * i.unit_price_cents) + o.shipping_cents as total_cents
  from public.orders o
  left join public.order_items i on i.order_id = o.id
  group by o.id;

grant select on public.order_totals to authenticated;
revoke all on public.order_totals from anon;
