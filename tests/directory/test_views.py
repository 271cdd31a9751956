"""The pages: the "done when" of issue 21 through HTTP (portal unlock in French, the desk's one click,
directory sign-in), the administrators' pages, and role × organisation isolation."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from ldap3 import MODIFY_ADD, Connection, Server

from escalade.accounts.models import User
from escalade.directory import client as ldap_client
from escalade.directory.models import AccessGrant, Directory, DirectoryGroup, SelfServiceRequest
from escalade.directory.services import directory_sync_now
from escalade.tickets.choices import Channel, State
from escalade.tickets.models import Ticket
from escalade.tickets.services.self_service import ticket_record_self_service
from tests.accounts.factories import PASSWORD
from tests.conftest import World
from tests.directory.conftest import PASSWORDS, Directories, bind_works, lock_out, person_dn


@pytest.fixture
def synced(directories: Directories) -> Directories:
    directory_sync_now(actor=None, directory=directories.a)
    directory_sync_now(actor=None, directory=directories.b)
    return directories


def signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_a_french_requester_unlocks_their_account_from_the_portal_with_no_agent(
    synced: Directories, django_capture_on_commit_callbacks
) -> None:
    alice_dn = person_dn("a", "alice")
    lock_out(synced.server, alice_dn)
    browser = Client(headers={"accept-language": "fr"})
    page = browser.get(reverse("directory:start"))
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page.content.decode())
    assert key is not None
    assert "Compte bloqué ou mot de passe oublié" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        started = browser.post(
            reverse("directory:start"),
            {"email": "alice@a.example", "action": "unlock", "idempotency_key": key.group(1)},
        )
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[0].body))
    assert code is not None
    assert mail.outbox[0].to == ["alice.perso@home.example"]
    assert "code de vérification" in mail.outbox[0].body
    done = browser.post(started["Location"], {"code": code.group(1)})

    assert done.status_code == 200
    assert "déverrouillé" in done.content.decode()
    assert bind_works(synced.server, alice_dn, PASSWORDS["alice"])
    ticket = Ticket.objects.get(channel=Channel.SELF_SERVICE)
    assert (ticket.support_level, ticket.state, ticket.assignee_id) == (0, State.RESOLVED, None)
    assert ticket.requester.email == "alice@a.example"


def test_an_unknown_address_gets_the_same_page(synced: Directories) -> None:
    browser = Client()
    known = browser.post(
        reverse("directory:start"),
        {"email": "alice@a.example", "action": "unlock", "idempotency_key": "k" * 32},
    )
    unknown = browser.post(
        reverse("directory:start"),
        {"email": "ghost@a.example", "action": "unlock", "idempotency_key": "g" * 32},
    )
    assert known.status_code == unknown.status_code == 302
    assert _card(browser.get(known["Location"]).content.decode()) == _card(
        browser.get(unknown["Location"]).content.decode()
    )


def _card(page: str) -> str:
    """The page's card without its per-request CSRF token."""
    card = page[page.index('<section class="card') : page.index("</section>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", card)


def test_an_l1_agent_unlocks_from_the_ticket_in_one_click(synced: Directories, world: World) -> None:
    alice = User.objects.get(email="alice@a.example")
    call = ticket_record_self_service(
        actor=ldap_actor(alice), requester=alice, title="Compte bloqué", description="", solution="-"
    )
    lock_out(synced.server, person_dn("a", "alice"))
    agent = signed_in(world.agent_a)

    panel = agent.get(reverse("directory:desk_panel", args=[call.reference]))
    assert panel.status_code == 200
    assert "directory-unlock" in panel.content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', panel.content.decode())
    assert key is not None
    response = agent.post(
        reverse("directory:desk_unlock", args=[call.reference]), {"idempotency_key": key.group(1)}
    )

    assert response.status_code == 302
    assert not ldap_client.is_locked(synced.a, dn=person_dn("a", "alice"))
    record = Ticket.objects.exclude(pk=call.pk).get(channel=Channel.SELF_SERVICE)
    assert (record.support_level, record.state) == (0, State.RESOLVED)
    assert record.links_out.filter(target=call).exists()  # linked to the call's ticket


def ldap_actor(user: User):
    from escalade.core.actors import Actor

    return Actor.of(user)


@pytest.mark.parametrize("who", ["agent_b", "requester_a", "manager_a"])
def test_the_one_click_is_refused_to_those_who_do_not_work_on_the_ticket(
    synced: Directories, world: World, who: str
) -> None:
    alice = User.objects.get(email="alice@a.example")
    call = ticket_record_self_service(
        actor=ldap_actor(alice), requester=alice, title="x", description="", solution="-"
    )
    lock_out(synced.server, person_dn("a", "alice"))

    response = signed_in(world.person(who)).post(reverse("directory:desk_unlock", args=[call.reference]))

    assert response.status_code in {403, 404}
    assert ldap_client.is_locked(synced.a, dn=person_dn("a", "alice"))


def test_a_clients_directory_user_signs_in_with_their_directory_password(
    directories: Directories, world: World
) -> None:
    browser = Client()
    wrong = browser.post(reverse("accounts:login"), {"username": "alice@a.example", "password": "nope"})
    assert wrong.status_code == 200
    assert not User.objects.filter(email="alice@a.example").exists()

    response = browser.post(
        reverse("accounts:login"), {"username": "alice@a.example", "password": PASSWORDS["alice"]}
    )

    assert response.status_code == 302
    alice = User.objects.get(email="alice@a.example")
    assert int(browser.session["_auth_user_id"]) == alice.pk
    assert alice.organisation_id == world.client_a.pk
    local = Client().post(
        reverse("accounts:login"), {"username": world.requester_a.email, "password": PASSWORD}
    )
    assert local.status_code == 302  # local accounts keep working


def test_a_locked_directory_account_cannot_sign_in_until_unlocked(synced: Directories, world: World) -> None:
    lock_out(synced.server, person_dn("a", "alice"))
    form = {"username": "alice@a.example", "password": PASSWORDS["alice"]}
    assert Client().post(reverse("accounts:login"), form).status_code == 200

    ldap_client.unlock(synced.a, dn=person_dn("a", "alice"))

    assert Client().post(reverse("accounts:login"), form).status_code == 302


def test_a_directory_password_does_not_open_another_organisations_domain(directories: Directories) -> None:
    """Bruno's entry lives in B's directory: signing in as him with an a.example address is not possible."""
    response = Client().post(
        reverse("accounts:login"), {"username": "bruno@a.example", "password": PASSWORDS["bruno"]}
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="bruno@b.example").exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("administrator", True),
        ("supervisor", False),
        ("agent_a", False),
        ("manager_a", False),
        ("requester_a", False),
    ],
)
def test_only_administrators_configure_directories(world: World, who: str, allowed: bool) -> None:
    directory = Directory.objects.create(
        organisation=world.client_a, name="AD", url="ldap://127.0.0.1:1", bind_dn="cn=x", base_dn="dc=x"
    )
    browser = signed_in(world.person(who))
    for url in (
        reverse("directory:list"),
        reverse("directory:detail", args=[directory.pk]),
        reverse("directory:create"),
    ):
        assert browser.get(url).status_code == (200 if allowed else 403)
    posted = browser.post(reverse("directory:detail", args=[directory.pk]), {"name": "changed"})
    directory.refresh_from_db()
    assert directory.name == "AD"
    assert posted.status_code in ({200, 422} if allowed else {403})


