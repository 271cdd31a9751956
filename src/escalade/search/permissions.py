"""Who may find which search document: ``authz``'s ticket and article rules, as a filter on the index.

Translated from ``authz.tickets_visible_to`` (requester → own tickets, client manager → organisation's,
agent → served organisations, supervisor/administrator → all) and the article visibility rules
(agents only / all requesters / chosen organisations; requesters find published articles only).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from escalade import authz
from escalade.accounts.models import Role, User
from escalade.search.models import DocumentKind, SearchAudience, Visibility

PUBLISHED = "published"
NOTHING = Q(pk__in=[])


def documents_visible_to(user: authz.AnyUser, *, kind: str | None = None) -> Q:
    """A filter on ``SearchDocument`` keeping only what ``user`` may find, see and count; with ``kind``,
    only the documents of that kind (a simpler filter, for a query on one kind)."""
    if not authz.signed_in(user):
        return NOTHING
    assert not user.is_anonymous  # for the type checker: signed_in() ruled it out
    rules = {DocumentKind.TICKET: _tickets(user), DocumentKind.ARTICLE: _articles(user)}
    if kind is not None:
        return Q(kind=kind) & rules[DocumentKind(kind)]
    return (Q(kind=DocumentKind.TICKET) & rules[DocumentKind.TICKET]) | (
        Q(kind=DocumentKind.ARTICLE) & rules[DocumentKind.ARTICLE]
    )


def _tickets(user: User) -> Q:
    if authz.sees_all_organisations(user):
        return Q()
    if authz.is_provider_staff(user):
        return Q(organisation_id__in=authz.served_organisation_ids(user))
    if user.role == Role.CLIENT_MANAGER:
        return Q(organisation_id=user.organisation_id)
    return Q(requester_id=user.pk)


def _articles(user: User) -> Q:
    if authz.is_provider_staff(user):
        return Q()
    audience = SearchAudience.objects.filter(document=OuterRef("pk"), organisation_id=user.organisation_id)
    return Q(state=PUBLISHED) & (
        Q(visibility=Visibility.EVERYONE) | (Q(visibility=Visibility.ORGANISATIONS) & Q(Exists(audience)))
    )


def sees_private_text(user: authz.AnyUser) -> bool:
    """Internal notes are searched (and quoted) for provider staff only."""
    return authz.is_provider_staff(user)
