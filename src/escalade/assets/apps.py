from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    """Assets and inventory: the IT estate of every client, fed by the inventory agents (ADR 0016)."""

    name = "escalade.assets"
    label = "assets"
    verbose_name = _("Assets")
