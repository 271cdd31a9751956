"""``reports_rebuild``: recompute every ticket fact and daily rollup from the tickets and their events."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from escalade.reports.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the reports' ticket facts and daily rollups from the tickets."

    def handle(self, *args: Any, **options: Any) -> None:
        count = rollups_rebuild()
        self.stdout.write(f"{count} tickets counted")
