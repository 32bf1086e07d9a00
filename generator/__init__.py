"""supabase-rollback: rollbacks for Supabase migrations, generated from history."""

__version__ = "0.1.0"
