"""``escalade directory_sync [--directory ID]``: sync now (the periodic job does it on schedule)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalade.core.actors import Actor
from escalade.directory.client import DirectoryError
from escalade.directory.models import Directory
from escalade.directory.services import directory_sync_now


class Command(BaseCommand):
    help = "Sync people and groups from the client organisations' directories (all active ones, or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--directory", type=int, help="the id of one directory (default: every active one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directories = Directory.objects.filter(is_active=True).order_by("pk")
        if options["directory"]:
            directories = Directory.objects.filter(pk=options["directory"])
            if not directories.exists():
                raise CommandError(f"no directory {options['directory']}")
        failed = 0
        for directory in directories:
            try:
                summary = directory_sync_now(actor=Actor.system("directory_sync"), directory=directory)
            except DirectoryError as error:
                failed += 1
                self.stderr.write(f"{directory.name}: {error.message} {error.detail}")
                continue
            if summary is None:
                self.stdout.write(f"{directory.name}: already syncing elsewhere")
            else:
                counts = ", ".join(f"{key} {value}" for key, value in summary.as_dict().items())
                self.stdout.write(f"{directory.name}: {counts}")
        if failed:
            raise CommandError(f"{failed} directory(ies) could not be synced")
