"""Access decisions: may this token charge at this station now, and why (not)."""
