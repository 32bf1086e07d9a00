"""indexes handlers (being written)."""
