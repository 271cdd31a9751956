from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimetrackingConfig(AppConfig):
    """Time spent on tickets (entries, timers) and how it draws down the contracts' hour packages."""

    name = "escalade.timetracking"
    label = "timetracking"
    verbose_name = _("Time tracking")

    def ready(self) -> None:
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.reports.selectors import section_register  # noqa: PLC0415
        from escalade.tickets.selectors import describe_event  # noqa: PLC0415
        from escalade.timetracking.alerts import (  # noqa: PLC0415
            alerts_on_published,
            out_of_contract_label,
            time_event_label,
        )
        from escalade.timetracking.report_section import hours_per_package  # noqa: PLC0415

        subscribe("contract.*", handler=alerts_on_published, name="timetracking.alerts", order=50)
        section_register("timetracking.hours", hours_per_package)
        for action in ("ticket.time_logged", "ticket.time_changed", "ticket.time_deleted"):
            describe_event(action, time_event_label)
        for action in (
            "ticket.out_of_contract_acknowledged", "ticket.out_of_contract_recorded",
            "ticket.out_of_contract_approved", "ticket.out_of_contract_refused",
        ):  # fmt: skip
            describe_event(action, out_of_contract_label)
