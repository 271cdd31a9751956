from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reporting: per-ticket facts and daily rollups kept on the event path, the supervisor's dashboard,
    reports with charts and exports, satisfaction surveys, agents' absences."""

    name = "escalade.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.reports.subscribers import reports_on_ticket_events  # noqa: PLC0415

        # After the SLA clock (10) has stored the ticket's due dates and flags, before mail (60).
        subscribe("ticket.*", handler=reports_on_ticket_events, name="reports.rollups", order=70)
