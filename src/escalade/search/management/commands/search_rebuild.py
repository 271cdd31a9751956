"""``escalade manage search_rebuild``: rebuild the search index from tickets and articles."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from escalade.search.services import search_rebuild

BAR_WIDTH = 40


class Command(BaseCommand):
    help = "Rebuild the search index (tickets and articles), with a progress bar."

    def handle(self, *args: Any, **options: Any) -> None:
        shown = -1

        def progress(done: int, total: int) -> None:
            nonlocal shown
            percent = done * 100 // max(total, 1)
            if percent != shown or done == total:
                shown = percent
                filled = BAR_WIDTH * done // max(total, 1)
                bar = "#" * filled + "-" * (BAR_WIDTH - filled)
                self.stderr.write(f"\r[{bar}] {percent:3d}% {done}/{total}", ending="")
                self.stderr.flush()

        total = search_rebuild(progress=progress)
        self.stderr.write("")
        self.stdout.write(f"{total} documents indexed.")
