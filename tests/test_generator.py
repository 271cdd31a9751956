"""`escalade generate`: synthetic tickets that behave like real ones for every later feature."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.generator.generate import generate
from escalade.orgs.models import Organisation
from escalade.search.models import SearchDocument
from escalade.search.selectors import search
from escalade.tickets.choices import OPEN_STATES, State
from escalade.tickets.models import FollowUp, Ticket
from escalade.tickets.services import ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_generated_tickets_are_complete_consistent_and_continue_normally(world):
    report = generate(tickets=900, seed=7, open_share=0.1, batch=250)

    assert report.tickets == Ticket.objects.count() == 900
    assert report.followups == FollowUp.objects.count() > 700
    assert report.organisations == Organisation.objects.filter(slug__startswith="gen-").count() == 3
    references = list(Ticket.objects.order_by("id").values_list("reference", flat=True))
    assert len(set(references)) == 900
    per_year = Counter(reference.split("-")[1] for reference in references)
    assert all(f"-{count:06d}" in " ".join(references) for count in per_year.values())
    states = Counter(Ticket.objects.values_list("state", flat=True))
    assert 40 <= sum(states[state] for state in OPEN_STATES) <= 140
    assert states[State.CLOSED] > 700
    ticket_type = ContentType.objects.get_for_model(Ticket)
    created = Event.objects.filter(content_type=ticket_type, action="ticket.created").count()
    assert created == 900
    open_tickets = Ticket.objects.filter(state__in=OPEN_STATES)
    assert not open_tickets.filter(first_response_due__isnull=True).exists()
    assert Ticket.objects.filter(resolution_breached_at__isnull=False).exists()
    assert Ticket.objects.values("organisation").distinct().count() == 3

    # The ordinary path still works afterwards: ids and references continue after the generated ones.
    ticket = ticket_create(actor=Actor.system("test"), requester=world.requester_a, title="Après génération")
    year = ticket.reference.split("-")[1]
    assert ticket.reference == f"ESC-{year}-{per_year.get(year, 0) + 1:06d}"
    assert ticket.pk == Ticket.objects.order_by("-id").values_list("id", flat=True).first()


def test_the_same_seed_gives_the_same_tickets(world):
    generate(tickets=60, seed=3, batch=60)
    first = list(Ticket.objects.order_by("id").values_list("title", "priority", "state"))
    Ticket.objects.all().delete()
    generate(tickets=60, seed=3, batch=60)
    second = list(Ticket.objects.order_by("id").values_list("title", "priority", "state"))

    assert first == second


def test_generated_tickets_are_searchable_within_their_permissions(world):
    report = generate(tickets=60, seed=5, batch=25)

    assert report.documents == SearchDocument.objects.filter(kind="ticket").count() == 60
    assert set(SearchDocument.objects.values_list("object_id", flat=True)) == set(
        Ticket.objects.values_list("pk", flat=True)
    )
    ticket = Ticket.objects.order_by("pk")[30]
    assert search(query=ticket.reference, user=world.supervisor)[0].key == ticket.reference
    requester = ticket.requester
    word = ticket.title.split()[0]
    own = set(Ticket.objects.filter(requester=requester).values_list("reference", flat=True))
    assert {hit.key for hit in search(query=word, user=requester, limit=50)} <= own
    assert ticket.reference in {hit.key for hit in search(query=ticket.title, user=requester, limit=50)}
    assert search(query=ticket.reference, user=world.agent_a) == []  # agent A does not serve these clients
