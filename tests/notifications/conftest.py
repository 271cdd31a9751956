"""Fixtures of the notification tests: the ticket fixtures."""

from tests.tickets.conftest import at, levels, make_ticket

__all__ = ["at", "levels", "make_ticket"]
