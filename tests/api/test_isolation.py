"""Every endpoint × every role (and anonymous) on client A's ticket: the expected status, and a denied
call changes nothing in the database."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from escalade.accounts.models import Team, TeamMembership, User
from escalade.api.router import api as ninja_api
from escalade.contracts.models import Contract
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.notifications.models import Notification
from escalade.orgs.models import Organisation
from escalade.sla.models import BusinessCalendar, SlaPolicy, SlaTarget, WorkingInterval
from escalade.tickets import services
from escalade.tickets.models import Attachment, Category, FollowUp, Tag, Ticket, TicketLink
from escalade.timetracking.models import ActivityType, TimeEntry
from escalade.timetracking.services import time_entry_create
from escalade.webhooks.models import WebhookDelivery, WebhookSubscription
from escalade.webhooks.services import subscription_create, webhook_send_test
from tests.tickets.factories import CategoryFactory, ContractFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "requester_a", "requester_a2", "manager_a", "requester_b", "manager_b", "agent_a", "agent_b",
    "supervisor", "administrator",
]  # fmt: skip
VIEWERS = {"requester_a", "manager_a", "agent_a", "supervisor", "administrator"}  # see client A's ticket
WORKERS = {"agent_a", "supervisor", "administrator"}  # provider staff serving client A
SYSTEM = Actor.system("tests")
# A client's hours: the staff who serve it and its client managers.
CONSUMERS = {
    role: 200 if role in {"manager_a", "agent_a", "supervisor", "administrator"} else 404 for role in ROLES
}


def on_ticket(ok: int, allowed: set[str]) -> dict[str, int]:
    """``allowed`` succeed; other viewers are refused (403); the rest never learn the ticket exists."""
    return {role: ok if role in allowed else 403 if role in VIEWERS else 404 for role in ROLES}


def everyone(ok: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, ok)


def administrators(ok: int) -> dict[str, int]:
    return {role: ok if role == "administrator" else 403 for role in ROLES}


@dataclass
class Scene:
    """Client A's ticket (and a second one), with a public and an internal file, L2/L3 teams."""

    world: Any
    ticket: Ticket
    other: Ticket
    attachment: Attachment
    internal_attachment: Attachment
    category: Category
    ids: dict[str, Any] = field(default_factory=dict)


def _upload(name: str = "note.txt", **fields: Any) -> Callable[[Scene], dict[str, Any]]:
    return lambda scene: {"file": SimpleUploadedFile(name, b"hello\n"), **fields}


def _taken(scene: Scene) -> None:
    team = Team.objects.get(name="L1 A")
    services.ticket_assign(actor=SYSTEM, ticket=scene.ticket, team=team, assignee=scene.world.agent_a)


def _resolved(scene: Scene) -> None:
    services.ticket_resolve(actor=SYSTEM, ticket=scene.ticket, resolution_code="solved", solution="Fait.")


def _time_logged(scene: Scene) -> None:
    entry = time_entry_create(
        actor=Actor.of(scene.world.agent_a), ticket=scene.ticket,
        activity=ActivityType.objects.get(code="remote"), minutes=30,
    )  # fmt: skip
    scene.ids["entry"] = entry.pk


def _escalated(scene: Scene) -> None:
    services.ticket_escalate(actor=SYSTEM, ticket=scene.ticket, reason="Niveau 2")


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    expected: dict[str, int]
    body: Any = None
    prepare: Callable[[Scene], None] | None = None


take = on_ticket(200, {"agent_a"}) | {"supervisor": 422, "administrator": 422}  # not in a team of client A
create_for = {
    "requester_a": 201,
    "agent_a": 201,
    "supervisor": 201,
    "administrator": 201,
    "agent_b": 422,
    "requester_a2": 403,
    "manager_a": 403,
    "requester_b": 403,
    "manager_b": 403,
}

