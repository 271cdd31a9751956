"""Demo: index everything the earlier loaders wrote (run last; idempotent)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalade.search.services import search_rebuild

if TYPE_CHECKING:
    from escalade.demo import DemoContext


def load(context: DemoContext) -> None:
    context.objects["search_documents"] = search_rebuild()
