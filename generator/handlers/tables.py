"""tables handlers (being written)."""
