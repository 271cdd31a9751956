from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    """Assets and inventory: the IT estate of every client, fed by the inventory agents (ADR 0016)."""

    name = "escalade.assets"
    label = "assets"
    verbose_name = _("Assets")

    def ready(self) -> None:
        from escalade.assets.mail_links import asset_linked_label, assets_on_ticket_created  # noqa: PLC0415
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.tickets.selectors import describe_event  # noqa: PLC0415

        # Before automation (30): rules see the link the e-mail made.
        subscribe("ticket.created", handler=assets_on_ticket_created, name="assets.mail_links", order=20)
        describe_event("ticket.asset_linked", asset_linked_label)
