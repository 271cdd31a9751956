"""``escalade manage mail_ingest [--mailbox NAME] [FILE…]``: import messages from files or stdin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalade.mail.models import Mailbox
from escalade.mail.services import mail_ingest


class Command(BaseCommand):
    help = "Import e-mail messages (RFC 5322 files, or one message on standard input, e.g. from an MTA)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="Message files; none: read one message from stdin.")
        parser.add_argument("--mailbox", help="Name of the mailbox whose settings apply (policy, team).")

    def handle(self, *args: Any, **options: Any) -> None:
        mailbox = None
        if options["mailbox"]:
            mailbox = Mailbox.objects.filter(name=options["mailbox"]).first()
            if mailbox is None:
                raise CommandError(f"no mailbox named {options['mailbox']!r}")
        sources = [Path(name).read_bytes() for name in options["files"]] or [sys.stdin.buffer.read()]
        for raw in sources:
            outcome = mail_ingest(raw, mailbox=mailbox)
            target = outcome.ticket.reference if outcome.ticket else outcome.reason
            self.stdout.write(f"{outcome.kind} {target}".strip())
