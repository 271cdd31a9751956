"""``escalade import``: tickets and their follow-ups from CSV or JSON Lines (see docs/import.md)."""
