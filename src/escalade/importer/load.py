"""Running an import: check rows, skip what was imported before (by external id), write in bulk.

Each batch is one transaction (tickets, follow-ups, events, tags and their search documents), so an
interrupted import is resumed by running it again: tickets already imported are recognised by their
external id and skipped, never duplicated.

On PostgreSQL the batches are written by a second thread on its own connection (``importer.writers``)
while the next batch is checked and prepared: the Python work (reading, checking, building rows and
search documents) and the database's (indexes, full-text vectors) then use both cores instead of
taking turns.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from json.encoder import encode_basestring_ascii  # what json.dumps writes a string with
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from escalade.accounts.models import Role, User
from escalade.contracts.models import Contract
from escalade.core.models import Event
from escalade.generator.writer import BulkWriter
from escalade.importer.batches import Batch
from escalade.importer.formats import SourceRow, read_rows
from escalade.importer.rows import Lookups, RowError, TicketRow, check_row
from escalade.importer.writers import batch_writer
from escalade.search.documents import Document, TicketFacts, build_ticket_document
from escalade.search.services import search_prepare_documents
from escalade.sla.models import SlaPolicy
from escalade.tickets.choices import OPEN_STATES
from escalade.tickets.models import FollowUp, Tag, Ticket, TicketSequence

BATCH = 2_000
FOLLOWUP_COLUMNS = ("id", "ticket_id", "author_id", "kind", "body", "channel", "created_at")
EVENT_COLUMNS = (
    "id", "occurred_at", "actor_kind", "actor_id", "actor_label", "content_type_id", "object_id",
    "object_repr", "organisation_id", "action", "changes", "data",
)  # fmt: skip


@dataclass
class Rejected:
    line: int
    external_id: str
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    skipped: int = 0  # already imported (same external id)
    people_created: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    batch_rates: list[float] = field(default_factory=list)  # tickets/s of each batch, to see the trend


def _chunks(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


class _Importer:
    def __init__(self, *, create_people: bool, source: str) -> None:
        self.lookups = Lookups(create_people=create_people)
        self.source = source
        self.tickets, self.followups, self.events = (
            BulkWriter(Ticket),
            BulkWriter(FollowUp),
            BulkWriter(Event),
        )
        self.ticket_type = ContentType.objects.get_for_model(Ticket).pk
        self.sequences = dict(TicketSequence.objects.values_list("year", "last_number"))
        self.default_policy = SlaPolicy.objects.filter(is_default=True).values_list("pk", flat=True).first()
        self.contracts: dict[int, tuple[int | None, int | None]] = {}
        self.tag_ids = dict(Tag.objects.values_list("name", "pk"))
        self.seen: set[str] = set()
        self.password = make_password(None)
        self.zone = timezone.get_current_timezone()
        self.state_changes: dict[str, str] = {}  # state -> the creation event's changes, as JSON text
        # The start of the creation events' data as JSON text (``json.dumps`` of the whole, in two parts).
        self.event_data = f'{{"imported_from": {json.dumps(source)}, "external_id": '

    def contract_of(self, organisation_id: int) -> tuple[int | None, int | None]:
        if organisation_id not in self.contracts:
            contract = (
                Contract.objects.filter(organisation_id=organisation_id, is_active=True)
                .order_by("-starts_on")
                .values_list("pk", "sla_policy_id")
                .first()
            )
            self.contracts[organisation_id] = contract or (None, self.default_policy)
        return self.contracts[organisation_id]

    def reference(self, created: dt.datetime) -> tuple[str, int]:
        year = created.astimezone(self.zone).year  # ``timezone.localtime``, the zone looked up once
        self.sequences[year] = self.sequences.get(year, 0) + 1
        return f"ESC-{year}-{self.sequences[year]:06d}", year

    def check(self, chunk: list[SourceRow], report: ImportReport) -> list[TicketRow]:
        rows = []
        for line, fields, error in chunk:
            if fields is None:
                report.rejected.append(Rejected(line, "", error))
                continue
            try:
                row = check_row(line, fields, self.lookups)
            except RowError as problem:
                report.rejected.append(Rejected(line, str(fields.get("external_id", "")), str(problem)))
                continue
            if row.external_id in self.seen:
                report.rejected.append(Rejected(line, row.external_id, "external_id repeated in the file"))
                continue
            self.seen.add(row.external_id)
            rows.append(row)
        existing = set(
            Ticket.objects.filter(external_id__in=[r.external_id for r in rows]).values_list(
                "external_id", flat=True
            )
        )
        report.skipped += len(existing)
        return [row for row in rows if row.external_id not in existing]

    def create_people(self, rows: list[TicketRow], report: ImportReport) -> None:
        new = {row.new_requester[0]: row.new_requester for row in rows if row.new_requester}
        if not new:
            return
        people = User.objects.bulk_create(
            User(
                email=email, full_name=name, organisation_id=org, role=Role.REQUESTER, password=self.password
            )
            for email, name, org in new.values()
        )
        for person in people:
            self.lookups.people[person.email] = (person.pk, person.organisation_id, person.role)
            self.lookups.names[person.pk] = person.full_name
        report.people_created += len(people)

    def prepare(self, rows: list[TicketRow], *, rows_read: int) -> Batch:
        """The rows to write for ``rows`` (ids and references handed out here) and their documents.

        Rows are built as tuples straight from the checked values (the columns named once a batch)."""
        tickets, followups, events, tags, documents = [], [], [], [], []
        last_references: dict[int, int] = {}
        open_ids: list[int] = []
        people = self.lookups.people
        for row in rows:
            values = row.values
            if row.new_requester is not None:
                values = {**values, "requester_id": people[row.new_requester[0]][0]}
            ticket_id = self.tickets.next_id()
            reference, year = self.reference(values["created_at"])
            last_references[year] = self.sequences[year]
            contract_id, policy_id = self.contract_of(values["organisation_id"])
            tickets.append((*values.values(), ticket_id, reference, contract_id, policy_id))  # ``names``
            state = values["state"]
            if state in OPEN_STATES:
                open_ids.append(ticket_id)
            events.append(self._event(ticket_id, reference, values))
            channel = values["channel"]
            followups += [
                (self.followups.next_id(), ticket_id, f.author_id, f.kind, f.body, channel, f.created_at)
                for f in row.followups
            ]
            tags += [(ticket_id, self._tag(name)) for name in row.tags]
            documents.append(self._document(ticket_id, reference, values, row))
        names = (*rows[0].values, "id", "reference", "contract_id", "sla_policy_id") if rows else ()
        return Batch(
            rows_read=rows_read,
            tickets=self.tickets.prepare_columns(names, tickets),
            followups=self.followups.prepare_columns(FOLLOWUP_COLUMNS, followups),
            events=self.events.prepare_columns(EVENT_COLUMNS, events, raw=("changes", "data")),
            tags=tags,
            documents=search_prepare_documents(documents=documents),
            last_ids=(self.tickets.last_id, self.followups.last_id, self.events.last_id),
            last_references=last_references,
            open_ids=open_ids,
        )

    def _document(self, ticket_id: int, reference: str, values: dict[str, Any], row: TicketRow) -> Document:
        """The ticket's search document, from the values written (the recipe of ``index_ticket``)."""
        category_fr, category_en = self.lookups.category_names.get(values["category_id"], (None, None))
        facts = TicketFacts(
            ticket_id, reference, values["title"], values["state"], values["created_at"],
            values["description"], values["solution"], values["organisation_id"], values["requester_id"],
            category_fr, category_en, self.lookups.names.get(values["requester_id"]),
        )  # fmt: skip
        followups = [(followup.kind, followup.body) for followup in row.followups]
        return build_ticket_document(facts, followups=followups, tags=sorted(set(row.tags)))

    def _tag(self, name: str) -> int:
        if name not in self.tag_ids:
            self.tag_ids[name] = Tag.objects.get_or_create(name=name)[0].pk
        return self.tag_ids[name]

    def _event(self, ticket_id: int, reference: str, values: dict[str, Any]) -> tuple[Any, ...]:
        """The ticket's creation event, in ``EVENT_COLUMNS`` order, its JSON as the text stored."""
        state = values["state"]
        if state not in self.state_changes:
            self.state_changes[state] = json.dumps({"state": {"from": None, "to": state}})
        return (
            self.events.next_id(), values["created_at"], "system", None, "system:import", self.ticket_type,
            ticket_id, f"{reference} {values['title']}"[:200], values["organisation_id"], "ticket.created",
            self.state_changes[state],
            f"{self.event_data}{encode_basestring_ascii(values['external_id'])}}}",
        )  # fmt: skip


