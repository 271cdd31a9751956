"""``escalade mail retry (ID | --reason REASON)``: import quarantined messages again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.mail.models import Quarantine, QuarantineReason
from escalade.mail.services import OPEN_STATUSES, quarantine_retry, retry_summary


class Command(BaseCommand):
    help = "Retry a quarantined message (by id), or every open one of a reason; report what each became."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entry", nargs="?", type=int, help="The quarantine entry's id.")
        parser.add_argument(
            "--reason", choices=QuarantineReason.values, help="Every open entry of this reason."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        entries = self._entries(options["entry"], options["reason"])
        actor = Actor.system("mail-retry")
        failed = 0
        for entry in entries:
            try:
                outcome = quarantine_retry(actor=actor, entry=entry)
            except DomainError as error:
                failed += 1
                self.stdout.write(f"{entry.pk} {error}")
                continue
            failed += outcome.kind not in {"ticket", "followup"}
            self.stdout.write(f"{entry.pk} {outcome.kind}: {retry_summary(outcome)}")
        if failed:  # a retry that did not import is not a success: the exit status says so
            raise CommandError(f"{failed} of {len(entries)} message(s) not imported")

    def _entries(self, pk: int | None, reason: str | None) -> list[Quarantine]:
        if (pk is None) == (reason is None):
            raise CommandError("give one entry id, or --reason")
        if pk is not None:
            entry = Quarantine.objects.filter(pk=pk).first()
            if entry is None:
                raise CommandError(f"no quarantine entry {pk}")
            return [entry]
        return list(Quarantine.objects.filter(reason=reason, status__in=OPEN_STATUSES).order_by("id"))
