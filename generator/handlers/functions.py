"""functions handlers (being written)."""
