"""The safety engine: pure, no I/O (being built)."""
