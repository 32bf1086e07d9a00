alter type public.todo_status add value 'archived';
