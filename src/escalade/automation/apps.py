from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """Rules on ticket events, time automations, the action registry, dry runs."""

    name = "escalade.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from escalade.automation import builtin, engine  # noqa: PLC0415 - apps are loading
        from escalade.core.events import subscribe  # noqa: PLC0415
        from escalade.tickets.selectors import describe_event  # noqa: PLC0415

        builtin.register_builtin_actions()
        subscribe("ticket.*", handler=engine.automation_on_ticket_events, name="automation.rules", order=30)
        describe_event("ticket.rule_fired", engine.rule_fired_label)
