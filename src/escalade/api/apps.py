from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API (django-ninja): token authentication, schemas, error mapping, OpenAPI 3."""

    name = "escalade.api"
    label = "api"
    verbose_name = _("REST API")
