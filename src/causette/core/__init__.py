"""Pure chat domain: every rule the server enforces, as functions of (state, now)."""