def test_an_administrator_creates_a_directory_and_the_password_is_stored_encrypted(world: World) -> None:
    browser = signed_in(world.administrator)
    response = browser.post(
        reverse("directory:create"),
        {
            "organisation": world.client_a.pk,
            "name": "Annuaire",
            "flavour": "openldap",
            "url": "ldap://127.0.0.1:1",
            "security": "none",
            "bind_dn": "cn=escalade,dc=a",
            "bind_password": "s3cret-bind",
            "base_dn": "dc=a",
            "user_filter": "(objectClass=inetOrgPerson)",
            "group_filter": "(objectClass=groupOfNames)",
            "attribute_map": '{"login": "uid", "email": "mail"}',
            "verification": "email_code",
            "timeout": 2,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    directory = Directory.objects.get(name="Annuaire")
    assert "s3cret-bind" not in directory.bind_password_encrypted
    from escalade.directory.secrets import secret_decrypt

    assert secret_decrypt(directory.bind_password_encrypted) == "s3cret-bind"
    synced = browser.post(reverse("directory:sync", args=[directory.pk]), follow=True)
    assert "injoignable" in synced.content.decode()  # no server there: a clear message, no crash


def test_a_manager_of_another_client_neither_sees_nor_decides_a_request(
    synced: Directories, world: World
) -> None:
    alice, amanda = User.objects.get(email="alice@a.example"), User.objects.get(email="amanda@a.example")
    finance = DirectoryGroup.objects.get(directory=synced.a, name="share-finance")
    finance.is_requestable = True
    finance.save()
    alice_browser = signed_in(alice)
    assert "share-finance" in alice_browser.get(reverse("directory:access")).content.decode()
    alice_browser.post(reverse("directory:access_request", args=[finance.pk]), {"idempotency_key": "r" * 32})
    request = SelfServiceRequest.objects.get(group=finance)

    outsider = signed_in(world.manager_b)
    assert "share-finance" not in outsider.get(reverse("directory:access")).content.decode()
    outsider.post(reverse("directory:decide", args=[request.pk]), {"approve": "1"})
    request.refresh_from_db()
    assert request.state == SelfServiceRequest.State.PENDING_APPROVAL

    manager = signed_in(amanda)
    assert "share-finance" in manager.get(reverse("directory:access")).content.decode()
    manager.post(reverse("directory:decide", args=[request.pk]), {"approve": "1"})
    request.refresh_from_db()
    assert request.state == SelfServiceRequest.State.DONE
    rights = alice_browser.get(reverse("directory:access")).content.decode()
    assert "Amanda Chef" in rights  # who approved


def test_the_desk_panel_says_plainly_when_the_directory_is_unreachable(
    synced: Directories, world: World
) -> None:
    alice = User.objects.get(email="alice@a.example")
    call = ticket_record_self_service(
        actor=ldap_actor(alice), requester=alice, title="x", description="", solution="-"
    )
    synced.server.stop()

    panel = signed_in(world.agent_a).get(reverse("directory:desk_panel", args=[call.reference]))

    assert panel.status_code == 200
    assert "ne peut pas être consulté" in panel.content.decode()


def test_the_access_page_and_the_directory_list_run_a_fixed_number_of_queries(
    synced: Directories, world: World, django_assert_max_num_queries
) -> None:
    alice = User.objects.get(email="alice@a.example")
    DirectoryGroup.objects.filter(directory=synced.a).update(is_requestable=True)
    browser = signed_in(alice)
    with django_assert_max_num_queries(12):
        assert browser.get(reverse("directory:access")).status_code == 200
    admin = signed_in(world.administrator)
    with django_assert_max_num_queries(8):
        assert admin.get(reverse("directory:list")).status_code == 200


def test_the_directorys_refusal_is_shown_in_plain_french_on_the_reset_page(
    synced: Directories, django_capture_on_commit_callbacks
) -> None:
    browser = Client(headers={"accept-language": "fr"})
    with django_capture_on_commit_callbacks(execute=True):
        started = browser.post(
            reverse("directory:start"),
            {"email": "alice@a.example", "action": "password_reset", "idempotency_key": "p" * 32},
        )
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[0].body))
    assert code is not None

    refused = browser.post(started["Location"], {"code": code.group(1), "new_password": "court"})

    assert refused.status_code == 422
    assert "Le mot de passe est trop court pour la politique de l&#x27;annuaire." in refused.content.decode()
    assert bind_works(synced.server, person_dn("a", "alice"), PASSWORDS["alice"])


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("manager_b", False),
        ("requester_a", False),
        ("agent_b", False),
        ("manager_a", True),
        ("agent_a", True),
    ],
)
def test_only_the_person_their_approvers_or_their_agents_remove_an_access_right(
    synced: Directories, world: World, who: str, allowed: bool
) -> None:
    group_dn = f"cn=share-finance,ou=groups,{synced.a.base_dn}"
    synced.admin().modify(group_dn, {"member": [(MODIFY_ADD, [person_dn("a", "alice")])]})
    directory_sync_now(actor=None, directory=synced.a)
    grant = AccessGrant.objects.get(group__name="share-finance", account__user__email="alice@a.example")

    signed_in(world.person(who)).post(
        reverse("directory:access_revoke", args=[grant.pk]), {"idempotency_key": "v" * 32}
    )

    assert AccessGrant.objects.filter(pk=grant.pk).exists() is not allowed
    members = Connection(Server(synced.server.url), auto_bind=True)
    members.search(group_dn, "(objectClass=*)", attributes=["member"])
    in_directory = {str(dn).lower() for dn in members.entries[0].member.values}
    assert (person_dn("a", "alice").lower() in in_directory) is not allowed


@pytest.mark.parametrize(
    ("who", "status"), [("agent_a", 200), ("agent_b", 404), ("requester_a", 403), ("manager_a", 403)]
)
def test_the_desk_panel_is_shown_only_to_staff_serving_the_organisation(
    synced: Directories, world: World, who: str, status: int
) -> None:
    alice = User.objects.get(email="alice@a.example")
    call = ticket_record_self_service(
        actor=ldap_actor(alice), requester=alice, title="x", description="", solution="-"
    )

    assert (
        signed_in(world.person(who)).get(reverse("directory:desk_panel", args=[call.reference])).status_code
        == status
    )
