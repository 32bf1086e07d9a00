"""triggers handlers (being written)."""
