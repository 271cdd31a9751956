"""Single sign-on with OpenID Connect, against a real provider (pyop) started on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import Client

from escalade.accounts.models import Role, User
from escalade.core.models import Event
from escalade.identity.models import SingleSignOnProvider
from escalade.orgs.models import OrganisationDomain
from tests.identity.test_two_factor import _enrolled

pytestmark = pytest.mark.django_db

REPOSITORY = Path(__file__).resolve().parents[2]
CALLBACK = "http://testserver/accounts/sso/callback/"
SECRET = "client-secret-for-tests"
USERS = {
    "alice": {
        "email": "alice.martin@a.example",
        "name": "Alice Martin",
        "email_verified": True,
        "locale": "fr",
    },
    "req.a": {"email": "REQ.A@a.example", "name": "Requester A", "email_verified": True},
    "bob": {"email": "bob@b.example", "name": "Bob", "email_verified": True},
    "req.b": {"email": "req.b@b.example", "name": "Requester B", "email_verified": True},
    "agent": {"email": "agent.a@provider.example", "name": "Agent A", "email_verified": True},
    "mallory": {"email": "mallory@a.example", "name": "Mallory", "email_verified": False},
    "stranger": {"email": "someone@elsewhere.example", "name": "Someone", "email_verified": True},
}


def _candidate_ports() -> Iterator[int]:
    """Free ports of 18400-18499, each xdist worker starting at its own tenth of the range."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    offset = (int(worker) * 10 if worker.isdigit() else 0) % 100
    for index in range(100):
        port = 18400 + (offset + index) % 100
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        yield port


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM files); the certificate is also the trust anchor."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(tz=dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = folder / "provider.pem", folder / "provider.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return certificate_path, key_path


def _provider_config(folder: Path, port: int, certificate: Path, key: Path) -> Path:
    config = folder / f"provider-{port}.json"
    clients = {
        "escalade": {
            "client_secret": SECRET,
            "redirect_uris": [CALLBACK],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_post",
        }
    }
    users = {login: {"password": f"{login}-pw", "claims": claims} for login, claims in USERS.items()}
    config.write_text(
        json.dumps(
            {
                "port": port,
                "certificate": str(certificate),
                "key": str(key),
                "clients": clients,
                "users": users,
            }
        )
    )
    return config


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """Start the provider process over HTTPS; yield its base URL and the certificate to trust. A port
    taken between the probe and the start (another test process) means trying the next one."""
    folder = tmp_path_factory.mktemp("oidc")
    certificate, key = _self_signed(folder)
    errors = folder / "provider.log"
    for attempt, port in enumerate(_candidate_ports()):
        config = _provider_config(folder, port, certificate, key)
        with errors.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.identity.oidc_provider", str(config)],
                cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=log, text=True,
            )  # fmt: skip
        assert process.stdout is not None
        if process.stdout.readline().strip() == "ready":
            break
        process.wait(timeout=10)
        if attempt >= 4:
            raise RuntimeError(f"the OpenID Connect provider did not start: {errors.read_text()}")
    else:
        raise RuntimeError("no free port in 18400-18499")
    try:
        yield f"https://127.0.0.1:{port}", certificate
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def https(oidc_provider) -> Iterator[httpx.Client]:
    """A browser's HTTP client that trusts the test provider's certificate."""
    with httpx.Client(verify=ssl.create_default_context(cafile=str(oidc_provider[1]))) as browser:
        yield browser


@pytest.fixture
def provider_row(world, oidc_provider, https, settings) -> SingleSignOnProvider:
    """Client A's provider, discovered from its published configuration."""
    base, certificate = oidc_provider
    settings.OIDC_VERIFY_SSL = str(certificate)  # Escalade trusts it as it would a company CA
    OrganisationDomain.objects.create(organisation=world.client_a, domain="a.example")
    OrganisationDomain.objects.create(organisation=world.client_b, domain="b.example")
    discovery = https.get(f"{base}/.well-known/openid-configuration").json()
    row = SingleSignOnProvider.objects.create(
        name="Client A SSO",
        slug="client-a",
        authorization_endpoint=discovery["authorization_endpoint"],
        token_endpoint=discovery["token_endpoint"],
        userinfo_endpoint=discovery["userinfo_endpoint"],
        jwks_endpoint=discovery["jwks_uri"],
        client_id="escalade",
        client_secret=SECRET,
    )
    row.organisations.set([world.client_a])
    return row


