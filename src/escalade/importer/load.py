"""Running an import: check rows, skip what was imported before (by external id), write in bulk.

Each batch is one transaction (tickets, follow-ups, events, tags and their search documents), so an
interrupted import is resumed by running it again: tickets already imported are recognised by their
external id and skipped, never duplicated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
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
from escalade.importer.formats import SourceRow, read_rows
from escalade.importer.rows import Lookups, RowError, TicketRow, check_row
from escalade.search.services import search_index_tickets
from escalade.sla.models import SlaPolicy
from escalade.sla.services import sla_refresh
from escalade.tickets.choices import OPEN_STATES
from escalade.tickets.models import FollowUp, Tag, Ticket, TicketSequence

BATCH = 2_000


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
        self.open_ids: list[int] = []

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

    def reference(self, created: dt.datetime) -> str:
        year = timezone.localtime(created).year
        self.sequences[year] = self.sequences.get(year, 0) + 1
        return f"ESC-{year}-{self.sequences[year]:06d}"

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
        report.people_created += len(people)

    def write(self, rows: list[TicketRow]) -> list[int]:
        """Write the tickets of ``rows`` with their follow-ups, events and tags; returns their ids."""
        tickets, followups, events, tags = [], [], [], []
        for row in rows:
            values = dict(row.values)
            if values["requester_id"] is None:
                values["requester_id"] = self.lookups.people[row.new_requester[0]][0]  # type: ignore[index]
            values["id"] = self.tickets.next_id()
            values["reference"] = self.reference(values["created_at"])
            values["contract_id"], values["sla_policy_id"] = self.contract_of(values["organisation_id"])
            tickets.append(values)
            if values["state"] in OPEN_STATES:
                self.open_ids.append(values["id"])
            events.append(self._event(values))
            followups += [
                {
                    "id": self.followups.next_id(),
                    "ticket_id": values["id"],
                    "author_id": f.author_id,
                    "kind": f.kind,
                    "body": f.body,
                    "channel": values["channel"],
                    "created_at": f.created_at,
                }
                for f in row.followups
            ]
            tags += [(values["id"], self._tag(name)) for name in row.tags]
        self.tickets.write(tickets)
        self.followups.write(followups)
        self.events.write(events)
        through = Ticket.tags.through
        through.objects.bulk_create(through(ticket_id=ticket, tag_id=tag) for ticket, tag in tags)
        return [values["id"] for values in tickets]

    def _tag(self, name: str) -> int:
        if name not in self.tag_ids:
            self.tag_ids[name] = Tag.objects.get_or_create(name=name)[0].pk
        return self.tag_ids[name]

    def _event(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.events.next_id(),
            "occurred_at": values["created_at"],
            "actor_kind": "system",
            "actor_id": None,
            "actor_label": "system:import",
            "content_type_id": self.ticket_type,
            "object_id": values["id"],
            "object_repr": f"{values['reference']} {values['title']}"[:200],
            "organisation_id": values["organisation_id"],
            "action": "ticket.created",
            "changes": {"state": {"from": None, "to": values["state"]}},
            "data": {"imported_from": self.source, "external_id": values["external_id"]},
        }

    def finish(self) -> None:
        with transaction.atomic():
            for writer in (self.tickets, self.followups, self.events):
                writer.sync_sequence()
            for year, number in self.sequences.items():
                TicketSequence.objects.update_or_create(year=year, defaults={"last_number": number})
        for start in range(0, len(self.open_ids), 500):
            with transaction.atomic():
                for ticket in Ticket.objects.filter(pk__in=self.open_ids[start : start + 500]):
                    sla_refresh(ticket=ticket)


def import_tickets(
    *,
    path: Path,
    followups_path: Path | None = None,
    create_people: bool = False,
    batch: int = BATCH,
    progress: Callable[[int], None] = lambda _n: None,
) -> ImportReport:
    """Import the tickets of ``path`` (CSV or JSON Lines); see docs/import.md for the format."""
    importer = _Importer(create_people=create_people, source=path.name)
    report = ImportReport()
    for chunk in _chunks(read_rows(path, followups_path=followups_path), batch):
        started = timezone.now()
        rows = importer.check(chunk, report)
        with transaction.atomic():
            importer.create_people(rows, report)
            # Indexed in the batch's transaction: a ticket is never imported without its search document,
            # and a resumed import (which skips known external ids) never indexes one twice.
            search_index_tickets(ticket_ids=importer.write(rows))
        report.imported += len(rows)
        seconds = max((timezone.now() - started).total_seconds(), 1e-6)
        report.batch_rates.append(len(chunk) / seconds)
        progress(len(chunk))
    importer.finish()
    return report


def rejected_lines(report: ImportReport) -> Iterable[str]:
    """The rejected rows as ``line<TAB>external_id<TAB>reason`` lines, for the report file."""
    for rejected in report.rejected:
        yield f"{rejected.line}\t{rejected.external_id}\t{rejected.reason}\n"
