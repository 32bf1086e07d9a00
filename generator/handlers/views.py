"""views handlers (being written)."""
