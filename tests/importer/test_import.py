"""`escalade import`: real migrations from CSV or JSON Lines, idempotent on the external id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from django.db import DatabaseError, connection

from escalade.core.models import Event
from escalade.generator.writer import BulkWriter
from escalade.importer import writers
from escalade.importer.load import import_tickets
from escalade.search.models import SearchDocument
from escalade.search.selectors import search
from escalade.search.services import index_ticket
from escalade.tickets.models import FollowUp, Ticket
from tests.orgs.factories import OrganisationDomainFactory

pytestmark = pytest.mark.django_db
DOCUMENT_FIELDS = (
    "id", "object_id", "key", "organisation_id", "requester_id", "state", "title", "keywords", "body",
    "private_body", "identifiers", "private_identifiers", "created_at",
)  # fmt: skip


def _jsonl(tmp_path: Path, rows: list[object], name: str = "tickets.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(
        "\n".join(json.dumps(r) if not isinstance(r, str) else r for r in rows) + "\n", encoding="utf-8"
    )
    return path


def _ticket(external_id: str, **fields: object) -> dict[str, object]:
    return {
        "external_id": external_id,
        "title": f"Ticket {external_id}",
        "requester_email": "req.a@a.example",
        "created_at": "2025-03-04T09:15:00+01:00",
        **fields,
    }


def test_a_jsonl_file_imports_tickets_with_their_conversation(world, tmp_path):
    path = _jsonl(
        tmp_path,
        [
            _ticket(
                "OLD-1",
                state="closed",
                resolved_at="2025-03-04T11:00:00+01:00",
                solution="Mot de passe réinitialisé",
                tags=["Migration", "glpi"],
                impact=1,
                urgency=1,
                assignee_email="agent.a@provider.example",
                team="L1 A",
                followups=[
                    {
                        "author_email": "agent.a@provider.example",
                        "body": "Je m'en occupe.",
                        "created_at": "2025-03-04T09:30:00+01:00",
                    },
                    {"author_email": "agent.a@provider.example", "kind": "note", "body": "Client VIP"},
                ],
            ),
            _ticket("OLD-2", state="in_progress", assignee_email="agent.a@provider.example", team="L1 A"),
        ],
    )

    report = import_tickets(path=path)

    assert (report.imported, report.skipped, report.rejected) == (2, 0, [])
    closed = Ticket.objects.get(external_id="OLD-1")
    assert closed.reference == "ESC-2025-000001"
    assert (closed.state, closed.priority, closed.resolution_code) == ("closed", 1, "solved")
    assert closed.created_at.isoformat() == "2025-03-04T08:15:00+00:00"
    assert closed.organisation == world.client_a
    assert closed.assignee == world.agent_a
    assert sorted(closed.tags.values_list("name", flat=True)) == ["glpi", "migration"]
    assert list(closed.followups.values_list("kind", "body")) == [
        ("reply", "Je m'en occupe."),
        ("note", "Client VIP"),
    ]
    event = Event.objects.get(object_id=closed.pk, action="ticket.created", content_type__model="ticket")
    assert event.data == {"imported_from": "tickets.jsonl", "external_id": "OLD-1"}
    open_ticket = Ticket.objects.get(external_id="OLD-2")
    assert open_ticket.resolution_due is not None  # open tickets get their SLA clock


def test_importing_again_duplicates_nothing_and_picks_up_new_rows(world, tmp_path):
    import_tickets(path=_jsonl(tmp_path, [_ticket("A-1"), _ticket("A-2")]))

    report = import_tickets(path=_jsonl(tmp_path, [_ticket("A-1"), _ticket("A-2"), _ticket("A-3")]))

    assert (report.imported, report.skipped) == (1, 2)
    assert Ticket.objects.filter(external_id__startswith="A-").count() == 3
    assert FollowUp.objects.count() == 0


def test_bad_rows_are_reported_with_their_line_and_reason_and_the_rest_is_imported(world, tmp_path):
    path = _jsonl(
        tmp_path,
        [
            _ticket("B-1"),
            "{not json",
            _ticket("B-3", requester_email="nobody@unknown.example"),
            _ticket("B-4", state="lost"),
            _ticket("B-5", created_at="yesterday"),
            {"title": "no id"},
            _ticket("B-1"),
            _ticket("B-8", assignee_email="req.a2@a.example"),
        ],
    )

    report = import_tickets(path=path)

    assert report.imported == 1
    reasons = {(r.line, r.reason.split(" ")[0]) for r in report.rejected}
    assert reasons == {
        (2, "not"),
        (3, "unknown"),
        (4, "state"),
        (5, "created_at"),
        (6, "external_id"),
        (7, "external_id"),
        (8, "assignee"),
    }


def test_unknown_requesters_of_a_known_domain_can_be_created(world, tmp_path):
    OrganisationDomainFactory.create(organisation=world.client_b, domain="b.example")
    path = _jsonl(
        tmp_path, [_ticket("C-1", requester_email="New.Person@b.example", requester_name="Nouvelle Personne")]
    )

    assert import_tickets(path=path).rejected[0].reason == "unknown requester new.person@b.example"
    report = import_tickets(path=path, create_people=True)

    assert (report.imported, report.people_created) == (1, 1)
    ticket = Ticket.objects.get(external_id="C-1")
    assert (ticket.requester.full_name, ticket.organisation) == ("Nouvelle Personne", world.client_b)
    assert not ticket.requester.has_usable_password()


def test_a_csv_with_a_followups_csv(world, tmp_path):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "external_id,title,requester_email,created_at,state,tags\n"
        'X-1,"Imprimante, 2e étage",req.a@a.example,2024-12-31T17:00:00+01:00,resolved,"imprimante, hp"\n'
        "X-2,Wi-Fi,req.a@a.example,2025-01-02T09:00:00+01:00,new,\n",
        encoding="utf-8",
    )
    followups = tmp_path / "followups.csv"
    followups.write_text(
        "ticket_external_id,author_email,kind,body,created_at\n"
        "X-1,agent.a@provider.example,reply,Toner remplacé,2025-01-02T10:00:00+01:00\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(
        __import__("escalade.cli", fromlist=["main"]).main,
        ["import", str(tickets), "--followups", str(followups)],
    )

    assert result.exit_code == 0, result.output
    assert "2 imported, 0 already there, 0 rejected" in result.output
    first = Ticket.objects.get(external_id="X-1")
    assert (first.title, first.reference) == ("Imprimante, 2e étage", "ESC-2024-000001")
    assert Ticket.objects.get(external_id="X-2").reference == "ESC-2025-000001"
    assert sorted(first.tags.values_list("name", flat=True)) == ["hp", "imprimante"]
    assert list(first.followups.values_list("body", flat=True)) == ["Toner remplacé"]


def test_imported_tickets_are_indexed_once_even_when_the_file_is_imported_again(world, tmp_path):
    agent = "agent.a@provider.example"
    rows: list[object] = [
        _ticket("S-1", title="Carburateur grippé", followups=[
            {"author_email": agent, "kind": "note", "body": "Note: quasimodo"},
            {"author_email": agent, "body": "Pièce commandée"},
        ]),
        _ticket("S-2", title="Carburateur neuf", requester_email="req.b@b.example"),
    ]  # fmt: skip
    import_tickets(path=_jsonl(tmp_path, rows))

    report = import_tickets(path=_jsonl(tmp_path, [*rows, _ticket("S-3", title="Carburateur usé")]))

    assert (report.imported, report.skipped) == (1, 2)
    imported = dict(Ticket.objects.values_list("external_id", "reference"))
    documents = SearchDocument.objects.filter(kind="ticket")
    assert sorted(documents.values_list("key", flat=True)) == sorted(imported.values())
    found = {hit.key for hit in search(query="carburateur", user=world.requester_a)}
    assert found == {imported["S-1"], imported["S-3"]}
    assert [hit.key for hit in search(query="pièce", user=world.requester_a)] == [imported["S-1"]]
    assert [hit.key for hit in search(query="quasimodo", user=world.agent_a)] == [imported["S-1"]]
    assert search(query="quasimodo", user=world.requester_a) == []
    # The same documents as the one-at-a-time path writes.
    bulk = list(documents.order_by("object_id").values(*DOCUMENT_FIELDS))
    for ticket_id in Ticket.objects.values_list("pk", flat=True):
        index_ticket(ticket_id)
    assert list(documents.order_by("object_id").values(*DOCUMENT_FIELDS)) == bulk


def _refuse_title(title: str) -> tuple[list[str], list[str]]:
    """Statements making the database refuse a ticket titled ``title`` (a write error the checks cannot
    see, as a full disk or a lost connection would be), and statements undoing it."""
    if connection.vendor == "postgresql":
        function = (
            "CREATE OR REPLACE FUNCTION refuse_title() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.title = '{title}' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$"
        )
        trigger = (
            "CREATE TRIGGER refuse_title BEFORE INSERT ON tickets_ticket "
            "FOR EACH ROW EXECUTE FUNCTION refuse_title()"
        )
        return [function, trigger], [
            "DROP TRIGGER IF EXISTS refuse_title ON tickets_ticket",
            "DROP FUNCTION IF EXISTS refuse_title()",
        ]
    trigger = (
        f"CREATE TRIGGER refuse_title BEFORE INSERT ON tickets_ticket WHEN NEW.title = '{title}' "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    return [trigger], ["DROP TRIGGER IF EXISTS refuse_title"]


def _execute(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_a_failed_batch_stops_the_import_with_its_error_and_a_second_run_completes_it(world, tmp_path):
    """Outside a transaction, PostgreSQL batches are written by a second thread while the next is
    prepared: the database's error reaches the caller, the batches before it stay complete, the
    failed one leaves nothing, and running the import again completes it without duplicates."""
    rows: list[object] = [
        _ticket(f"B-{n}", title=f"Onduleur {n}", followups=[{"body": f"Réponse {n}"}], tags=["onduleur"])
        for n in range(7)
    ]
    path = _jsonl(tmp_path, rows)
    refuse, allow = _refuse_title("Onduleur 4")  # in the third batch
    try:
        _execute([*allow, *refuse])  # (a run stopped before its clean-up may have left them)
        with pytest.raises((DatabaseError, psycopg.Error), match="disk full"):
            import_tickets(path=path, batch=2)
    finally:
        _execute(allow)  # the test database's other tests never meet the trigger
    assert Ticket.objects.count() == FollowUp.objects.count() == 4
    assert SearchDocument.objects.filter(kind="ticket").count() == 4
    assert Event.objects.filter(action="ticket.created").count() == 4

    report = import_tickets(path=path, batch=2)

    assert (report.imported, report.skipped, len(report.batch_rates)) == (3, 4, 4)
    assert Ticket.objects.count() == FollowUp.objects.count() == 7
    assert len(set(Ticket.objects.values_list("reference", flat=True))) == 7
    hits = search(query="onduleur", user=world.agent_a)
    assert len(hits) == 7
    documents = SearchDocument.objects.filter(kind="ticket").order_by("object_id")
    bulk = list(documents.values(*DOCUMENT_FIELDS))
    for ticket_id in Ticket.objects.values_list("pk", flat=True):
        index_ticket(ticket_id)
    assert list(documents.values(*DOCUMENT_FIELDS)) == bulk
    # New tickets after the import get the next ids and references (sequences moved past the batches).
    later = BulkWriter(Ticket)
    assert later.last_id == Ticket.objects.order_by("pk").last().pk  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_stores_the_batches_handed_over_and_leaves_no_writer_running(
    world, tmp_path, monkeypatch
):
    """Ctrl-C while a batch is being prepared: the batches already handed to the writer are stored
    (each complete), then the writer ends; running the import again completes it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite batches are written inline")
    started: list[writers.WriterThread] = []
    original = writers.WriterThread.__init__

    def recorded(self: writers.WriterThread, **arguments: Any) -> None:
        original(self, **arguments)
        started.append(self)

    monkeypatch.setattr(writers.WriterThread, "__init__", recorded)
    read: list[int] = []

    def interrupt_after_two_batches(rows: int) -> None:
        read.append(rows)
        if len(read) == 2:
            raise KeyboardInterrupt

    path = _jsonl(tmp_path, [_ticket(f"K-{n}", followups=[{"body": "Vu."}]) for n in range(7)])
    with pytest.raises(KeyboardInterrupt):
        import_tickets(path=path, batch=2, progress=interrupt_after_two_batches)

    assert len(started) == 1
    assert not started[0].thread.is_alive()
    imported = Ticket.objects.values_list("external_id", flat=True)
    assert sorted(str(external_id) for external_id in imported) == ["K-0", "K-1", "K-2", "K-3"]
    assert FollowUp.objects.count() == SearchDocument.objects.filter(kind="ticket").count() == 4
    report = import_tickets(path=path, batch=2)
    assert (report.imported, report.skipped, Ticket.objects.count()) == (3, 4, 7)


def test_a_tag_repeated_in_a_row_is_stored_once(world, tmp_path):
    report = import_tickets(path=_jsonl(tmp_path, [_ticket("T-1", tags=["VPN", "vpn", " vpn "])]))

    assert report.imported == 1
    assert [tag.name for tag in Ticket.objects.get().tags.all()] == ["vpn"]


def test_a_new_requester_of_several_rows_is_created_once_and_gets_them_all(world, tmp_path):
    OrganisationDomainFactory.create(organisation=world.client_b, domain="b.example")
    path = _jsonl(
        tmp_path,
        [
            _ticket(f"N-{n}", requester_email="new.person@b.example", requester_name="Nouvelle")
            for n in range(3)
        ],
    )

    report = import_tickets(path=path, create_people=True, batch=2)

    assert (report.imported, report.people_created, report.rejected) == (3, 1, [])
    requesters = set(Ticket.objects.values_list("requester__email", "requester__full_name"))
    assert requesters == {("new.person@b.example", "Nouvelle")}
