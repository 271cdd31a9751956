"""``escalade manage mail_poll [--mailbox NAME]``: poll mailboxes now (the worker does it every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from escalade.mail.models import Mailbox
from escalade.mail.services import mailbox_poll


class Command(BaseCommand):
    help = "Poll the active IMAP mailboxes (or one) and import their new messages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", help="Only this mailbox (by name).")
        parser.add_argument("--limit", type=int, default=200, help="At most this many messages per mailbox.")

    def handle(self, *args: Any, **options: Any) -> None:
        mailboxes = Mailbox.objects.filter(is_active=True)
        if options["mailbox"]:
            mailboxes = mailboxes.filter(name=options["mailbox"])
        for mailbox in mailboxes:
            report = mailbox_poll(mailbox, limit=options["limit"])
            self.stdout.write(
                f"{mailbox.name}: {report.imported} imported, {report.skipped} skipped, "
                f"{report.flagged} flagged {report.outcomes}"
            )
