"""What the operations do beyond the workflow: updates (all or nothing), files, links and merges,
administrators' writes, and issuing tokens."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from escalade.api.models import ApiToken
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.sla.models import BusinessCalendar, SlaPolicy
from escalade.tickets import services
from escalade.tickets.models import Ticket
from tests.api.conftest import PARIS
from tests.sla.test_sla_services import recomputes
from tests.tickets.conftest import TUESDAY_10H

pytestmark = pytest.mark.django_db

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


@pytest.fixture
def ticket(world):
    return services.ticket_create(
        actor=Actor.of(world.requester_a), requester=world.requester_a, title="Wifi"
    )


def test_an_update_qualifies_overrides_the_priority_and_assigns(api, world, ticket):
    path = f"/api/tickets/{ticket.reference}"

    qualified = api.patch(path, world.agent_a, {"impact": 1, "urgency": 2}).json()
    overridden = api.patch(path, world.agent_a, {"priority": 1, "priority_reason": "Direction"}).json()
    assigned = api.patch(
        path, world.agent_a, {"assignee_id": world.agent_a.pk, "title": "Wifi étage 2"}
    ).json()

    assert (qualified["priority"], qualified["is_priority_overridden"]) == (2, False)
    assert (overridden["priority"], overridden["is_priority_overridden"]) == (1, True)
    assert (assigned["assignee"]["id"], assigned["state"], assigned["title"]) == (
        world.agent_a.pk,
        "assigned",
        "Wifi étage 2",
    )
    events = Event.objects.filter(object_id=ticket.pk, action__startswith="ticket.").order_by("id")
    assert list(events.values_list("action", flat=True)) == [
        "ticket.created",
        "ticket.qualified",
        "ticket.priority_changed",
        "ticket.updated",
        "ticket.assigned",
    ]


def test_an_update_is_all_or_nothing(api, world, ticket):
    response = api.patch(f"/api/tickets/{ticket.reference}", world.agent_a, {"impact": 1, "priority": 1})

    assert (response.status_code, response.json()["field"]) == (422, "reason")
    ticket.refresh_from_db()
    assert (ticket.impact, ticket.priority) == (3, 4)
    assert not Event.objects.filter(action="ticket.qualified").exists()


def test_files_go_up_and_come_down_as_attachments(api, world, ticket):
    path = f"/api/tickets/{ticket.reference}/attachments"
    uploaded = api.upload(
        path, world.requester_a, {"file": SimpleUploadedFile("<rapport>.html", b"<h1>hi</h1>")}
    )
    assert uploaded.status_code == 201
    body = uploaded.json()

    response = api.get(body["download_url"], world.agent_a)

    assert body["filename"] == "<rapport>.html"
    assert body["content_type"] == "text/plain"  # sniffed from the bytes, not the name
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<h1>hi</h1>"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/plain"


def test_an_executable_is_refused(api, world, ticket):
    response = api.upload(
        f"/api/tickets/{ticket.reference}/attachments",
        world.agent_a,
        {"file": SimpleUploadedFile("a.pdf", ELF)},
    )

    assert (response.status_code, response.json()["field"]) == (422, "file")


def test_an_upload_without_a_file_names_the_field(api, world, ticket):
    response = api.upload(
        f"/api/tickets/{ticket.reference}/attachments", world.agent_a, {"is_internal": "true"}
    )

    assert (response.status_code, response.json()["field"]) == (422, "file")


def test_link_then_merge(api, world, ticket):
    duplicate = services.ticket_create(
        actor=Actor.of(world.requester_a2), requester=world.requester_a2, title="Wifi"
    )

    link = api.post(
        f"/api/tickets/{duplicate.reference}/links",
        world.agent_a,
        {"target_reference": ticket.reference, "kind": "duplicate_of"},
    )
    merged = api.post(
        f"/api/tickets/{duplicate.reference}/merge", world.agent_a, {"into_reference": ticket.reference}
    )

    assert link.status_code == 201
    assert link.json() == {
        "kind": "duplicate_of",
        "direction": "out",
        "ticket": {"reference": ticket.reference, "title": "Wifi", "state": "new"},
    }
    assert merged.status_code == 200
    assert merged.json()["reference"] == ticket.reference
    assert {"kind": "duplicate_of", "direction": "in"}.items() <= merged.json()["links"][0].items()
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into_id) == ("closed", ticket.pk)
    detail = api.get(f"/api/tickets/{duplicate.reference}", world.agent_a).json()
    assert detail["merged_into"] == ticket.reference


def test_administrators_configure_calendars_and_policies(api, world):
    admin = world.administrator
    calendar = api.post(
        "/api/calendars",
        admin,
        {
            "name": "Astreinte",
            "time_zone": "Europe/Paris",
            "holiday_country": "",
            "intervals": [{"weekday": 5, "start": "08:00", "end": "12:00"}],
        },
    )
    assert calendar.status_code == 201, calendar.json()
    calendar_id = calendar.json()["id"]
    policy = api.post(
        "/api/sla-policies",
        admin,
        {
            "name": "Samedi",
            "calendar_id": calendar_id,
            "pause_states": ["pending_requester"],
            "targets": [{"priority": 1, "first_response_minutes": 30, "resolution_minutes": 120}],
        },
    )
    assert policy.status_code == 201, policy.json()

    changed = api.patch(
        f"/api/calendars/{calendar_id}",
        admin,
        {"intervals": [{"weekday": 6, "start": "09:00", "end": "00:00"}]},
    )
    default = api.patch(f"/api/sla-policies/{policy.json()['id']}", admin, {"is_default": True})

    assert changed.json()["intervals"] == [{"weekday": 6, "start": "09:00:00", "end": "00:00:00"}]
    assert (default.status_code, default.json()["field"]) == (422, "is_default")
    assert SlaPolicy.objects.get(name="Samedi").targets.get().resolution_minutes == 120
    event = Event.objects.filter(action="businesscalendar.updated").get()
    assert event.changes == {
        "intervals": {"from": [[5, "08:00:00", "12:00:00"]], "to": [[6, "09:00:00", "00:00:00"]]}
    }
    assert event.actor == admin
    assert BusinessCalendar.objects.get(pk=calendar_id).intervals.count() == 1


def test_administrators_manage_organisations_categories_and_teams(api, world):
    admin = world.administrator
    organisation = api.post("/api/organisations", admin, {"name": "Client C", "phone": "01"}).json()
    category = api.post(
        "/api/categories",
        admin,
        {"name_fr": "Réseau", "name_en": "Network", "organisation_ids": [organisation["id"]]},
    ).json()
    team = api.post("/api/teams", admin, {"name": "L1 C", "organisation_ids": [organisation["id"]]}).json()

    renamed = api.patch(f"/api/organisations/{organisation['id']}", admin, {"name": "Client C SA"}).json()
    retired = api.patch(f"/api/categories/{category['id']}", admin, {"is_active": False}).json()
    automatic = api.patch(f"/api/teams/{team['id']}", admin, {"is_auto_assign": True}).json()

    assert (renamed["name"], renamed["slug"]) == ("Client C SA", "client-c")
    assert (retired["is_active"], retired["organisation_ids"]) == (False, [organisation["id"]])
    assert (automatic["is_auto_assign"], automatic["organisation_ids"]) == (True, [organisation["id"]])
    assert set(Event.objects.filter(actor=admin).values_list("action", flat=True)) == {
        "organisation.created",
        "organisation.updated",
        "category.created",
        "category.updated",
        "team.created",
        "team.updated",
    }


def test_me(api, world):
    assert api.get("/api/me", world.manager_a).json() == {
        "id": world.manager_a.pk,
        "email": "manager@a.example",
        "full_name": world.manager_a.full_name,
        "role": "client_manager",
        "language": "fr",
        "time_zone": "Europe/Paris",
        "organisation": {"id": world.client_a.pk, "name": "Client A"},
    }


def test_the_management_command_issues_a_token_shown_once(client, world):
    out, err = io.StringIO(), io.StringIO()

    call_command("api_token_create", "AGENT.A@provider.example", "supervision", stdout=out, stderr=err)

    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.key_prefix) == (world.agent_a, "supervision", key[:8])
    assert key not in err.getvalue()
    assert Event.objects.filter(action="api_token.created", object_id=token.pk).exists()
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").json()["email"] == world.agent_a.email
    with pytest.raises(CommandError):
        call_command("api_token_create", "nobody@example.com", "x", stdout=out, stderr=err)


def test_administrators_see_tokens_in_the_admin_but_never_the_key(client, world, api):
    api.key(world.agent_a)
    token = ApiToken.objects.get()
    client.force_login(world.administrator)

    listing = client.get("/admin/api/apitoken/")
    page = client.get(f"/admin/api/apitoken/{token.pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert token.key_prefix.encode() in listing.content
    assert api.keys[world.agent_a.pk].encode() not in page.content
    assert client.get("/admin/api/apitoken/add/").status_code == 403


def test_a_ticket_logged_by_staff_for_a_requester(api, world):
    response = api.post(
        "/api/tickets",
        world.agent_a,
        {"title": "Appel", "channel": "phone", "requester_id": world.requester_a.pk},
    )

    assert response.status_code == 201
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert (ticket.requester, ticket.organisation, ticket.channel) == (
        world.requester_a,
        world.client_a,
        "phone",
    )
    assert Event.objects.get(action="ticket.created", object_id=ticket.pk).actor == world.agent_a


def test_changing_a_policy_moves_the_open_tickets_due_dates(
    api, world, frozen, django_capture_on_commit_callbacks
):
    policy = SlaPolicy.objects.get(is_default=True)
    with frozen(TUESDAY_10H):
        ticket = services.ticket_create(
            actor=Actor.of(world.requester_a), requester=world.requester_a, title="x"
        )
    assert ticket.priority == 4
    assert _paris(ticket.resolution_due) == "2026-11-30T17:00:00+01:00"  # 2400 business minutes

    targets = [{"priority": p, "first_response_minutes": 60, "resolution_minutes": 120} for p in range(1, 6)]
    with frozen(TUESDAY_10H), django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.patch(f"/api/sla-policies/{policy.pk}", world.administrator, {"targets": targets})

    assert response.status_code == 200
    # One recomputation (the reference data's version bump aside, core.refdata).
    assert len(recomputes(callbacks)) == 1
    ticket.refresh_from_db()
    assert _paris(ticket.resolution_due) == "2026-11-24T12:00:00+01:00"  # 120 business minutes


def _paris(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(PARIS).isoformat() if moment else None
