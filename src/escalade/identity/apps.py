from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    """Escalade's own accounts: password reset, two-factor authentication, single sign-on, sign-in locks."""

    name = "escalade.identity"
    label = "identity"
    verbose_name = _("Sign-in and identity")
