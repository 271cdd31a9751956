from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """One search interface over tickets and articles: PostgreSQL full text + trigram, SQLite FTS5."""

    name = "escalade.search"
    label = "search"
    verbose_name = _("Search")
