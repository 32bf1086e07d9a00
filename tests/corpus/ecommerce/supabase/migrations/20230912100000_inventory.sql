create table public.inventory (
  product_id uuid primary key references public.products (id) on delete cascade,
  quantity integer not null default 0 check (quantity >= 0),
  updated_at timestamptz not null default now()
);

alter table public.inventory enable row level security;

create policy "Stock levels are public" on public.inventory for select using (true);

create or replace function public.decrement_stock()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.inventory
     set quantity = quantity - new.quantity,
         updated_at = now()
   where product_id = new.product_id;
  return new;
end;
$$;

create trigger order_items_decrement_stock
  after insert on public.order_items
  for each row execute function public.decrement_stock();