def _sso(client: Client, https: httpx.Client, login: str, *, next_url: str = "/portal/"):
    """Press the provider's button, sign in at the provider, come back with its answer."""
    start = client.get(f"/accounts/sso/client-a/?next={next_url}")
    assert start.status_code == 302
    authorize = start["Location"]
    assert https.get(authorize).status_code == 200  # the provider's sign-in page
    base, _sep, request = authorize.partition("?")
    answer = https.post(base, data={"request": request, "login": login, "password": f"{login}-pw"})
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(CALLBACK)
    return client.get(location.removeprefix("http://testserver"))


def _signed_in(client: Client) -> User | None:
    user = client.get("/accounts/profile/").wsgi_request.user
    return user if isinstance(user, User) else None


def test_a_newcomer_gets_a_requester_account_in_the_organisation_of_their_domain(
    client, https, provider_row, world
):
    response = _sso(client, https, "alice")

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    alice = User.objects.get(email="alice.martin@a.example")
    assert (alice.organisation, alice.role, alice.full_name, alice.language) == (
        world.client_a,
        Role.REQUESTER,
        "Alice Martin",
        "fr",
    )
    assert not alice.has_usable_password()
    assert _signed_in(client) == alice
    assert Event.objects.get(action="user.created", object_id=alice.pk).actor_label == "system:sso:client-a"


def test_a_known_person_is_matched_by_email_in_any_case(client, https, provider_row, world):
    before = User.objects.count()

    response = _sso(client, https, "req.a")

    assert response.status_code == 302
    assert _signed_in(client) == world.requester_a
    assert User.objects.count() == before


@pytest.mark.parametrize(
    "login",
    [
        "req.b",  # a person of client B, through client A's provider
        "bob",  # a newcomer of client B's domain
        "agent",  # the provider's staff: client A's provider is not trusted for them
        "mallory",  # an address the provider has not verified
        "stranger",  # a domain no organisation owns
    ],
)
def test_a_provider_signs_in_only_its_organisations_people(client, https, provider_row, world, login):
    before = User.objects.count()

    response = _sso(client, https, login)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/sso/failed/"
    assert client.get(response["Location"]).status_code == 403
    assert _signed_in(client) is None
    assert User.objects.count() == before


def test_a_person_with_a_second_factor_still_gives_their_code(client, https, provider_row, world):
    _enrolled(world.requester_a)

    response = _sso(client, https, "req.a")

    assert response["Location"] == "/accounts/two-factor/"
    assert _signed_in(client) is None


def test_an_answer_for_another_browser_is_refused(client, https, provider_row, world):
    start = client.get("/accounts/sso/client-a/")
    base, _sep, request = start["Location"].partition("?")
    answer = https.post(base, data={"request": request, "login": "req.a", "password": "req.a-pw"})
    other = Client()
    other.get("/accounts/sso/client-a/")  # its own, different state

    response = other.get(answer.headers["location"].removeprefix("http://testserver"))

    assert response.status_code == 400
    assert _signed_in(other) is None


def test_the_sign_in_page_offers_the_active_providers_only(client, provider_row):
    page = client.get("/accounts/login/?next=/desk/")
    assert ("Client A SSO", "/accounts/sso/client-a/?next=%2Fdesk%2F") in page.context["sign_in_options"]

    provider_row.is_active = False
    provider_row.save()

    assert client.get("/accounts/login/").context["sign_in_options"] == []
    assert client.get("/accounts/sso/client-a/").status_code == 404


def test_deactivating_a_person_ends_their_single_sign_on_session(client, https, provider_row, world):
    _sso(client, https, "req.a")
    assert _signed_in(client) == world.requester_a

    world.requester_a.is_active = False
    world.requester_a.save()

    assert _signed_in(client) is None
