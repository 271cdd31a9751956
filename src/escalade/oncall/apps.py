from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    """On-call schedules (rotations, layers, overrides, absences), escalation policies and pages."""

    name = "escalade.oncall"
    label = "oncall"
    verbose_name = _("On-call")

    def ready(self) -> None:
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.oncall import selectors, subscribers  # noqa: PLC0415
        from escalade.tickets.selectors import describe_event  # noqa: PLC0415

        subscribe(
            "ticket.created", "ticket.sla_breached", "ticket.resolved", "ticket.closed", "ticket.merged",
            handler=subscribers.oncall_on_ticket_events, name="oncall.page", order=70,
        )  # fmt: skip
        for action in selectors.PAGE_ACTIONS:
            describe_event(action, selectors.page_event_label)
