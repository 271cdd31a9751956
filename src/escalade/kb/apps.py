from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    """The knowledge base: articles, revisions, translations, reviews, feedback, the help centre."""

    name = "escalade.kb"
    label = "kb"
    verbose_name = _("Knowledge base")
