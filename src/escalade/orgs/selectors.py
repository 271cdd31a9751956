"""Reads of organisations."""

from __future__ import annotations

from escalade.orgs.models import Organisation


def organisation_for_email(email: str) -> Organisation | None:
    """The active organisation whose e-mail domain matches the address's domain, if any."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    return Organisation.objects.filter(domains__domain=domain, is_active=True).first()
