"""Demo organisations: the provider's IT department and two clients, one French, one English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalade.orgs.models import Organisation
from escalade.orgs.services import (
    organisation_create,
    organisation_domain_add,
    provider_organisation,
    site_create,
)

if TYPE_CHECKING:
    from escalade.demo import DemoContext


@dataclass(frozen=True)
class DemoClient:
    key: str
    name: str
    domain: str
    phone: str
    notes: str
    sites: tuple[tuple[str, str, str, str, str], ...]  # name, address, city, country, time zone


CLIENTS = (
    DemoClient(
        key="lemoine",
        name="Boulangeries Lemoine",
        domain="lemoine-boulangeries.example",
        phone="+33 4 72 00 10 20",
        notes="Réseau de 12 boulangeries dans le Rhône ; contrat de support N1/N2.",
        sites=(
            ("Siège — Lyon Part-Dieu", "12 rue Garibaldi", "Lyon", "FR", "Europe/Paris"),
            ("Atelier de Villeurbanne", "5 avenue Roger Salengro", "Villeurbanne", "FR", "Europe/Paris"),
        ),
    ),
    DemoClient(
        key="northwind",
        name="Northwind Logistics",
        domain="northwind.example",
        phone="+44 161 496 0000",
        notes="Freight forwarder, offices in Manchester and Paris; English-speaking staff.",
        sites=(
            ("Manchester HQ", "1 Piccadilly Place", "Manchester", "GB", "Europe/London"),
            ("Paris Roissy office", "3 rue de la Belle Étoile", "Roissy-en-France", "FR", "Europe/Paris"),
        ),
    ),
)


def load(context: DemoContext) -> None:
    actor = context.actor
    provider = provider_organisation(actor=actor, default_name="Escalade IT Services")
    if not provider.domains.exists():
        organisation_domain_add(actor=actor, organisation=provider, domain="escalade-it.example")
        site_create(actor=actor, organisation=provider, name="Centre de services — Lyon", city="Lyon")
    context.objects["provider"] = provider
    for spec in CLIENTS:
        organisation = Organisation.objects.filter(slug=spec.key).first()
        if organisation is None:
            organisation = organisation_create(
                actor=actor,
                name=spec.name,
                slug=spec.key,
                phone=spec.phone,
                notes=spec.notes,
            )
            organisation_domain_add(actor=actor, organisation=organisation, domain=spec.domain)
            for name, address, city, country, time_zone in spec.sites:
                site_create(
                    actor=actor,
                    organisation=organisation,
                    name=name,
                    address=address,
                    city=city,
                    country=country,
                    time_zone=time_zone,
                )
        context.objects[spec.key] = organisation
