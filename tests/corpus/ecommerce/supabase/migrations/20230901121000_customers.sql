create table public.customers (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  full_name text,
  stripe_customer_id text unique,
  default_shipping_address jsonb,
  created_at timestamptz not null default now()
);

alter table public.customers enable row level security;

create policy "Customers can view own record" on public.customers
  for select using (auth.uid() = id);
create policy "Customers can update own record" on public.customers
  for update using (auth.uid() = id);

create function public.handle_new_customer()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  insert into public.customers (id, email, full_name)
  values (new.id, new.email, new.raw_user_meta_data ->> 'full_name');
  return new;
end;
$$;

create trigger on_auth_user_created_customer
  after insert on auth.users
  for each row execute function public.handle_new_customer();
