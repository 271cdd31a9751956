"""Factories for categories, contracts and tickets (tickets are made through the real service)."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import factory
from django.apps import apps

from escalade.contracts.models import Contract
from escalade.sla.models import BusinessCalendar, SlaPolicy
from escalade.tickets.models import Category, CategoryField
from tests.orgs.factories import OrganisationFactory


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category

    name_fr = factory.Sequence(lambda n: f"Catégorie {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class CategoryFieldFactory(factory.django.DjangoModelFactory[CategoryField]):
    class Meta:
        model = CategoryField

    category = factory.SubFactory(CategoryFactory)
    key = factory.Sequence(lambda n: f"field{n}")
    label_fr = "Champ"
    label_en = "Field"


def default_policy() -> SlaPolicy:
    """The seeded default policy; re-seeded when a transactional test's flush removed migration data."""
    policy = SlaPolicy.objects.filter(is_default=True).first()
    if policy is None:
        import_module("escalade.sla.migrations.0002_default_calendar_and_policy").seed(apps, None)
        policy = SlaPolicy.objects.get(is_default=True)
    return policy


def office_hours() -> BusinessCalendar:
    return default_policy().calendar


class ContractFactory(factory.django.DjangoModelFactory[Contract]):
    class Meta:
        model = Contract
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Contrat {n}")
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2027, 12, 31)
    support_calendar = factory.LazyFunction(office_hours)
    sla_policy = factory.LazyFunction(default_policy)

    @factory.post_generation
    def categories(self, create: bool, extracted: list[Category] | None, **kwargs: object) -> None:
        if create and extracted:
            self.categories.set(extracted)
