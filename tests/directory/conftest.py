"""Fixtures: a real slapd with two clients' subtrees, and each client's directory configured in Escalade."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from ldap3 import Connection, Server

from escalade.directory.models import Directory, Verification, default_attribute_map
from escalade.directory.secrets import secret_encrypt
from escalade.orgs.models import Organisation, OrganisationDomain
from tests.conftest import World
from tests.directory import slapd as ldap

PASSWORDS = {"alice": "Alice-pw-1", "amanda": "Amanda-pw-1", "arthur": "Arthur-pw-1", "bruno": "Bruno-pw-1"}


def sample_ldif() -> str:
    people = [
        ldap.person_ldif(
            "a",
            "alice",
            name="Alice Martin",
            email="alice@a.example",
            password=PASSWORDS["alice"],
            manager="amanda",
            other_mailbox="alice.perso@home.example",
            mobile="+33600000001",
        ),
        ldap.person_ldif(
            "a",
            "amanda",
            name="Amanda Chef",
            email="amanda@a.example",
            password=PASSWORDS["amanda"],
            other_mailbox="amanda.perso@home.example",
        ),
        ldap.person_ldif(
            "a", "arthur", name="Arthur Dupont", email="arthur@a.example", password=PASSWORDS["arthur"]
        ),
        ldap.person_ldif(
            "b",
            "bruno",
            name="Bruno Durand",
            email="bruno@b.example",
            password=PASSWORDS["bruno"],
            other_mailbox="bruno.perso@home.example",
        ),
        ldap.group_ldif("a", "share-finance", ["amanda"], description="Finance share", owner="amanda"),
        ldap.group_ldif("a", "managers", ["amanda"]),
        ldap.group_ldif("b", "share-b", ["bruno"]),
    ]
    return ldap.base_ldif() + "\n" + "\n".join(people)


@pytest.fixture
def slapd() -> Iterator[ldap.Slapd]:
    ldap.slapd_or_skip()
    server = ldap.Slapd.start(sample_ldif())
    yield server
    server.stop()


@dataclass
class Directories:
    server: ldap.Slapd
    a: Directory
    b: Directory

    def admin(self) -> Connection:
        """A connection as the server's root, to look at or change the directory behind Escalade's back."""
        return Connection(
            Server(self.server.url), user=ldap.ROOT_DN, password=ldap.ROOT_PASSWORD, auto_bind=True
        )


def make_directory(world_org: Organisation, server: ldap.Slapd, client: str, **fields: object) -> Directory:
    mapping = default_attribute_map() | {"secondary_email": "otherMailbox"}
    return Directory.objects.create(
        organisation=world_org,
        name=f"Annuaire {client.upper()}",
        url=server.url,
        security=Directory.Security.NONE,
        bind_dn=ldap.service_dn(client),
        bind_password_encrypted=secret_encrypt(ldap.SERVICE_PASSWORD),
        base_dn=ldap.client_base(client),
        attribute_map=mapping,
        verification=Verification.EMAIL_CODE,
        **fields,
    )


@pytest.fixture
def directories(world: World, slapd: ldap.Slapd) -> Directories:
    OrganisationDomain.objects.get_or_create(domain="a.example", defaults={"organisation": world.client_a})
    OrganisationDomain.objects.get_or_create(domain="b.example", defaults={"organisation": world.client_b})
    a = make_directory(world.client_a, slapd, "a")
    b = make_directory(world.client_b, slapd, "b")
    a.group_rules.create(group_dn=f"cn=managers,ou=groups,{ldap.client_base('a')}", role="client_manager")
    return Directories(server=slapd, a=a, b=b)


def person_dn(client: str, uid: str) -> str:
    return f"uid={uid},ou=people,{ldap.client_base(client)}"


def bind_works(server: ldap.Slapd, dn: str, password: str) -> bool:
    connection = Connection(Server(server.url), user=dn, password=password)
    ok = bool(connection.bind())
    connection.unbind()
    return ok


def lock_out(server: ldap.Slapd, dn: str) -> None:
    """Three wrong passwords: the ppolicy overlay locks the account."""
    for _attempt in range(3):
        assert not bind_works(server, dn, "wrong-password")
