"""Factories for organisations, domains and sites."""

from __future__ import annotations

import factory

from escalade.orgs.models import Organisation, OrganisationDomain, Site


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"client-{n}")
    kind = Organisation.Kind.CLIENT


class ProviderFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: "Provider IT")
    slug = factory.Sequence(lambda n: "provider")
    kind = Organisation.Kind.PROVIDER


class OrganisationDomainFactory(factory.django.DjangoModelFactory[OrganisationDomain]):
    class Meta:
        model = OrganisationDomain

    organisation = factory.SubFactory(OrganisationFactory)
    domain = factory.Sequence(lambda n: f"client{n}.example")


class SiteFactory(factory.django.DjangoModelFactory[Site]):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    city = "Lyon"
