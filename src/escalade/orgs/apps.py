from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    """Organisations (the provider and its clients), their e-mail domains and their sites."""

    name = "escalade.orgs"
    label = "orgs"
    verbose_name = _("Organisations")
