"""Organisations served by the desk: the provider's own IT and its client organisations."""

from __future__ import annotations

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


@functools.cache
def _time_zones() -> frozenset[str]:
    """The IANA names, read once per process (``available_timezones`` walks the whole database)."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """Reject names that the IANA database does not know."""
    if value not in _time_zones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


class Organisation(models.Model):
    """A customer of the desk. Exactly one is the provider itself (internal IT); the others are clients."""

    class Kind(models.TextChoices):
        PROVIDER = "provider", _("Provider (internal IT)")
        CLIENT = "client", _("Client")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CLIENT)
    is_active = models.BooleanField(_("active"), default=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ("name",)
        constraints = (
            models.UniqueConstraint(
                fields=("kind",),
                condition=models.Q(kind="provider"),
                name="organisation_single_provider",
                violation_error_message=_("There can be only one provider organisation."),
            ),
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
        )

    def __str__(self) -> str:
        return self.name

    @property
    def is_provider(self) -> bool:
        return self.kind == self.Kind.PROVIDER


class OrganisationDomain(models.Model):
    """An e-mail domain that identifies an organisation's people (used by intake and sign-up)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="domains",
    )
    domain = models.CharField(_("e-mail domain"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("e-mail domain")
        verbose_name_plural = _("e-mail domains")
        ordering = ("domain",)

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        self.domain = self.domain.strip().lower().lstrip("@")
        if "." not in self.domain or " " in self.domain:
            raise ValidationError({"domain": _("Enter a domain such as example.com.")})


class Site(models.Model):
    """A place where an organisation's people work (an office, a shop, a warehouse)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(_("country code"), max_length=2, default="FR")
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ("organisation", "name")
        constraints = (
            models.UniqueConstraint(fields=("organisation", "name"), name="site_name_unique_per_org"),
        )

    def __str__(self) -> str:
        return f"{self.organisation} — {self.name}"
