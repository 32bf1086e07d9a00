alter type public.member_role add value if not exists 'billing' after 'admin';
