"""Factories of the assets app."""

from __future__ import annotations

import factory

from escalade.assets.models import Asset, AssetKind, Installation, Licence, LicenceKind, Software
from escalade.assets.normalise import name_key, publisher_key
from tests.orgs.factories import OrganisationFactory


class AssetFactory(factory.django.DjangoModelFactory[Asset]):
    class Meta:
        model = Asset

    organisation = factory.SubFactory(OrganisationFactory)
    kind = AssetKind.LAPTOP
    name = factory.Sequence(lambda n: f"PC-{n:04d}")
    serial = factory.Sequence(lambda n: f"SN{n:06d}")
    manufacturer = "Dell"
    model = "Latitude 5440"


class SoftwareFactory(factory.django.DjangoModelFactory[Software]):
    class Meta:
        model = Software
        django_get_or_create = ("publisher_key", "name_key")

    publisher = "Microsoft Corporation"
    name = factory.Sequence(lambda n: f"Product {n}")
    publisher_key = factory.LazyAttribute(lambda o: publisher_key(o.publisher))
    name_key = factory.LazyAttribute(lambda o: name_key(o.name, o.publisher))


class InstallationFactory(factory.django.DjangoModelFactory[Installation]):
    class Meta:
        model = Installation

    asset = factory.SubFactory(AssetFactory)
    software = factory.SubFactory(SoftwareFactory)
    version = "1.0"


class LicenceFactory(factory.django.DjangoModelFactory[Licence]):
    class Meta:
        model = Licence

    organisation = factory.SubFactory(OrganisationFactory)
    software = factory.SubFactory(SoftwareFactory)
    name = factory.LazyAttribute(lambda o: f"{o.software.name} licence")
    kind = LicenceKind.PER_DEVICE
    quantity = 2