def import_tickets(
    *,
    path: Path,
    followups_path: Path | None = None,
    create_people: bool = False,
    batch: int = BATCH,
    progress: Callable[[int], None] = lambda _n: None,
) -> ImportReport:
    """Import the tickets of ``path`` (CSV or JSON Lines); see docs/import.md for the format.

    People created for a batch (``create_people``) are committed before it, and stay if it fails: a
    resumed import finds them by e-mail.
    """
    importer = _Importer(create_people=create_people, source=path.name)
    report = ImportReport()
    finished = [time.monotonic()]

    def stored(rows_read: int, at: float) -> None:
        finished.append(at)  # a batch's rate: its rows over the time since the last one
        report.batch_rates.append(rows_read / max(finished[-1] - finished[-2], 1e-6))

    with batch_writer(stored) as write:
        for chunk in _chunks(read_rows(path, followups_path=followups_path), batch):
            rows = importer.check(chunk, report)
            with transaction.atomic():
                importer.create_people(rows, report)
            write(importer.prepare(rows, rows_read=len(chunk)))
            report.imported += len(rows)
            progress(len(chunk))
    return report


def rejected_lines(report: ImportReport) -> Iterable[str]:
    """The rejected rows as ``line<TAB>external_id<TAB>reason`` lines, for the report file."""
    for rejected in report.rejected:
        yield f"{rejected.line}\t{rejected.external_id}\t{rejected.reason}\n"
