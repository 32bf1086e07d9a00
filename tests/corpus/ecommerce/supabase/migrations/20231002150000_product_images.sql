insert into storage.buckets (id, name, public)
values ('product-images', 'product-images', true);

create table public.product_images (
  id uuid primary key default gen_random_uuid(),
  product_id uuid not null references public.products (id) on delete cascade,
  storage_path text not null,
  alt_text text,
  position smallint not null default 0
);

create index product_images_product_id_position_idx on public.product_images (product_id, position);

alter table public.product_images enable row level security;
create policy "Product images are public" on public.product_images for select using (true);

create policy "Anyone can view product images"
  on storage.objects for select
  using (bucket_id = 'product-images');

create policy "Staff upload product images"
  on storage.objects for insert to authenticated
  with check (
    bucket_id = 'product-images'
    and (auth.jwt() -> 'app_metadata' ->> 'role') = 'staff'
  );
