"""Background jobs of tickets. Closing resolved tickets after the reopen window is a time automation
now (``automation``, seeded by its migration 0002)."""
