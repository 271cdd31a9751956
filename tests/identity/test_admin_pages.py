"""Who may configure single sign-on providers: administrators only."""

from __future__ import annotations

import pytest

from escalade.identity.models import SingleSignOnProvider

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Client B SSO",
    "slug": "client-b",
    "authorization_endpoint": "https://id.b.example/authorize",
    "token_endpoint": "https://id.b.example/token",
    "userinfo_endpoint": "https://id.b.example/userinfo",
    "jwks_endpoint": "https://id.b.example/jwks",
    "client_id": "escalade",
    "client_secret": "secret",
    "signing_algorithm": "RS256",
    "creates_accounts": "on",
    "is_active": "on",
}


def test_an_administrator_adds_a_provider_for_an_organisation(client, world):
    client.force_login(world.administrator)

    response = client.post(
        "/admin/identity/singlesignonprovider/add/", {**FIELDS, "organisations": [world.client_b.pk]}
    )

    assert response.status_code == 302
    provider = SingleSignOnProvider.objects.get(slug="client-b")
    assert list(provider.organisations.all()) == [world.client_b]
    assert client.get("/accounts/login/").status_code == 302  # signed in: the sign-in page sends them on


@pytest.mark.parametrize("name", ["requester_a", "manager_a", "manager_b", "agent_a", "supervisor"])
def test_nobody_else_sees_or_adds_providers(client, world, name):
    client.force_login(world.person(name))

    listing = client.get("/admin/identity/singlesignonprovider/")
    added = client.post(
        "/admin/identity/singlesignonprovider/add/", {**FIELDS, "organisations": [world.client_a.pk]}
    )

    assert (listing.status_code, added.status_code) == (403, 403)
    assert not SingleSignOnProvider.objects.exists()
