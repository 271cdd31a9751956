"""``reports_rebuild``: recompute the ticket facts and daily rollups from the tickets and their events.

``--missing-facts`` computes only the facts of tickets without one (resumable, committed per batch;
``--workers N`` splits their ids over N processes);
``--rollups-only`` rebuilds the rollups from the facts as they are (one GROUP BY per window of days).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from escalade.reports.rollups import (
    facts_rebuild_parallel,
    reports_tables_vacuum,
    rollups_from_facts_sql,
    rollups_rebuild,
)


class Command(BaseCommand):
    help = "Recompute the reports' ticket facts and daily rollups from the tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--missing-facts", action="store_true", help="only tickets without a fact")
        parser.add_argument("--rollups-only", action="store_true", help="the rollups from the facts")
        parser.add_argument("--batch", type=int, default=2000, help="tickets per transaction")
        parser.add_argument("--workers", type=int, default=1, help="processes computing the missing facts")

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        if options["rollups_only"] or options["missing_facts"]:
            count = 0
            if options["missing_facts"]:
                count = facts_rebuild_parallel(
                    workers=options["workers"], batch=options["batch"], missing_only=True
                )
                self.stdout.write(f"{count} facts computed in {time.perf_counter() - start:.1f} s")
            rows = rollups_from_facts_sql()
            reports_tables_vacuum()
            self.stdout.write(f"{rows} rollup rows in {time.perf_counter() - start:.1f} s")
            return
        count = rollups_rebuild()
        reports_tables_vacuum()
        self.stdout.write(f"{count} tickets counted in {time.perf_counter() - start:.1f} s")
