create extension if not exists citext with schema extensions;
create extension if not exists pgcrypto with schema extensions;
