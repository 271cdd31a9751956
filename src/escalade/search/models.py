"""The search index: one row per searchable object, kept current by the services that change the data.

The columns hold the text and what permissions need (organisation, requester, visibility, audience), so
that a search filters by permission inside the same query. Each backend adds its own machinery in a
migration that runs only on its database: generated ``tsvector`` columns and GIN/trigram indexes on
PostgreSQL, FTS5 virtual tables kept in step by triggers on SQLite.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    TICKET = "ticket", _("Ticket")
    ARTICLE = "article", _("Article")


class Visibility(models.TextChoices):
    """Who may find the document (tickets: decided by organisation and requester)."""

    TICKET = "ticket", _("Ticket rules")
    AGENTS = "agents", _("Agents only")
    EVERYONE = "everyone", _("All requesters")
    ORGANISATIONS = "organisations", _("Chosen organisations")


class SearchDocument(models.Model):
    """The searchable text of a ticket or an article and the facts its permission rules need.

    ``private_body`` and ``private_identifiers`` (internal notes) are searched for provider staff only.
    """

    kind = models.CharField(_("type"), max_length=16, choices=DocumentKind.choices)
    object_id = models.BigIntegerField()
    key = models.CharField(_("reference"), max_length=100)
    group_key = models.CharField(max_length=64, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    requester_id = models.BigIntegerField(null=True, blank=True)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.TICKET)
    state = models.CharField(_("state"), max_length=24)
    language = models.CharField(_("language"), max_length=8, blank=True)
    title = models.CharField(_("title"), max_length=255)
    keywords = models.TextField(blank=True)
    body = models.TextField(blank=True)
    private_body = models.TextField(blank=True)
    identifiers = models.TextField(blank=True)
    private_identifiers = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created at"))
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = (models.UniqueConstraint(fields=("kind", "object_id"), name="searchdocument_unique"),)
        indexes = (
            models.Index(fields=("organisation_id", "kind"), name="searchdoc_org_idx"),
            models.Index(fields=("requester_id",), name="searchdoc_requester_idx"),
            # Searches read a reader's most recent tickets first (PostgreSQL backend): newest first by
            # kind, with the columns of the permission filters, so that the scan reads the index only.
            models.Index(
                fields=("kind", "created_at", "id", "organisation_id", "requester_id"),
                name="searchdoc_newest_idx",
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class SearchAudience(models.Model):
    """An organisation allowed to find a document whose visibility is "chosen organisations"."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="audience")
    organisation_id = models.BigIntegerField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("document", "organisation_id"), name="searchaudience_unique"),
        )

    def __str__(self) -> str:
        return f"{self.document_id} → {self.organisation_id}"


class SearchTerm(models.Model):
    """The vocabulary of public indexed text (folded words), for correcting typos in queries."""

    term = models.CharField(max_length=64, unique=True)
    # The languages of the documents the word was read from, as bits (search.language: 1 French,
    # 2 English, 4 no language); 0 for words stored before languages were recorded.
    languages = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return self.term
