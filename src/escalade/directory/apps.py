from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """Client organisations' LDAP / Active Directory: sign-in, sync, and audited self-service."""

    name = "escalade.directory"
    label = "directory"
    verbose_name = _("Directories")
