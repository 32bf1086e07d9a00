"""policies handlers (being written)."""
