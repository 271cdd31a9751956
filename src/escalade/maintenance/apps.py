from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    """Preventive maintenance: plans, checklists with evidence, compliance, renewals (ADR 0023)."""

    name = "escalade.maintenance"
    label = "maintenance"
    verbose_name = _("Preventive maintenance")

    def ready(self) -> None:
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.maintenance.renewals import renewal_notices_on_published  # noqa: PLC0415
        from escalade.maintenance.report_section import maintenance_compliance  # noqa: PLC0415
        from escalade.reports.selectors import section_register  # noqa: PLC0415

        subscribe("expiring_item.near", handler=renewal_notices_on_published, name="maintenance.renewals")
        section_register("maintenance.compliance", maintenance_compliance)
