"""``escalade manage assets_import <client-slug> <file.csv|file.xlsx> [--apply]``: import assets.

Without ``--apply`` it is a dry run: it reports what it would create, update or refuse, and changes
nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalade.assets.importer import ImportError_, import_rows, read_table
from escalade.core.actors import Actor
from escalade.orgs.models import Organisation


class Command(BaseCommand):
    help = "Import assets from a CSV or XLSX file into a client's estate (a dry run unless --apply)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", help="the client's short name (slug)")
        parser.add_argument("file", help="a .csv (UTF-8, comma or semicolon) or .xlsx file")
        parser.add_argument("--apply", action="store_true", help="import for real (default: dry run)")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation {options['organisation']!r}")
        path = Path(options["file"])
        try:
            rows = read_table(path.name, path.read_bytes())
        except (OSError, ImportError_) as error:
            raise CommandError(str(error)) from error
        report = import_rows(
            actor=Actor.system("manage assets_import"), organisation=organisation, rows=rows,
            dry_run=not options["apply"],
        )  # fmt: skip
        for row in report.rows:
            if row.action != "unchanged":
                self.stdout.write(f"line {row.line}: {row.action} {row.name} {row.message}".rstrip())
        summary = ", ".join(f"{count} {action}" for action, count in report.summary.items())
        self.stdout.write(("dry run (nothing changed): " if report.dry_run else "imported: ") + summary)
        if report.count("error"):
            raise CommandError(f"{report.count('error')} row(s) in error")
