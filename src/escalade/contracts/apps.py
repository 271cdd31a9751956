from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    """Support contracts: which organisation, when, what is covered, which hours and SLA."""

    name = "escalade.contracts"
    label = "contracts"
    verbose_name = _("Contracts")
