-- Hand-written, re-runnable: guards, seed rows, a storage bucket

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'notification_kind') THEN
    CREATE TYPE public.notification_kind AS ENUM ('mention', 'assigned', 'due');
  END IF;
END
$$;

CREATE TABLE IF NOT EXISTS public.notifications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES public.profiles (id) ON DELETE CASCADE,
  kind public.notification_kind NOT NULL,
  task_id uuid REFERENCES public.tasks (id) ON DELETE CASCADE,
  read_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE public.notifications ENABLE ROW LEVEL SECURITY;

DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_policies
    WHERE schemaname = 'public' AND tablename = 'notifications' AND policyname = 'Users read own notifications'
  ) THEN
    CREATE POLICY "Users read own notifications" ON public.notifications
      FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
  END IF;
END
$$;

DO $$
BEGIN
  ALTER TABLE public.labels ADD CONSTRAINT labels_name_not_blank CHECK (btrim(name) <> '');
EXCEPTION
  WHEN duplicate_object THEN NULL;
END
$$;

DO $$
BEGIN
  ALTER TABLE public.profiles ADD COLUMN username text;
EXCEPTION
  WHEN duplicate_column THEN RAISE NOTICE 'profiles.username already exists';
END
$$;

DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = 'profiles' AND column_name = 'timezone'
  ) THEN
    EXECUTE 'ALTER TABLE public.profiles ADD COLUMN timezone text NOT NULL DEFAULT ''UTC''';
  END IF;
END
$$;

CREATE INDEX IF NOT EXISTS notifications_user_id_unread_idx
  ON public.notifications (user_id) WHERE read_at IS NULL;

ALTER PUBLICATION supabase_realtime ADD TABLE public.notifications;

INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
VALUES ('task-attachments', 'task-attachments', false, 10485760, ARRAY['image/png', 'image/jpeg', 'application/pdf']);

CREATE POLICY "Members read attachments" ON storage.objects
  FOR SELECT TO authenticated
  USING (bucket_id = 'task-attachments' AND (storage.foldername(name))[1] = (SELECT auth.uid())::text);

DO $$ BEGIN RAISE NOTICE 'seed_and_guards applied'; END $$;

NOTIFY pgrst, 'reload schema';