CASES: dict[str, Case] = {
    "me": Case("GET", "/api/me", everyone(200)),
    "ticket_create": Case("POST", "/api/tickets", everyone(201), {"title": "Écran noir"}),
    "ticket_create_for": Case(
        "POST",
        "/api/tickets",
        create_for,
        lambda s: {"title": "Écran", "requester_id": s.world.requester_a.pk},
    ),
    "ticket_create_batch": Case(
        "POST", "/api/tickets/batch", everyone(201), {"items": [{"title": "Écran"}, {"title": "Clavier"}]}
    ),
    "ticket_create_batch_for": Case(
        "POST",
        "/api/tickets/batch",
        create_for,
        lambda s: {
            "items": [{"title": "Écran"}, {"title": "Clavier", "requester_id": s.world.requester_a.pk}]
        },
    ),
    "ticket_list": Case("GET", "/api/tickets", everyone(200)),
    "ticket_read": Case("GET", "/api/tickets/{ref}", on_ticket(200, VIEWERS)),
    "ticket_sla": Case("GET", "/api/tickets/{ref}/sla", on_ticket(200, VIEWERS)),
    "kb_article_list": Case("GET", "/api/kb/articles", everyone(200)),
    "kb_article_read": Case("GET", "/api/kb/articles/nope", everyone(404)),
    "kb_search": Case("GET", "/api/kb/search?q=imprimante", everyone(200)),
    "search_all": Case("GET", "/api/search?q=imprimante", everyone(200)),
    "ticket_update": Case(
        "PATCH", "/api/tickets/{ref}", on_ticket(200, WORKERS), {"impact": 1, "urgency": 1}
    ),
    "ticket_edit": Case(
        "PATCH", "/api/tickets/{ref}", on_ticket(200, WORKERS), {"title": "Autre", "tags": ["x"]}
    ),
    "ticket_transition": Case(
        "POST", "/api/tickets/{ref}/transition", on_ticket(200, WORKERS), {"state": "in_progress"}, _taken
    ),
    "ticket_resolve": Case(
        "POST",
        "/api/tickets/{ref}/resolve",
        on_ticket(200, WORKERS),
        {"resolution_code": "solved", "solution": "Redémarré."},
    ),
    "ticket_reopen": Case(
        "POST", "/api/tickets/{ref}/reopen", on_ticket(200, VIEWERS), {"reason": "Encore"}, _resolved
    ),
    "ticket_close": Case("POST", "/api/tickets/{ref}/close", on_ticket(200, VIEWERS), None, _resolved),
    "ticket_take": Case("POST", "/api/tickets/{ref}/take", take),
    "ticket_escalate": Case("POST", "/api/tickets/{ref}/escalate", on_ticket(200, WORKERS), {"reason": "N2"}),
    "ticket_escalate_level": Case(
        "POST", "/api/tickets/{ref}/escalate", on_ticket(200, WORKERS), {"reason": "N3", "level": 3}
    ),
    # An L1 agent does not hand back what level 2 holds; supervisors and administrators may.
    "ticket_hand_back": Case(
        "POST",
        "/api/tickets/{ref}/hand-back",
        on_ticket(200, WORKERS - {"agent_a"}),
        {"reason": "N1"},
        _escalated,
    ),
    "ticket_hand_back_level": Case(
        "POST",
        "/api/tickets/{ref}/hand-back",
        on_ticket(200, WORKERS - {"agent_a"}),
        {"reason": "N1", "level": 1},
        _escalated,
    ),
    "followup_list": Case("GET", "/api/tickets/{ref}/followups", on_ticket(200, VIEWERS)),
    "followup_reply": Case(
        "POST", "/api/tickets/{ref}/followups", on_ticket(201, VIEWERS), {"kind": "reply", "body": "Merci"}
    ),
    "followup_note": Case(
        "POST", "/api/tickets/{ref}/followups", on_ticket(201, WORKERS), {"kind": "note", "body": "Interne"}
    ),
    "attachment_add": Case("UPLOAD", "/api/tickets/{ref}/attachments", on_ticket(201, VIEWERS), _upload()),
    "attachment_add_internal": Case(
        "UPLOAD", "/api/tickets/{ref}/attachments", on_ticket(201, WORKERS), _upload(is_internal="true")
    ),
    "attachment_download": Case(
        "GET", "/api/tickets/{ref}/attachments/{attachment}", on_ticket(200, VIEWERS)
    ),
    "attachment_download_internal": Case(
        "GET",
        "/api/tickets/{ref}/attachments/{internal_attachment}",
        on_ticket(200, WORKERS) | {"requester_a": 404, "manager_a": 404},
    ),
    "ticket_link": Case(
        "POST",
        "/api/tickets/{ref}/links",
        on_ticket(201, WORKERS),
        lambda s: {"target_reference": s.other.reference, "kind": "related_to"},
    ),
    "ticket_merge": Case(
        "POST",
        "/api/tickets/{ref}/merge",
        on_ticket(200, WORKERS),
        lambda s: {"into_reference": s.other.reference},
    ),
    "organisation_list": Case("GET", "/api/organisations", everyone(200)),
    "organisation_read": Case(
        "GET",
        "/api/organisations/{org_a}",
        {role: 200 if role in VIEWERS | {"requester_a2"} else 404 for role in ROLES},
    ),
    "organisation_add": Case("POST", "/api/organisations", administrators(201), {"name": "Client C"}),
    "organisation_change": Case(
        "PATCH", "/api/organisations/{org_a}", administrators(200), {"phone": "0102"}
    ),
    "contract_list": Case("GET", "/api/contracts", everyone(200)),
    "category_list": Case("GET", "/api/categories", everyone(200)),
    "category_add": Case(
        "POST", "/api/categories", administrators(201), {"name_fr": "Réseau", "name_en": "Network"}
    ),
    "category_change": Case("PATCH", "/api/categories/{category}", administrators(200), {"is_active": False}),
    "team_list": Case("GET", "/api/teams", everyone(200)),
    "team_add": Case("POST", "/api/teams", administrators(201), {"name": "L1 C", "support_level": 1}),
    "team_change": Case("PATCH", "/api/teams/{team_a}", administrators(200), {"is_auto_assign": True}),
    "calendar_list": Case("GET", "/api/calendars", everyone(200)),
    "calendar_add": Case(
        "POST", "/api/calendars", administrators(201), {"name": "24/7", "is_always_open": True}
    ),
    "calendar_change": Case(
        "PATCH", "/api/calendars/{calendar}", administrators(200), {"holiday_subdivision": "57"}
    ),
    "sla_policy_list": Case("GET", "/api/sla-policies", everyone(200)),
    "sla_policy_add": Case(
        "POST",
        "/api/sla-policies",
        administrators(201),
        lambda s: {
            "name": "Or",
            "calendar_id": s.ids["calendar"],
            "targets": [{"priority": 1, "first_response_minutes": 15, "resolution_minutes": 120}],
        },
    ),
    "sla_policy_change": Case(
        "PATCH", "/api/sla-policies/{policy}", administrators(200), {"warning_percent": 80}
    ),
    "webhook_list": Case("GET", "/api/webhooks", administrators(200)),
    "webhook_add": Case(
        "POST", "/api/webhooks", administrators(201), {"name": "B", "url": "console:", "event_types": ["*"]}
    ),
    "webhook_change": Case("PATCH", "/api/webhooks/{webhook}", administrators(200), {"name": "C"}),
    "webhook_deliveries": Case("GET", "/api/webhooks/{webhook}/deliveries", administrators(200)),
    "webhook_replay": Case(
        "POST", "/api/webhooks/{webhook}/deliveries/{delivery}/replay", administrators(201)
    ),
    "webhook_send_test": Case("POST", "/api/webhooks/{webhook}/test", administrators(201)),
    "ticket_time_entries": Case("GET", "/api/tickets/{ref}/time-entries", on_ticket(200, VIEWERS)),
    "time_entry_add": Case(
        "POST",
        "/api/tickets/{ref}/time-entries",
        on_ticket(201, WORKERS),
        {"activity": "remote", "minutes": 20},
    ),
    "time_entry_change": Case(
        "PATCH",
        "/api/time-entries/{entry}",
        on_ticket(200, WORKERS) | {"requester_a": 404},
        {"minutes": 45},
        _time_logged,
    ),
    "time_entry_remove": Case(
        "DELETE",
        "/api/time-entries/{entry}",
        on_ticket(204, WORKERS) | {"requester_a": 404},
        None,
        _time_logged,
    ),
    "organisation_time_entries": Case(
        "GET", "/api/organisations/{org_a}/time-entries?month=2026-11", CONSUMERS, None, _time_logged
    ),
    "organisation_consumption": Case(
        "GET", "/api/organisations/{org_a}/consumption?month=2026-11", CONSUMERS
    ),
}

