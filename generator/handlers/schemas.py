"""schemas handlers (being written)."""
