"""The knowledge base: articles in French and English, their categories, revisions, files, feedback,
the tickets they solved, and deflections (a requester who read a suggestion and did not open a ticket)."""

from __future__ import annotations

import difflib
import uuid

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from escalade.orgs.models import Organisation
from escalade.tickets.models import Tag, Ticket


class ArticleState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class ArticleVisibility(models.TextChoices):
    AGENTS = "agents", _("Agents only")
    EVERYONE = "everyone", _("All requesters")
    ORGANISATIONS = "organisations", _("Chosen organisations")


class ArticleLanguage(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class KbCategory(models.Model):
    """A node of the help centre's category tree, named in both languages."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="children",
    )  # fmt: skip
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")
        ordering = ("position", "name_fr")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_fr


class Article(models.Model):
    """One language version of an answer. Versions of the same answer share ``translation_group``.

    Changes go through ``escalade.kb.services``: each edit adds an :class:`ArticleRevision`, each state
    change an event, and the search index follows.
    """

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    translation_group = models.UUIDField(_("translation group"), default=uuid.uuid4, db_index=True)
    language = models.CharField(
        _("language"), max_length=8, choices=ArticleLanguage.choices, default=ArticleLanguage.FRENCH
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    category = models.ForeignKey(
        KbCategory, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="articles",
    )  # fmt: skip
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), related_name="articles", blank=True)
    related = models.ManyToManyField("self", verbose_name=_("related articles"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=ArticleVisibility.choices, default=ArticleVisibility.EVERYONE
    )
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisations"), related_name="kb_articles", blank=True
    )
    state = models.CharField(_("state"), max_length=16, choices=ArticleState.choices, default="draft")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    review_by = models.DateField(_("review by"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ("title",)
        constraints = (
            models.UniqueConstraint(
                fields=("translation_group", "language"), name="article_one_version_per_language"
            ),
        )
        indexes = (models.Index(fields=("state", "review_by"), name="article_state_review_idx"),)

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.state == ArticleState.PUBLISHED


class RevisionStatus(models.TextChoices):
    """A revision is the article's text (applied), or a level-1 agent's change to a published article
    waiting for a reviewer (proposed), or one a reviewer turned down (rejected)."""

    APPLIED = "applied", _("Applied")
    PROPOSED = "proposed", _("Waiting for review")
    REJECTED = "rejected", _("Rejected")


class ArticleRevision(models.Model):
    """The article as one edit left it (title and body), with who wrote it and when; or a proposed
    change that does not go live before a reviewer approves it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    note = models.CharField(_("change note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RevisionStatus.choices, default=RevisionStatus.APPLIED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ("article", "-number")
        constraints = (models.UniqueConstraint(fields=("article", "number"), name="articlerevision_unique"),)
        indexes = (
            # The review queue's proposals: a few rows among every revision ever written.
            models.Index(
                fields=("created_at",), name="articlerevision_proposed_idx",
                condition=models.Q(status="proposed"),
            ),
        )  # fmt: skip

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"

    def diff(self, previous: ArticleRevision | None) -> list[str]:
        """A unified diff of title and body from ``previous`` (empty text before the first)."""
        before = f"# {previous.title}\n\n{previous.body}" if previous else ""
        after = f"# {self.title}\n\n{self.body}"
        return list(
            difflib.unified_diff(
                before.splitlines(), after.splitlines(),
                f"r{previous.number}" if previous else "r0", f"r{self.number}", lineterm="",
            )
        )  # fmt: skip


def attachment_path(instance: ArticleAttachment, filename: str) -> str:
    return f"kb/{instance.article_id}/{instance.sha256[:16]}"


class ArticleAttachment(models.Model):
    """A file or an image of an article (images are shown inline by their URL in the Markdown)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article file")
        verbose_name_plural = _("article files")
        ordering = ("id",)

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ArticleFeedback(models.Model):
    """ "Was this helpful?": yes or no, an optional comment; one per person (or session) and article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True)
    is_helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ("-id",)
        constraints = (
            models.UniqueConstraint(
                fields=("article", "user"), condition=models.Q(user__isnull=False),
                name="articlefeedback_one_per_person",
            ),
        )  # fmt: skip

    def __str__(self) -> str:
        return f"{self.article_id} {'+' if self.is_helpful else '-'}"


class TicketArticle(models.Model):
    """ "Solved with": the article that solved a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="solved_with")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="solved_tickets")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article that solved a ticket")
        verbose_name_plural = _("articles that solved tickets")
        constraints = (models.UniqueConstraint(fields=("ticket", "article"), name="ticketarticle_unique"),)

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.article_id}"


class Deflection(models.Model):
    """A requester opened a suggested article from the new-ticket form. If they then log a ticket in the
    same session, ``converted_ticket`` is set; one still unconverted after the grace period is a
    deflection (the article answered them)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64)
    query = models.CharField(_("what they typed"), max_length=200, blank=True)
    converted_ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")
        indexes = (models.Index(fields=("session_key", "created_at"), name="deflection_session_idx"),)

    def __str__(self) -> str:
        return f"{self.article_id} {self.session_key[:8]}"
