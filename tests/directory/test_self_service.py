"""Self-service against a real slapd with ppolicy: unlock, password reset and its policy, group access,
the level-0 tickets, idempotency, and role × organisation isolation."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from ldap3 import Connection, Server

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.models import Event
from escalade.directory import client
from escalade.directory.models import AccessGrant, DirectoryGroup, SelfServiceRequest, Verification
from escalade.directory.services import (
    RateLimited,
    access_request,
    access_revoke,
    desk_unlock,
    directory_sync_now,
    request_decide,
    self_service_start,
    self_service_verify,
)
from escalade.tickets.choices import Channel, State
from escalade.tickets.models import Ticket
from tests.conftest import World
from tests.directory.conftest import PASSWORDS, Directories, bind_works, lock_out, person_dn


@pytest.fixture
def synced(directories: Directories) -> Directories:
    directory_sync_now(actor=None, directory=directories.a)
    directory_sync_now(actor=None, directory=directories.b)
    return directories


def key() -> str:
    return uuid.uuid4().hex


def sent_code(to: str) -> str:
    message = next(message for message in reversed(mail.outbox) if message.to == [to])
    found = re.search(r"\b(\d{6})\b", str(message.body))
    assert found is not None
    return found.group(1)


def start(django_capture_on_commit_callbacks, email: str, action: str, idempotency_key: str = "") -> str:
    with django_capture_on_commit_callbacks(execute=True):
        return self_service_start(email=email, action=action, idempotency_key=idempotency_key or key())


def test_a_locked_person_unlocks_their_account_with_a_code_and_it_is_a_level_zero_resolution(
    synced: Directories, django_capture_on_commit_callbacks
) -> None:
    alice_dn = person_dn("a", "alice")
    lock_out(synced.server, alice_dn)
    assert client.is_locked(synced.a, dn=alice_dn)
    assert not bind_works(synced.server, alice_dn, PASSWORDS["alice"])

    token = start(django_capture_on_commit_callbacks, "alice@a.example", "unlock")
    ticket = self_service_verify(token=token, code=sent_code("alice.perso@home.example"))

    assert not client.is_locked(synced.a, dn=alice_dn)
    assert bind_works(synced.server, alice_dn, PASSWORDS["alice"])
    assert (ticket.state, ticket.support_level, ticket.channel) == (State.RESOLVED, 0, Channel.SELF_SERVICE)
    assert ticket.requester.email == "alice@a.example"
    assert ticket.team_id is None
    assert ticket.assignee_id is None
    assert "déverrouillé" in ticket.solution  # Alice's language is French
    assert Event.objects.filter(action="directory.unlock_done").count() == 1


def test_replaying_the_code_does_nothing_twice(
    synced: Directories, django_capture_on_commit_callbacks
) -> None:
    form_key = key()
    token = start(django_capture_on_commit_callbacks, "alice@a.example", "unlock", form_key)
    code = sent_code("alice.perso@home.example")
    first = self_service_verify(token=token, code=code)

    again = start(django_capture_on_commit_callbacks, "alice@a.example", "unlock", form_key)
    second = self_service_verify(token=again, code=code)

    assert second.pk == first.pk
    assert Ticket.objects.filter(channel=Channel.SELF_SERVICE).count() == 1
    assert SelfServiceRequest.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_unknown_address_gets_the_same_answer_and_no_message(
    synced: Directories, django_capture_on_commit_callbacks
) -> None:
    token = start(django_capture_on_commit_callbacks, "nobody@a.example", "unlock")

    assert len(token) == 64
    assert mail.outbox == []
    with pytest.raises(ValidationFailed) as unknown:
        self_service_verify(token=token, code="123456")
    real = start(django_capture_on_commit_callbacks, "alice@a.example", "unlock")
    with pytest.raises(ValidationFailed) as wrong:
        self_service_verify(
            token=real, code="000000" if sent_code("alice.perso@home.example") != "000000" else "1"
        )
    assert str(unknown.value) == str(wrong.value)


def test_wrong_codes_are_limited_then_the_request_is_dead(
    synced: Directories, django_capture_on_commit_callbacks
) -> None:
    token = start(django_capture_on_commit_callbacks, "alice@a.example", "unlock")
    code = sent_code("alice.perso@home.example")
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(5):
        with pytest.raises(ValidationFailed):
            self_service_verify(token=token, code=wrong)

    with pytest.raises(ValidationFailed):
        self_service_verify(token=token, code=code)
    assert not Ticket.objects.filter(channel=Channel.SELF_SERVICE).exists()


def test_starting_is_rate_limited_per_address(
    synced: Directories, django_capture_on_commit_callbacks
) -> None:
    for _attempt in range(5):
        start(django_capture_on_commit_callbacks, "nobody@a.example", "unlock")

    with pytest.raises(RateLimited):
        start(django_capture_on_commit_callbacks, "nobody@a.example", "unlock")


def test_a_password_reset_goes_through_the_directory_and_its_policy(
    synced: Directories, django_capture_on_commit_callbacks
) -> None:
    alice_dn = person_dn("a", "alice")
    token = start(django_capture_on_commit_callbacks, "alice@a.example", "password_reset")
    code = sent_code("alice.perso@home.example")

    with pytest.raises(client.DirectoryError) as too_short:
        self_service_verify(token=token, code=code, new_password="short")
    assert str(too_short.value) == "Le mot de passe est trop court pour la politique de l'annuaire."
    with pytest.raises(client.DirectoryError) as reused:
        self_service_verify(token=token, code=code, new_password=PASSWORDS["alice"])
    assert "déjà été utilisé" in str(reused.value)

    ticket = self_service_verify(token=token, code=code, new_password="Nouveau-mot-2")

    assert bind_works(synced.server, alice_dn, "Nouveau-mot-2")
    assert not bind_works(synced.server, alice_dn, PASSWORDS["alice"])
    assert ticket.support_level == 0
    assert ticket.state == State.RESOLVED


def test_an_agent_unlocks_in_one_click_only_for_the_organisations_they_serve(
    synced: Directories, world: World
) -> None:
    alice = User.objects.get(email="alice@a.example")
    lock_out(synced.server, person_dn("a", "alice"))

    with pytest.raises(PermissionDeniedError):
        desk_unlock(actor=Actor.of(world.agent_b), person=alice, idempotency_key=key())
    assert client.is_locked(synced.a, dn=person_dn("a", "alice"))

    click = key()
    ticket = desk_unlock(actor=Actor.of(world.agent_a), person=alice, idempotency_key=click)
    replay = desk_unlock(actor=Actor.of(world.agent_a), person=alice, idempotency_key=click)

    assert replay.pk == ticket.pk
    assert not client.is_locked(synced.a, dn=person_dn("a", "alice"))
    assert (ticket.support_level, ticket.state, ticket.channel) == (0, State.RESOLVED, Channel.SELF_SERVICE)


def test_manager_approval_unlocks_and_only_the_persons_own_manager_decides(
    synced: Directories, world: World, django_capture_on_commit_callbacks
) -> None:
    synced.a.verification = Verification.MANAGER_APPROVAL
    synced.a.save()
    lock_out(synced.server, person_dn("a", "alice"))
    start(django_capture_on_commit_callbacks, "alice@a.example", "unlock")
    request = SelfServiceRequest.objects.get()
    assert request.state == SelfServiceRequest.State.PENDING_APPROVAL

    for outsider in (world.manager_b, world.requester_a, User.objects.get(email="arthur@a.example")):
        with pytest.raises(PermissionDeniedError):
            request_decide(actor=Actor.of(outsider), request=request, approve=True)
    assert client.is_locked(synced.a, dn=person_dn("a", "alice"))

    request_decide(actor=Actor.of(User.objects.get(email="amanda@a.example")), request=request, approve=True)

    request.refresh_from_db()
    assert request.state == SelfServiceRequest.State.DONE
    assert request.ticket is not None
    assert request.ticket.support_level == 0
    assert not client.is_locked(synced.a, dn=person_dn("a", "alice"))


def test_group_access_is_approved_by_the_owner_applied_listed_and_revocable(
    synced: Directories, world: World
) -> None:
    alice, amanda = User.objects.get(email="alice@a.example"), User.objects.get(email="amanda@a.example")
    finance = DirectoryGroup.objects.get(directory=synced.a, name="share-finance")
    finance.is_requestable = True
    finance.save()

    request = access_request(actor=Actor.of(alice), group=finance, idempotency_key=key())
    with pytest.raises(PermissionDeniedError):
        request_decide(actor=Actor.of(world.manager_b), request=request, approve=True)
    request_decide(actor=Actor.of(amanda), request=request, approve=True)

    members = _members(synced, finance.dn)
    assert person_dn("a", "alice").lower() in members
    grant = AccessGrant.objects.get(group=finance, account__user=alice)
    assert grant.approved_by == amanda

    ticket = access_revoke(actor=Actor.of(alice), grant=grant, idempotency_key=key())

    assert person_dn("a", "alice").lower() not in _members(synced, finance.dn)
    assert not AccessGrant.objects.filter(group=finance, account__user=alice).exists()
    assert ticket is not None
    assert ticket.support_level == 0


def test_one_clients_directory_never_receives_anothers_request(synced: Directories, world: World) -> None:
    """Bruno (client B) cannot ask for a group of client A's directory, and his reset goes to B's."""
    bruno = User.objects.get(email="bruno@b.example")
    finance = DirectoryGroup.objects.get(directory=synced.a, name="share-finance")
    finance.is_requestable = True
    finance.save()

    with pytest.raises(Exception, match="ne peut pas être demandé"):
        access_request(actor=Actor.of(bruno), group=finance, idempotency_key=key())
    assert person_dn("b", "bruno").lower() not in _members(synced, finance.dn)
    # A's bind account may not write into B's subtree: a request misrouted to A's directory would fail.
    with pytest.raises(client.DirectoryError):
        client.unlock(synced.a, dn=person_dn("b", "bruno"))
    ticket = desk_unlock(actor=Actor.of(world.agent_b), person=bruno, idempotency_key=key())
    assert ticket.organisation_id == world.client_b.pk


def _members(directories: Directories, group_dn: str) -> set[str]:
    connection = Connection(Server(directories.server.url), auto_bind=True)
    connection.search(group_dn, "(objectClass=*)", attributes=["member"])
    return {str(dn).lower() for dn in connection.entries[0].member.values}
