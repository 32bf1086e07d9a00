"""types handlers (being written)."""
