from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The agent workspace: queues, ticket page, phone intake, macros, bulk actions, shortcuts."""

    name = "escalade.workspace"
    label = "workspace"
    verbose_name = _("Agent workspace")
