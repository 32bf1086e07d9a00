alter table "public"."workouts" add column "rating" smallint;

alter table "public"."workouts" alter column "notes" set data type character varying(4000) using "notes"::character varying(4000);

alter table "public"."workouts" add constraint "workouts_rating_check" CHECK (((rating >= 1) AND (rating <= 5))) not valid;

alter table "public"."workouts" validate constraint "workouts_rating_check";

alter type "public"."session_kind" add value 'recovery' before 'rest';

set check_function_bodies = off;

CREATE OR REPLACE FUNCTION public.is_coach_of(athlete uuid)
 RETURNS boolean
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  select exists (
    select 1 from public.coach_athletes ca
    where ca.coach_id = auth.uid() and ca.athlete_id = athlete
  ) or exists (
    select 1 from public.profiles p where p.id = auth.uid() and p.role = 'admin'
  );
$function$
;
