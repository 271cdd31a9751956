"""The organisations, people, teams, contracts and categories that generated tickets belong to."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from escalade.accounts.models import Role, SupportLevel, Team, TeamMembership, User
from escalade.contracts.models import Contract
from escalade.core.actors import Actor
from escalade.generator import corpus
from escalade.orgs.models import Organisation, OrganisationDomain
from escalade.orgs.services import provider_organisation
from escalade.sla.models import SlaPolicy
from escalade.tickets.models import Category

PREFIX = "gen"


@dataclass
class Client:
    """One generated client organisation and what its tickets need."""

    organisation_id: int
    language: str
    contract_id: int
    requester_ids: list[int] = field(default_factory=list)
    team_ids: dict[int, int] = field(default_factory=dict)  # support level -> team id
    agent_ids: dict[int, list[int]] = field(default_factory=dict)  # support level -> agent ids


@dataclass
class Base:
    clients: list[Client]
    category_ids: list[int]
    policy: SlaPolicy
    agent_names: dict[int, str]


def _categories() -> list[int]:
    ids = list(Category.objects.filter(parent__isnull=False, is_active=True).values_list("pk", flat=True))
    if ids:
        return ids
    root = Category.objects.create(name_fr="Support", name_en="Support")
    return [
        Category.objects.create(parent=root, name_fr=fr, name_en=en).pk
        for fr, en in [
            ("Comptes", "Accounts"),
            ("Poste de travail", "Workstation"),
            ("Imprimantes", "Printers"),
            ("Messagerie", "E-mail"),
            ("Réseau", "Network"),
        ]
    ]


def _teams(pod: int, password: str, provider: Organisation) -> tuple[dict[int, int], dict[int, list[int]]]:
    """One L1/L2/L3 trio of teams with agents, serving up to 20 organisations."""
    teams, agents = {}, {}
    for level, size in ((SupportLevel.L1, 6), (SupportLevel.L2, 4), (SupportLevel.L3, 2)):
        team = Team.objects.create(name=f"{PREFIX}-pod{pod}-N{level}", support_level=level)
        people = User.objects.bulk_create(
            User(
                email=f"{PREFIX}.pod{pod}.l{level}.{n}@provider.example",
                full_name=f"Agent {pod}-{level}-{n}",
                organisation=provider,
                role=Role.AGENT,
                password=password,
            )
            for n in range(size)
        )
        TeamMembership.objects.bulk_create(TeamMembership(team=team, user=person) for person in people)
        teams[int(level)], agents[int(level)] = team.pk, [person.pk for person in people]
    return teams, agents


def build_base(*, tickets: int, rng: random.Random, today: dt.date) -> Base:
    """Create (once per run) the clients, people, teams and contracts for ``tickets`` tickets."""
    provider = provider_organisation(actor=Actor.system("generate"), default_name="IT Services")
    policy = SlaPolicy.objects.get(is_default=True)
    password = make_password(None)  # generated people cannot sign in
    run = Organisation.objects.filter(slug__startswith=f"{PREFIX}-").count()
    organisations = max(3, min(200, tickets // 5_000))
    requesters_each = max(10, min(200, tickets // (organisations * 25)))
    clients: list[Client] = []
    pod_teams: tuple[dict[int, int], dict[int, list[int]]] = ({}, {})
    for index in range(organisations):
        number = run + index
        if index % 20 == 0:
            pod_teams = _teams(number, password, provider)
        language = "fr" if index % 3 else "en"
        name = f"{'Client synthétique' if language == 'fr' else 'Synthetic client'} {number:03d}"
        organisation = Organisation.objects.create(name=name, slug=f"{PREFIX}-{number:04d}")
        OrganisationDomain.objects.create(organisation=organisation, domain=f"{PREFIX}{number:04d}.example")
        for team_id in pod_teams[0].values():
            Team.organisations.through.objects.create(team_id=team_id, organisation_id=organisation.pk)
        contract = Contract.objects.create(
            organisation=organisation,
            name="Contrat de support",
            starts_on=today.replace(year=today.year - 3),
            support_calendar=policy.calendar,
            sla_policy=policy,
        )
        people = User.objects.bulk_create(
            User(
                email=f"user{n}@{PREFIX}{number:04d}.example",
                full_name=corpus.person_name(rng),
                organisation=organisation,
                role=Role.REQUESTER,
                language=language,
                password=password,
            )
            for n in range(requesters_each)
        )
        clients.append(
            Client(
                organisation_id=organisation.pk,
                language=language,
                contract_id=contract.pk,
                requester_ids=[person.pk for person in people],
                team_ids=pod_teams[0],
                agent_ids=pod_teams[1],
            )
        )
    names = dict(User.objects.filter(role=Role.AGENT).values_list("pk", "email"))
    return Base(clients=clients, category_ids=_categories(), policy=policy, agent_names=names)
