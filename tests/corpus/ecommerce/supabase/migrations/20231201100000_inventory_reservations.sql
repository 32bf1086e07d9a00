-- Stock is now reserved by the checkout function; the trigger double-counted.
drop trigger if exists order_items_decrement_stock on public.order_items;
drop function if exists public.decrement_stock();
alter table public.inventory rename column quantity to on_hand;
alter table public.inventory add column reserved integer not null default 0;
alter table public.inventory add constraint inventory_reserved_le_on_hand check (reserved <= on_hand);
