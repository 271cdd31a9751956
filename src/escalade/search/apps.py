from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """One search interface over tickets and articles: PostgreSQL full text + trigram, SQLite FTS5."""

    name = "escalade.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.search.subscribers import search_on_ticket_events  # noqa: PLC0415

        subscribe("ticket.*", handler=search_on_ticket_events, name="search.index", order=90)
