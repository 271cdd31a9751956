from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """E-mail in (IMAP polling, MTA pipe, threading, quarantine) and out (notifications)."""

    name = "escalade.mail"
    label = "mail"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from escalade.core.events import subscribe  # noqa: PLC0415 - apps are loading
        from escalade.mail.subscribers import mail_on_published  # noqa: PLC0415

        subscribe("ticket.*", handler=mail_on_published, name="mail.notify", order=60)
