from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    """Tickets (incidents, requests; later problems and changes), their workflow and follow-ups."""

    name = "escalade.tickets"
    label = "tickets"
    verbose_name = _("Tickets")
