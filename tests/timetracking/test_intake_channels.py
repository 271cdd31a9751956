"""Out of contract at intake by e-mail and through the API (ADR 0017): the contract's decision is
applied when the ticket is created, recorded with its event; the client manager is asked to approve."""

from __future__ import annotations

import pytest
from django.utils import translation

from escalade.contracts.models import HourPackage, OutOfContractDecision, OutOfContractOutcome
from escalade.core.models import Event
from escalade.core.refdata import refdata_changed
from escalade.mail.batch import IngestBatch
from escalade.mail.models import OutboundMail, Quarantine
from escalade.mail.outbound import render
from escalade.notifications.models import Notification
from escalade.tickets.models import Ticket
from escalade.tickets.selectors import EVENT_DESCRIBERS
from tests.api.conftest import Api
from tests.mail import conftest as mail_fixtures
from tests.mail.conftest import ingest, make_message
from tests.tickets.factories import CategoryFactory

pytestmark = pytest.mark.django_db
mail_world, mailbox = mail_fixtures.mail_world, mail_fixtures.mailbox


@pytest.fixture
def api(client) -> Api:
    return Api(client=client)


@pytest.fixture
def inside(world, contract):
    """The category the contract covers."""
    category = CategoryFactory.create(name_fr="Poste de travail")
    contract.categories.set([category])
    return category


@pytest.fixture
def outside(inside):
    """A category the contract does not cover."""
    return CategoryFactory.create(name_fr="Téléphonie")


def _outcome(contract, outcome):
    """Change the contract's outcome as the admin does: saved, and the kept reference data told."""
    contract.out_of_contract_outcome = outcome
    contract.save(update_fields=["out_of_contract_outcome"])
    refdata_changed()


def test_an_api_request_outside_the_contract_is_logged_with_the_decision(api: Api, world, contract, outside):
    answer = api.post("/api/tickets", world.requester_a, {"title": "Standard", "category_id": outside.pk})
    assert answer.status_code == 201, answer.content
    decision = OutOfContractDecision.objects.get(ticket__reference=answer.json()["reference"])
    assert (decision.reason, decision.outcome, decision.approval) == ("category", "billable", "not_needed")
    assert decision.acknowledged_by is None  # nobody read a notice: applied as the contract says
    event = Event.objects.get(action="ticket.out_of_contract_recorded")
    assert event.data == {"reason": "category", "outcome": "billable", "approval": "not_needed"}
    with translation.override("en"):
        assert "Category not covered by the contract" in EVENT_DESCRIBERS[event.action](event)


def test_an_api_request_the_contract_refuses_is_a_422_and_nothing_is_logged(
    api: Api, world, contract, inside, outside
):
    _outcome(contract, OutOfContractOutcome.REFUSED)
    answer = api.post("/api/tickets", world.requester_a, {"title": "Standard", "category_id": outside.pk})
    assert answer.status_code == 422
    assert answer.json()["field"] == "category_id"
    batch = api.post(
        "/api/tickets/batch", world.agent_a,
        {"items": [{"title": "Ok", "category_id": inside.pk, "requester_id": world.requester_a.pk},
                   {"title": "Standard", "category_id": outside.pk, "requester_id": world.requester_a.pk}]},
    )  # fmt: skip
    assert batch.status_code == 422
    assert batch.json()["field"] == "items.1.category_id"
    assert not Ticket.objects.exists()


def test_an_api_batch_records_each_decision(api: Api, world, contract, inside, outside):
    _outcome(contract, OutOfContractOutcome.APPROVAL)
    batch = api.post(
        "/api/tickets/batch", world.agent_a,
        {"items": [{"title": "Ok", "category_id": inside.pk, "requester_id": world.requester_a.pk},
                   {"title": "Standard", "category_id": outside.pk, "requester_id": world.requester_a.pk}]},
    )  # fmt: skip
    assert batch.status_code == 201, batch.content
    second = batch.json()["items"][1]["reference"]
    assert list(OutOfContractDecision.objects.values_list("ticket__reference", "approval")) == [
        (second, "pending")
    ]