# Everything the API could write, row by row (API tokens left out: using one stamps last_used_at).
WATCHED: list[type[models.Model]] = [
    Ticket,
    FollowUp,
    Attachment,
    TicketLink,
    Event,
    Notification,
    Tag,
    Ticket.tags.through,
    Ticket.watchers.through,
    Organisation,
    Category,
    Category.organisations.through,
    Team,
    Team.organisations.through,
    TeamMembership,
    User,
    Contract,
    BusinessCalendar,
    WorkingInterval,
    SlaPolicy,
    SlaTarget,
    WebhookSubscription,
    WebhookDelivery,
    TimeEntry,
]


def database_state() -> dict[str, list[dict[str, Any]]]:
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in WATCHED}


# Operations whose role × organisation matrix lives beside their app (it needs that app's scene: an
# estate of assets, a rota that pages): the file that holds it, checked to call each path.
ELSEWHERE = {
    **dict.fromkeys(
        [("GET", "/api/assets"), ("POST", "/api/assets"), ("GET", "/api/assets/{asset_id}"),
         ("PATCH", "/api/assets/{asset_id}"), ("GET", "/api/assets/{asset_id}/software"),
         ("POST", "/api/assets/{asset_id}/status"), ("GET", "/api/software"), ("GET", "/api/licences"),
         ("POST", "/api/licences"), ("GET", "/api/licences/compliance"), ("GET", "/api/inventory-tokens"),
         ("POST", "/api/inventory-tokens"), ("GET", "/api/tickets/{reference}/assets"),
         ("POST", "/api/tickets/{reference}/assets")],
        "tests/assets/test_api.py",
    ),
    **dict.fromkeys(
        [("GET", "/api/oncall/now"), ("GET", "/api/oncall/pagings"),
         ("POST", "/api/oncall/pagings/{paging_id}/acknowledge")],
        "tests/oncall/test_access.py",
    ),
    **dict.fromkeys(
        [("GET", "/api/maintenance/occurrences"),
         ("POST", "/api/maintenance/occurrences/{occurrence_id}/checklist")],
        "tests/maintenance/test_api.py",
    ),
    **dict.fromkeys(
        [("GET", "/api/reports/dashboard"), ("GET", "/api/reports/figures"), ("GET", "/api/reports/monthly"),
         ("GET", "/api/reports/monthly/{report_id}/pdf")],
        "tests/reports/test_api.py",
    ),
}  # fmt: skip


