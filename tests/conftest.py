"""Shared fixtures: a provider, two client organisations, and one person per role."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

import pytest
from django.db import connection

from escalade.accounts.models import Role, User
from escalade.orgs.models import Organisation
from tests.accounts.factories import PASSWORD, StaffFactory, TeamFactory, TeamMembershipFactory, UserFactory
from tests.orgs.factories import OrganisationFactory, ProviderFactory
from tests.tickets.factories import default_policy


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="deselect the tests that never reach the database (./run test's second run, on SQLite: they "
        "already ran on PostgreSQL and their outcome does not depend on the database)",
    )


def uses_database(item: pytest.Item) -> bool:
    """A test reaches the database through the ``django_db`` marker or a fixture that needs it (``db``,
    ``transactional_db``, ``live_server``, ``world``…): all of them end in pytest-django's helper."""
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or "_django_db_helper" in fixtures


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept = [item for item in items if uses_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
        items[:] = kept


def pytest_report_header() -> list[str]:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"escalade test database: {engine} (ESCALADE_TEST_DB={os.environ['ESCALADE_TEST_DB']})"]


@dataclass
class World:
    """Two clients (A and B), the provider, and one person per role; the agent serves A only."""

    provider: Organisation
    client_a: Organisation
    client_b: Organisation
    requester_a: User
    requester_a2: User
    manager_a: User
    requester_b: User
    manager_b: User
    agent_a: User
    agent_b: User
    supervisor: User
    administrator: User

    def person(self, name: str) -> User:
        return getattr(self, name)  # type: ignore[no-any-return]


@pytest.fixture
def world(db: None) -> World:
    provider = ProviderFactory.create()
    client_a = OrganisationFactory.create(name="Client A", slug="client-a")
    client_b = OrganisationFactory.create(name="Client B", slug="client-b")
    agent_a = StaffFactory.create(email="agent.a@provider.example")
    agent_b = StaffFactory.create(email="agent.b@provider.example")
    TeamMembershipFactory.create(team=TeamFactory.create(name="L1 A", organisations=[client_a]), user=agent_a)
    TeamMembershipFactory.create(team=TeamFactory.create(name="L1 B", organisations=[client_b]), user=agent_b)
    return World(
        provider=provider,
        client_a=client_a,
        client_b=client_b,
        requester_a=UserFactory.create(email="req.a@a.example", organisation=client_a),
        requester_a2=UserFactory.create(email="req.a2@a.example", organisation=client_a),
        manager_a=UserFactory.create(
            email="manager@a.example", organisation=client_a, role=Role.CLIENT_MANAGER
        ),
        requester_b=UserFactory.create(email="req.b@b.example", organisation=client_b, language="en"),
        manager_b=UserFactory.create(
            email="manager@b.example", organisation=client_b, role=Role.CLIENT_MANAGER
        ),
        agent_a=agent_a,
        agent_b=agent_b,
        supervisor=StaffFactory.create(email="supervisor@provider.example", role=Role.SUPERVISOR),
        administrator=StaffFactory.create(email="admin@provider.example", role=Role.ADMINISTRATOR),
    )


@pytest.fixture(autouse=True)
def sla_defaults(request):
    """Make sure the seeded office-hours calendar, default SLA policy and auto-close time automation
    exist (DB tests only).

    Migrations seed them, but a transactional test's flush empties every table afterwards, and with
    ``--reuse-db`` the emptied tables outlive the session. A test reaches the database through the
    ``django_db`` marker or through a fixture (``db``, ``transactional_db``, e.g. via ``world``), which
    carries no marker: both are recognised, or a test using ``world`` would run without the office
    hours (a ticket without an SLA policy counts business time as calendar time)."""
    marked = request.node.get_closest_marker("django_db") is not None
    if marked or "_django_db_helper" in request.fixturenames:
        request.getfixturevalue("_django_db_helper")  # the database set-up comes first
        from django.apps import apps

        importlib.import_module("escalade.automation.migrations.0002_auto_close_seeded").seed(apps, None)
        return default_policy()
    return None


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Start each test with an empty cache: what a rolled-back test cached (the automation rules'
    version, throttling counters, the reference data and API tokens kept per process) must not leak
    into the next one."""
    from django.core.cache import cache

    from escalade.api.tokens import api_tokens_forget
    from escalade.automation.engine import rules_forget
    from escalade.core.refdata import refdata_forget

    cache.clear()
    rules_forget()
    refdata_forget()
    api_tokens_forget()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def no_webhook_listeners():
    """Every test starts from a database without webhook subscriptions: say so to the event path's
    per-process cache, so that no test pays (or pins) the query that would find out. Services that
    create or change a subscription empty the cache themselves."""
    from escalade.webhooks.services import listeners_forget, listeners_remember

    listeners_remember(())
    yield
    listeners_forget()
