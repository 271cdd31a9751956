from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    """Business calendars, SLA policies and targets, the SLA clock and its sweep."""

    name = "escalade.sla"
    label = "sla"
    verbose_name = _("Service levels")
