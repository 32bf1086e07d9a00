create table public.categories (
  id bigint generated always as identity primary key,
  parent_id bigint references public.categories (id),
  name text not null,
  slug text not null unique,
  sort_order smallint not null default 0
);

create table public.products (
  id uuid primary key default gen_random_uuid(),
  category_id bigint references public.categories (id) on delete set null,
  sku text not null unique,
  name text not null,
  description text,
  price_cents integer not null check (price_cents >= 0),
  currency char(3) not null default 'USD',
  active boolean not null default true,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create index products_category_id_idx on public.products (category_id);
create index products_active_idx on public.products (active) where active;

alter table public.categories enable row level security;
alter table public.products enable row level security;

create policy "Anyone can browse categories" on public.categories for select to anon, authenticated using (true);
create policy "Anyone can browse active products" on public.products for select to anon, authenticated using (active);
