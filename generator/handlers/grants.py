"""grants handlers (being written)."""
