from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimetrackingConfig(AppConfig):
    """Time spent on tickets (entries, timers) and how it draws down the contracts' hour packages."""

    name = "escalade.timetracking"
    label = "timetracking"
    verbose_name = _("Time tracking")

    def ready(self) -> None:
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.timetracking.alerts import alerts_on_published  # noqa: PLC0415

        subscribe("contract.*", handler=alerts_on_published, name="timetracking.alerts", order=50)
