from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """People (login by e-mail, language, time zone), roles, teams and support levels."""

    name = "escalade.accounts"
    label = "accounts"
    verbose_name = _("People and teams")
