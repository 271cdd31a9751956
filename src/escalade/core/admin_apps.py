"""Installs :class:`escalade.core.admin_site.EscaladeAdminSite` as Django's default admin site.

Kept apart from ``admin_site`` because app configs are imported before models are ready.
"""

from django.contrib.admin.apps import AdminConfig


class EscaladeAdminConfig(AdminConfig):
    default_site = "escalade.core.admin_site.EscaladeAdminSite"
