create table "public"."programs" (
    "id" uuid not null default gen_random_uuid(),
    "coach_id" uuid not null,
    "title" text not null,
    "weeks" smallint not null default 4,
    "created_at" timestamp with time zone not null default now()
);


alter table "public"."programs" enable row level security;

alter table "public"."workouts" add column "program_id" uuid;

CREATE UNIQUE INDEX programs_pkey ON public.programs USING btree (id);

CREATE INDEX workouts_program_id_idx ON public.workouts USING btree (program_id);

alter table "public"."programs" add constraint "programs_pkey" PRIMARY KEY using index "programs_pkey";

alter table "public"."programs" add constraint "programs_coach_id_fkey" FOREIGN KEY (coach_id) REFERENCES profiles(id) ON DELETE CASCADE not valid;

alter table "public"."programs" validate constraint "programs_coach_id_fkey";

alter table "public"."programs" add constraint "programs_weeks_check" CHECK (((weeks >= 1) AND (weeks <= 52))) not valid;

alter table "public"."programs" validate constraint "programs_weeks_check";

alter table "public"."workouts" add constraint "workouts_program_id_fkey" FOREIGN KEY (program_id) REFERENCES programs(id) ON DELETE SET NULL not valid;

alter table "public"."workouts" validate constraint "workouts_program_id_fkey";

grant delete on table "public"."programs" to "anon";

grant insert on table "public"."programs" to "anon";

grant references on table "public"."programs" to "anon";

grant select on table "public"."programs" to "anon";

grant trigger on table "public"."programs" to "anon";

grant truncate on table "public"."programs" to "anon";

grant update on table "public"."programs" to "anon";

grant delete on table "public"."programs" to "authenticated";

grant insert on table "public"."programs" to "authenticated";

grant references on table "public"."programs" to "authenticated";

grant select on table "public"."programs" to "authenticated";

grant trigger on table "public"."programs" to "authenticated";

grant truncate on table "public"."programs" to "authenticated";

grant update on table "public"."programs" to "authenticated";

grant delete on table "public"."programs" to "service_role";

grant insert on table "public"."programs" to "service_role";

grant references on table "public"."programs" to "service_role";

grant select on table "public"."programs" to "service_role";

grant trigger on table "public"."programs" to "service_role";

grant truncate on table "public"."programs" to "service_role";

grant update on table "public"."programs" to "service_role";

create policy "Coaches manage their programs"
on "public"."programs"
as permissive
for all
to authenticated
using ((coach_id = auth.uid()))
with check ((coach_id = auth.uid()));


create policy "Athletes read programs of their coaches"
on "public"."programs"
as permissive
for select
to authenticated
using ((EXISTS ( SELECT 1
   FROM coach_athletes ca
  WHERE ((ca.coach_id = programs.coach_id) AND (ca.athlete_id = auth.uid())))));
