"""publications handlers (being written)."""