def test_every_operation_is_in_the_matrix():
    schema = ninja_api.get_openapi_schema()
    operations = {(method.upper(), path) for path, methods in schema["paths"].items() for method in methods}
    covered = {
        ("POST" if case.method == "UPLOAD" else case.method, _template(case.path)) for case in CASES.values()
    }
    assert operations == covered | set(ELSEWHERE)
    root = Path(__file__).resolve().parents[2]
    for (method, path), file in ELSEWHERE.items():
        pattern = re.sub(r"\\\{[a-z_]+\\\}", lambda _m: r"(?:\{[^}]*\}|[^/\"'{}]+)", re.escape(path))
        call = rf"api\.{method.lower()}\(\s*f?[\"']{pattern}[\"'?]"
        assert re.search(call, (root / file).read_text()), f"{method} {path} is not called in {file}"


def _template(path: str) -> str:
    names = {
        "{ref}": "{reference}",
        "{attachment}": "{attachment_id}",
        "{internal_attachment}": "{attachment_id}",
        "{org_a}": "{organisation_id}",
        "{category}": "{category_id}",
        "{team_a}": "{team_id}",
        "{calendar}": "{calendar_id}",
        "{policy}": "{policy_id}",
        "{webhook}": "{webhook_id}",
        "{delivery}": "{delivery_id}",
        "{entry}": "{entry_id}",
    }
    path = path.split("?", maxsplit=1)[0].replace("/api/kb/articles/nope", "/api/kb/articles/{slug}")
    for placeholder, name in names.items():
        path = path.replace(placeholder, name)
    return path


