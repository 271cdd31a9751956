"""The desk's actions end to end through the pages: quick actions, bulk, macros, calls, saved views."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalade.core.actors import Actor
from escalade.tickets import services
from escalade.tickets.models import Ticket
from escalade.workspace import selectors
from escalade.workspace.models import Macro, PhoneCall, SavedView
from escalade.workspace.services import macro_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, world):
    client.force_login(world.agent_a)
    return client


def _post(client, ticket, action, **data):
    return client.post(f"/desk/t/{ticket.reference}/{action}/", {f"{action}-{k}": v for k, v in data.items()})


def test_quick_actions_walk_a_ticket_to_resolution(desk, world, levels, make_ticket):
    ticket = make_ticket()
    other = make_ticket(title="Doublon")

    assert desk.post(f"/desk/t/{ticket.reference}/take/").status_code == 302
    assert _post(desk, ticket, "reply", body="**Bonjour**").status_code == 302
    assert _post(desk, ticket, "reply", body="Note", internal="on").status_code == 302
    assert _post(desk, ticket, "tags", tags="vpn, urgent").status_code == 302
    assert _post(desk, ticket, "link", target=other.reference, kind="related_to").status_code == 302
    assert _post(desk, ticket, "pending", state="pending_requester", reason="Capture ?").status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee, sorted(ticket.tags.values_list("name", flat=True))) == (
        "pending_requester", world.agent_a, ["urgent", "vpn"],
    )  # fmt: skip
    assert _post(desk, ticket, "state", state="in_progress").status_code == 302
    assert _post(desk, ticket, "escalate", reason="Droits admin").status_code == 302
    ticket.refresh_from_db()
    assert (ticket.support_level, ticket.team) == (2, levels["l2"])
    assert _post(desk, ticket, "resolve", resolution_code="solved", solution="Fait").status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    page = desk.get(f"/desk/t/{ticket.reference}/").content.decode()
    assert "<strong>Bonjour</strong>" in page
    assert "Droits admin" in page


def test_errors_show_next_to_the_field(desk, make_ticket):
    ticket = make_ticket()

    response = _post(desk, ticket, "escalate", reason="")

    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_escalate-reason-error" role="alert"' in body
    assert '<details id="action-escalate" data-shortcut="e" open>' in body


def test_the_action_forms_but_reply_come_when_their_panel_opens(desk, make_ticket):
    ticket = make_ticket()
    url = f"/desk/t/{ticket.reference}/assign/"

    page = desk.get(f"/desk/t/{ticket.reference}/").content.decode()
    response = desk.get(url, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    alone = desk.get(url).content.decode()

    assert 'name="assign-team"' not in page
    assert f'hx-get="{url}" hx-trigger="toggle once" hx-target="find .action-form"' in page
    assert f'<a href="{url}">' in page  # without JavaScript: the form on a page of its own
    assert 'name="reply-body"' in page  # the most used one stays in the page
    assert 'name="escalate-reason"' not in page
    assert fragment.startswith(f'<form method="post" action="{url}"')
    assert 'name="csrfmiddlewaretoken"' in fragment
    assert 'name="assign-team"' in fragment
    assert "<html" not in fragment
    assert "HX-Request" in response["Vary"]  # a fragment or a page at the same address
    assert "<html" in alone
    assert f'<form method="post" action="{url}"' in alone
    assert 'name="assign-team"' in alone
    assert desk.get(f"/desk/t/{ticket.reference}/take/").status_code == 404  # a button, no form
    assert desk.get(f"/desk/t/{ticket.reference}/nothing/").status_code == 404


def test_an_on_demand_form_shows_its_errors_in_the_page(desk, make_ticket):
    ticket = make_ticket()
    team = ticket.team_id

    response = _post(desk, ticket, "assign", team="999999")

    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_assign-team-error" role="alert"' in body
    assert '<details id="action-assign" data-shortcut="a" open>' in body
    assert f'hx-get="/desk/t/{ticket.reference}/macro/"' in body  # the other one still comes on demand
    ticket.refresh_from_db()
    assert ticket.team_id == team


def test_merge_moves_to_the_kept_ticket(desk, make_ticket):
    duplicate, kept = make_ticket(title="A"), make_ticket(title="B")

    response = _post(desk, duplicate, "merge", target=kept.reference)

    assert response["Location"] == f"/desk/t/{kept.reference}/"
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept


def test_bulk_take_and_tag(desk, world, make_ticket):
    tickets = [make_ticket(title=f"T{i}") for i in range(3)]
    ids = [t.pk for t in tickets]

    desk.post("/desk/bulk/", {"action": "take", "tickets": ids})
    desk.post("/desk/bulk/", {"action": "tag", "tickets": ids, "tags": "lundi"})

    assert set(Ticket.objects.values_list("assignee", flat=True)) == {world.agent_a.pk}
    assert Ticket.objects.filter(tags__name="lundi").count() == 3


def test_macro_renders_placeholders_and_sets_fields(desk, world, make_ticket):
    ticket = make_ticket()
    team = world.agent_a.teams.get()
    response = desk.post("/desk/macros/", {
        "name": "Prise en charge", "language": "fr", "team": team.pk, "set_state": "pending_requester",
        "add_tags": "ack", "body": "Bonjour {{requester_name}}, {{agent_name}} s'occupe de {{reference}}.",
    })  # fmt: skip
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert macro.team == team

    desk.post(f"/desk/t/{ticket.reference}/take/")
    _post(desk, ticket, "macro", macro=macro.pk)  # the preview: nothing sent yet
    assert not ticket.followups.exists()
    desk.post(f"/desk/t/{ticket.reference}/macro/", {"macro-macro": macro.pk, "confirm": "1"})  # "Send"

    ticket.refresh_from_db()
    reply = ticket.followups.get()
    expected = (
        f"Bonjour {world.requester_a.full_name}, {world.agent_a.full_name} s'occupe de {ticket.reference}."
    )
    assert reply.body == expected == macro_render(macro=macro, ticket=ticket, agent=world.agent_a)
    assert ticket.state == "pending_requester"
    assert list(ticket.tags.values_list("name", flat=True)) == ["ack"]


def test_another_agents_personal_macro_cannot_be_applied(desk, world, make_ticket):
    ticket = make_ticket()
    theirs = Macro.objects.create(owner=world.agent_b, name="x", body="x")

    response = _post(desk, ticket, "macro", macro=theirs.pk)

    assert response.status_code == 422
    assert not ticket.followups.exists()


def test_phone_intake_finds_the_caller_and_opens_a_phone_ticket(desk, world):
    world.requester_a.phone = "04 72 00 12 34"
    world.requester_a.save()

    found = desk.get("/desk/call/search/?q=1234").content.decode()
    assert world.requester_a.email in found
    assert (
        world.requester_b.email
        not in desk.get(f"/desk/call/search/?q={world.requester_b.email}").content.decode()
    )
    card = desk.get(f"/desk/call/?caller={world.requester_a.pk}").content.decode()
    assert world.requester_a.full_name in card

    response = desk.post("/desk/call/", {
        "caller": world.requester_a.pk, "started_at": "2020-01-06 09:00", "title": "Imprimante",
        "impact": 3, "urgency": 2, "duration": "4:30",
    })  # fmt: skip

    assert response.status_code == 302, response.content.decode()[-3000:]
    call = PhoneCall.objects.get()
    assert response["Location"] == f"/desk/t/{call.ticket.reference}/"
    assert (call.ticket.channel, call.duration_seconds, call.caller, call.agent) == (
        "phone", 270, world.requester_a, world.agent_a,
    )  # fmt: skip


def test_a_call_without_title_or_ticket_is_refused_next_to_the_field(desk, world):
    response = desk.post("/desk/call/", {
        "caller": world.requester_a.pk, "started_at": "2020-01-06 09:00", "duration": "soon",
        "impact": 3, "urgency": 2,
    })  # fmt: skip

    assert response.status_code == 422
    assert 'id="id_title-error" role="alert"' in response.content.decode()
    assert 'id="id_duration-error" role="alert"' in response.content.decode()


def test_saved_views_personal_and_shared(desk, client, world):
    team = world.agent_a.teams.get()
    desk.post("/desk/views/", {"name": "Urgences", "queue": "team", "priority": "1"})
    desk.post("/desk/views/", {"name": "Équipe", "queue": "unassigned", "team": team.pk})

    mine = SavedView.objects.get(name="Urgences")
    assert (mine.owner, mine.filters, mine.queue) == (world.agent_a, {"priority": "1"}, "team")
    assert desk.get(f"/desk/?view={mine.pk}").status_code == 200
    client.force_login(world.agent_b)
    assert client.get(f"/desk/?view={mine.pk}").status_code == 404
    assert client.post(f"/desk/views/{mine.pk}/delete/").status_code == 404
    assert SavedView.objects.count() == 2


def test_counters_are_capped(world, make_ticket, settings):
    for index in range(3):
        make_ticket(title=f"T{index}")

    counters = selectors.queue_counters(user=world.agent_a)

    assert counters["unassigned"] == "3"
    selectors.COUNTER_CAP, cap = 2, selectors.COUNTER_CAP
    try:
        assert selectors.queue_counters(user=world.agent_a)["unassigned"] == "2+"
    finally:
        selectors.COUNTER_CAP = cap


def test_keyset_pages_follow_the_nearest_due_date_then_id(world, make_ticket, monkeypatch):
    for index in range(5):
        make_ticket(title=f"T{index}")
    Ticket.objects.filter(title="T3").update(resolution_due=None)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    tickets = selectors.queue_tickets(user=world.agent_a, queue="all_open", filters=selectors.TicketFilters())

    seen, cursor = [], ""
    while True:
        page, cursor = selectors.queue_page(tickets, after=cursor)
        seen += page
        if not cursor:
            break

    ordered = sorted(
        (t for t in seen),
        key=lambda t: (
            t.resolution_due is None,
            t.resolution_due or dt.datetime.max.replace(tzinfo=dt.UTC),
            t.pk,
        ),
    )
    assert [t.pk for t in seen] == [t.pk for t in ordered]
    assert len(seen) == 5
    assert seen[-1].title == "T3"


def test_filters_narrow_the_queue(world, make_ticket):
    vpn = make_ticket(title="VPN en panne", tags=["vpn"], urgency=1, impact=1)
    make_ticket(title="Imprimante")
    services.ticket_take(actor=Actor.of(world.agent_a), ticket=vpn)
    visible = selectors.queue_tickets

    def keys(**filters):
        found = visible(user=world.agent_a, queue="all_open", filters=selectors.TicketFilters(**filters))
        return set(found.values_list("title", flat=True))

    assert keys(q="vpn") == keys(tag="vpn") == keys(priority="1") == {"VPN en panne"}
    assert keys(assignee=str(world.agent_a.pk)) == {"VPN en panne"}
    assert keys(assignee="none") == {"Imprimante"}
    assert keys(q=vpn.reference) == {"VPN en panne"}
    assert keys(organisation=str(world.client_b.pk)) == set()


def test_capped_counters_do_not_ask_for_an_order(world, make_ticket):
    """An ordered capped count lets PostgreSQL walk the whole table backwards by id looking for the few
    tickets of a small queue (0.6 s at a million tickets): the counts must not carry an ORDER BY."""
    make_ticket(title="T")
    with CaptureQueriesContext(connection) as captured:
        selectors.queue_counters(user=world.agent_a)

    counts = [query["sql"] for query in captured.captured_queries if "COUNT(" in query["sql"].upper()]
    assert len(counts) == len(selectors.QUEUES)
    assert not [sql for sql in counts if "ORDER BY" in sql.upper()]
