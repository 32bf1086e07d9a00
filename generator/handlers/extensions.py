"""extensions handlers (being written)."""
