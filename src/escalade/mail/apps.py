from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """E-mail in (IMAP polling, MTA pipe, threading, quarantine) and out (notifications)."""

    name = "escalade.mail"
    label = "mail"
    verbose_name = _("E-mail")