def test_a_mail_outside_the_contract_awaits_the_client_managers_approval(world, contract, outside, mailbox):
    _outcome(contract, OutOfContractOutcome.APPROVAL)
    mailbox.category = outside
    mailbox.save(update_fields=["category"])
    world.manager_a.language = "en"
    world.manager_a.save(update_fields=["language"])
    outcome = ingest(make_message(), mailbox)
    assert outcome.kind == "ticket"
    decision = OutOfContractDecision.objects.get(ticket=outcome.ticket)
    assert (decision.reason, decision.approval) == ("category", "pending")
    assert Event.objects.filter(
        action="ticket.out_of_contract_recorded", object_id=str(outcome.ticket.pk)
    ).exists()
    note = Notification.objects.get(recipient=world.manager_a)
    assert (
        note.text
        == f"{outcome.ticket.reference} waits for your approval: Category not covered by the contract"
    )
    mail = OutboundMail.objects.get(recipient=world.manager_a, kind="approval_needed")
    subject, body = render(
        mail.kind, language="fr", context={"ticket": outcome.ticket, "site_url": "https://x"}
    )
    assert subject.startswith(f"[{outcome.ticket.reference}] Votre accord est nécessaire")
    assert "portail" in body
    assert not Notification.objects.filter(recipient=world.manager_b).exists()


def test_a_mail_the_contract_refuses_is_quarantined(world, contract, outside, mailbox):
    _outcome(contract, OutOfContractOutcome.REFUSED)
    mailbox.category = outside
    mailbox.save(update_fields=["category"])
    outcome = ingest(make_message(), mailbox)
    assert outcome.kind == "quarantine"
    assert Quarantine.objects.get().reason == "out_of_contract"
    assert not Ticket.objects.exists()


def test_a_batch_of_mails_applies_the_decision_too(world, contract, package, mailbox):
    HourPackage.objects.filter(pk=package.pk).update(consumed_minutes=package.credit_minutes)
    batch = IngestBatch(mailbox=mailbox, lookups=None)
    for number in (1, 2):
        raw = make_message(message_id=f"<b{number}@a.example>", subject=f"Demande {number}")
        assert ingest(raw, mailbox, batch=batch).kind == "pending"
    batch.flush()
    assert list(OutOfContractDecision.objects.values_list("reason", flat=True)) == ["credit", "credit"]
    _outcome(contract, OutOfContractOutcome.REFUSED)
    assert ingest(make_message(message_id="<b3@a.example>"), mailbox, batch=batch).kind == "pending"
    batch.flush()  # the batch fails and goes one by one: that message is quarantined
    assert Quarantine.objects.get().reason == "out_of_contract"
    assert Ticket.objects.count() == 2


def test_the_client_manager_refuses_from_the_portal(client, world, contract, outside, api: Api):
    _outcome(contract, OutOfContractOutcome.APPROVAL)
    reference = api.post(
        "/api/tickets", world.requester_a, {"title": "Standard", "category_id": outside.pk}
    ).json()["reference"]
    client.force_login(world.manager_b)
    assert client.post(f"/portal/account/refuse/{reference}/").status_code == 404
    client.force_login(world.requester_a)
    assert client.post(f"/portal/account/refuse/{reference}/").status_code == 403
    client.force_login(world.manager_a)
    assert client.post(f"/portal/account/refuse/{reference}/").status_code == 302
    decision = OutOfContractDecision.objects.get()
    assert (decision.approval, decision.approved_by) == ("refused", world.manager_a)
    assert Event.objects.filter(action="ticket.out_of_contract_refused", actor=world.manager_a).count() == 1
    assert Notification.objects.filter(recipient=world.supervisor, ticket=decision.ticket).exists()
    client.post(f"/portal/account/approve/{reference}/")  # answered already
    assert OutOfContractDecision.objects.get().approval == "refused"
