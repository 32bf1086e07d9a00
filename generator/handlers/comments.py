"""comments handlers (being written)."""
