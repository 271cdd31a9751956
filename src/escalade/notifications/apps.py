from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications to people (supervisor alerts, assignments); e-mail delivery builds on them."""

    name = "escalade.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
