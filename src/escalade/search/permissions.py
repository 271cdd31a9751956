"""Who may find which search document: ``authz``'s ticket and article rules, as a filter on the index.

Translated from ``authz.tickets_visible_to`` (requester → own tickets, client manager → organisation's,
agent → served organisations, supervisor/administrator → all) and the article visibility rules
(agents only / all requesters / chosen organisations; requesters find published articles only).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from escalade import authz
from escalade.accounts.models import Role
from escalade.search.models import DocumentKind, SearchAudience, Visibility

PUBLISHED = "published"
NOTHING = Q(pk__in=[])


def documents_visible_to(user: authz.AnyUser) -> Q:
    """A filter on ``SearchDocument`` keeping only what ``user`` may find, see and count."""
    if not authz.signed_in(user):
        return NOTHING
    assert not user.is_anonymous  # for the type checker: signed_in() ruled it out
    tickets = Q(kind=DocumentKind.TICKET)
    articles = Q(kind=DocumentKind.ARTICLE)
    if authz.sees_all_organisations(user):
        return tickets | articles
    if authz.is_provider_staff(user):
        return (tickets & Q(organisation_id__in=authz.served_organisation_ids(user))) | articles
    if user.role == Role.CLIENT_MANAGER:
        own_tickets = tickets & Q(organisation_id=user.organisation_id)
    else:
        own_tickets = tickets & Q(requester_id=user.pk)
    audience = SearchAudience.objects.filter(document=OuterRef("pk"), organisation_id=user.organisation_id)
    published = (
        articles
        & Q(state=PUBLISHED)
        & (Q(visibility=Visibility.EVERYONE) | (Q(visibility=Visibility.ORGANISATIONS) & Q(Exists(audience))))
    )
    return own_tickets | published


def sees_private_text(user: authz.AnyUser) -> bool:
    """Internal notes are searched (and quoted) for provider staff only."""
    return authz.is_provider_staff(user)
