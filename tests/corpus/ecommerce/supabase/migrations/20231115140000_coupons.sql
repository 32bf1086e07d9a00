create table public.coupons (
  id uuid primary key default gen_random_uuid(),
  code text not null,
  percent_off smallint check (percent_off between 1 and 100),
  amount_off_cents integer check (amount_off_cents > 0),
  valid_until timestamptz,
  max_redemptions integer,
  created_at timestamptz not null default now(),
  constraint coupons_one_discount check ((percent_off is null) <> (amount_off_cents is null))
);

create unique index coupons_code_lower_idx on public.coupons (lower(code));

alter table public.coupons enable row level security;

alter table public.orders add column coupon_id uuid references public.coupons (id);
alter table public.orders add column discount_cents bigint not null default 0;
