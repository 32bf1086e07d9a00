alter publication supabase_realtime add table only "public"."workouts";

drop policy "Profiles are readable by signed-in users" on "public"."profiles";

create policy "Profiles are readable by coaches and themselves"
on "public"."profiles"
as permissive
for select
to authenticated
using (((id = auth.uid()) OR is_coach_of(id)));

alter table "public"."exercises" drop column "equipment";

drop index if exists "public"."exercises_name_trgm_idx";

revoke truncate on table "public"."workouts" from "anon";
