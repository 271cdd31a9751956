from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound webhooks: signed HTTP calls to the administrators' endpoints on ticket events."""

    name = "escalade.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.webhooks.subscribers import webhooks_on_published  # noqa: PLC0415

        subscribe("ticket.*", handler=webhooks_on_published, name="webhooks.deliver", order=80)

        from escalade.automation.actions import register  # noqa: PLC0415
        from escalade.webhooks.actions import WEBHOOK_ACTION  # noqa: PLC0415

        register(WEBHOOK_ACTION)  # rules can "call a webhook"
