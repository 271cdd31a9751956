"""Writes of organisations, their domains and sites. Each records an event."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify

from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.services import (
    changes_between,
    event_record,
    fields_assign,
    snapshot,
    validate_instance,
)
from escalade.orgs.models import Organisation, OrganisationDomain, Site

ORGANISATION_FIELDS = ("name", "slug", "kind", "is_active", "phone", "notes")
SITE_FIELDS = ("name", "address", "city", "country", "time_zone", "is_active")


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    name: str,
    kind: str = Organisation.Kind.CLIENT,
    slug: str = "",
    phone: str = "",
    notes: str = "",
) -> Organisation:
    """Create an organisation (a client, or the one provider)."""
    organisation = Organisation(
        name=name.strip(), slug=slug or slugify(name)[:60], kind=kind, phone=phone, notes=notes
    )
    validate_instance(organisation)
    organisation.save()
    event_record(
        actor=actor,
        obj=organisation,
        action="organisation.created",
        changes=changes_between({}, snapshot(organisation, ORGANISATION_FIELDS)),
        organisation_id=organisation.pk,
    )
    return organisation


@transaction.atomic
def organisation_update(*, actor: Actor, organisation: Organisation, **fields: Any) -> Organisation:
    """Change some of an organisation's fields (name, phone, notes, is_active...)."""
    before = snapshot(organisation, ORGANISATION_FIELDS)
    fields_assign(organisation, values=fields, allowed=set(ORGANISATION_FIELDS) - {"kind"})
    validate_instance(organisation)
    organisation.save()
    changes = changes_between(before, snapshot(organisation, ORGANISATION_FIELDS))
    if changes:
        event_record(
            actor=actor,
            obj=organisation,
            action="organisation.updated",
            changes=changes,
            organisation_id=organisation.pk,
        )
    return organisation


def provider_organisation(*, actor: Actor, default_name: str = "IT Services") -> Organisation:
    """The provider organisation, created on first use (the first administrator belongs to it)."""
    existing = Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).first()
    if existing is not None:
        return existing
    return organisation_create(actor=actor, name=default_name, kind=Organisation.Kind.PROVIDER)


@transaction.atomic
def organisation_domain_add(*, actor: Actor, organisation: Organisation, domain: str) -> OrganisationDomain:
    """Attach an e-mail domain to an organisation; a domain belongs to one organisation only."""
    entry = OrganisationDomain(organisation=organisation, domain=domain)
    entry.clean()
    if OrganisationDomain.objects.filter(domain=entry.domain).exists():
        raise ValidationFailed(f"{entry.domain} already belongs to an organisation", field="domain")
    entry.save()
    event_record(
        actor=actor,
        obj=organisation,
        action="organisation.domain_added",
        data={"domain": entry.domain},
        organisation_id=organisation.pk,
    )
    return entry


@transaction.atomic
def site_create(
    *,
    actor: Actor,
    organisation: Organisation,
    name: str,
    address: str = "",
    city: str = "",
    country: str = "FR",
    time_zone: str = "Europe/Paris",
) -> Site:
    """Add a site to an organisation."""
    site = Site(
        organisation=organisation,
        name=name.strip(),
        address=address,
        city=city,
        country=country.upper(),
        time_zone=time_zone,
    )
    validate_instance(site)
    site.save()
    event_record(
        actor=actor,
        obj=site,
        action="site.created",
        changes=changes_between({}, snapshot(site, SITE_FIELDS)),
        organisation_id=organisation.pk,
    )
    return site
