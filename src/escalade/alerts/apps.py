from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """Monitoring alerts: intake endpoints, deduplication into incidents, maintenance windows, triage."""

    name = "escalade.alerts"
    label = "alerts"
    verbose_name = _("Monitoring alerts")

    def ready(self) -> None:
        from escalade.alerts import selectors  # noqa: PLC0415 - apps are loading
        from escalade.tickets.selectors import describe_event  # noqa: PLC0415

        for action in selectors.ALERT_ACTIONS:
            describe_event(action, selectors.alert_event_label)
