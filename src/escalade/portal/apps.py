from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The requester portal: open a ticket, follow it, reply, confirm or reopen."""

    name = "escalade.portal"
    label = "portal"
    verbose_name = _("Requester portal")
