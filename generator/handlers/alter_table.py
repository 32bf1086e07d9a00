"""alter_table handlers (being written)."""
