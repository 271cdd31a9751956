from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Cross-cutting pieces: the event log, actors, domain errors, periodic jobs, health."""

    name = "escalade.core"
    label = "core"
    verbose_name = _("Core")