@pytest.fixture
def scene(world, levels) -> Scene:
    requester = world.requester_a
    ticket = services.ticket_create(actor=Actor.of(requester), requester=requester, title="Imprimante")
    other = services.ticket_create(actor=Actor.of(requester), requester=requester, title="Imprimante (bis)")
    attachment = services.attachment_add(
        actor=Actor.of(requester), ticket=ticket, filename="log.txt", content=SimpleUploadedFile("l", b"log")
    )
    internal = services.attachment_add(
        actor=Actor.of(world.agent_a),
        ticket=ticket,
        filename="secret.txt",
        content=SimpleUploadedFile("s", b"secret"),
        is_internal=True,
    )
    category = CategoryFactory.create()
    ContractFactory.create(organisation=world.client_a)
    ContractFactory.create(organisation=world.client_b)
    calendar = SlaPolicy.objects.get(is_default=True).calendar
    webhook = subscription_create(
        actor=SYSTEM, name="Journal", url="console:", event_types=["ticket.sla_breached"]
    )
    delivery = webhook_send_test(actor=SYSTEM, subscription=webhook)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="succeeded")
    return Scene(
        world=world,
        ticket=ticket,
        other=other,
        attachment=attachment,
        internal_attachment=internal,
        category=category,
        ids={
            "ref": ticket.reference,
            "attachment": attachment.pk,
            "internal_attachment": internal.pk,
            "org_a": world.client_a.pk,
            "category": category.pk,
            "team_a": Team.objects.get(name="L1 A").pk,
            "calendar": calendar.pk,
            "policy": SlaPolicy.objects.get(is_default=True).pk,
            "webhook": webhook.pk,
            "delivery": delivery.pk,
        },
    )


def _run(api, scene: Scene, case: Case, user: User | None) -> Any:
    if case.prepare is not None:
        case.prepare(scene)
    if user is not None:
        api.key(user)  # issue the token (an event) before looking at the database
    path = case.path.format(**scene.ids)
    body = case.body(scene) if callable(case.body) else case.body
    before = database_state()
    response = api.call(case.method, path, user, body)
    return response, before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", CASES)
def test_endpoint_by_role(api, scene, name, role):
    case = CASES[name]

    response, before = _run(api, scene, case, scene.world.person(role))

    expected = case.expected[role]
    assert response.status_code == expected, (name, role, response.content[:300])
    if expected >= 400:
        assert response.json()["code"] in {"not_found", "permission_denied", "validation_failed"}
        assert database_state() == before
    elif case.method != "GET":
        assert database_state() != before  # the allowed write did happen


@pytest.mark.parametrize("name", CASES)
def test_anonymous_calls_are_refused_and_change_nothing(api, scene, name):
    response, before = _run(api, scene, CASES[name], None)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert database_state() == before
