from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    """Business calendars, SLA policies and targets, the SLA clock and its sweep."""

    name = "escalade.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.sla.subscribers import CLOCK_ACTIONS, sla_on_ticket_events  # noqa: PLC0415

        subscribe(*CLOCK_ACTIONS, handler=sla_on_ticket_events, name="sla.clock", order=10)
