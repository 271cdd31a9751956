"""Factories for people and teams."""

from __future__ import annotations

import factory

from escalade.accounts.models import Role, SupportLevel, Team, TeamMembership, User
from tests.orgs.factories import OrganisationFactory, ProviderFactory

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name", locale="fr_FR")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.REQUESTER
    language = "fr"
    password = factory.django.Password(PASSWORD)


class StaffFactory(UserFactory):
    organisation = factory.SubFactory(ProviderFactory)
    role = Role.AGENT


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    support_level = SupportLevel.L1

    @factory.post_generation
    def organisations(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.organisations.set(extracted)


class TeamMembershipFactory(factory.django.DjangoModelFactory[TeamMembership]):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(StaffFactory)
