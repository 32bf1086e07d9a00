-- supabase db diff output: reminders for tasks

create table "public"."reminders" (
    "id" uuid not null default gen_random_uuid(),
    "task_id" uuid not null,
    "remind_at" timestamp with time zone not null,
    "sent" boolean not null default false
);


alter table "public"."reminders" enable row level security;

alter table "public"."tasks" add column "estimate_minutes" integer;

CREATE UNIQUE INDEX reminders_pkey ON public.reminders USING btree (id);

CREATE INDEX reminders_remind_at_idx ON public.reminders USING btree (remind_at) WHERE (NOT sent);

alter table "public"."reminders" add constraint "reminders_pkey" PRIMARY KEY using index "reminders_pkey";

alter table "public"."reminders" add constraint "reminders_task_id_fkey" FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE not valid;

alter table "public"."reminders" validate constraint "reminders_task_id_fkey";

alter table "public"."tasks" add constraint "tasks_estimate_minutes_check" CHECK ((estimate_minutes > 0)) not valid;

alter table "public"."tasks" validate constraint "tasks_estimate_minutes_check";

grant delete on table "public"."reminders" to "anon";

grant insert on table "public"."reminders" to "anon";

grant references on table "public"."reminders" to "anon";

grant select on table "public"."reminders" to "anon";

grant trigger on table "public"."reminders" to "anon";

grant truncate on table "public"."reminders" to "anon";

grant update on table "public"."reminders" to "anon";

grant delete on table "public"."reminders" to "authenticated";

grant insert on table "public"."reminders" to "authenticated";

grant references on table "public"."reminders" to "authenticated";

grant select on table "public"."reminders" to "authenticated";

grant trigger on table "public"."reminders" to "authenticated";

grant truncate on table "public"."reminders" to "authenticated";

grant update on table "public"."reminders" to "authenticated";

grant delete on table "public"."reminders" to "service_role";

grant insert on table "public"."reminders" to "service_role";

grant references on table "public"."reminders" to "service_role";

grant select on table "public"."reminders" to "service_role";

grant trigger on table "public"."reminders" to "service_role";

grant truncate on table "public"."reminders" to "service_role";

grant update on table "public"."reminders" to "service_role";

create policy "Members manage reminders"
on "public"."reminders"
as permissive
for all
to authenticated
using ((EXISTS ( SELECT 1
   FROM (tasks t
     JOIN projects p ON ((p.id = t.project_id)))
  WHERE ((t.id = reminders.task_id) AND is_team_member(p.team_id)))));


set check_function_bodies = off;

CREATE OR REPLACE FUNCTION public.due_reminders()
 RETURNS SETOF reminders
 LANGUAGE sql
 STABLE
AS $function$
  select * from public.reminders where not sent and remind_at <= now()
$function$
;
