"""Authorisation: the one module that decides who may see and do what.

Every view, API endpoint and selector asks here. Rules:

- administrators and supervisors (provider staff) see every organisation;
- agents see the provider organisation and the organisations their active teams serve;
- client managers and requesters see their own organisation only (requesters see only their own
  tickets once tickets exist: see the ticket scoping added with them);
- only administrators open Django's admin site and the audit log;
- knowledge-base articles: staff read every article in every state; requesters and client managers
  read published articles meant for all requesters or for their organisation.

The search index (``search/permissions.py``) applies these same rules to its own table, inside the
query; its tests check it against the querysets here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext

from escalade.accounts.models import Role, User
from escalade.assets.models import Asset, Licence
from escalade.core.errors import PermissionDeniedError
from escalade.core.models import Event
from escalade.core.refdata import refdata
from escalade.kb.models import Article, ArticleState, ArticleVisibility
from escalade.orgs.models import Organisation
from escalade.tickets.models import Category, Ticket
from escalade.timetracking.models import TimeEntry

AnyUser = User | AnonymousUser
ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def _active(user: AnyUser) -> User | None:
    if isinstance(user, User) and user.is_active:
        return user
    return None


def is_provider_staff(user: AnyUser) -> bool:
    """Agents, supervisors and administrators."""
    person = _active(user)
    return person is not None and person.is_provider_staff


def sees_all_organisations(user: AnyUser) -> bool:
    """Supervisors and administrators oversee every client."""
    person = _active(user)
    return person is not None and person.role in {Role.SUPERVISOR, Role.ADMINISTRATOR}


def can_access_admin_site(user: AnyUser) -> bool:
    """Django's admin (configuration objects): administrators only."""
    person = _active(user)
    return person is not None and person.role == Role.ADMINISTRATOR


def can_view_audit_log(user: AnyUser) -> bool:
    """The audit view of the event log: administrators only."""
    return can_access_admin_site(user)


def can_manage_automation(user: AnyUser) -> bool:
    """Rules and time automations: supervisors and administrators (they act on every client's tickets)."""
    return sees_all_organisations(user)


def can_manage_webhooks(user: AnyUser) -> bool:
    """Webhooks (endpoints, secrets, delivery logs): administrators only, as all configuration."""
    return can_access_admin_site(user)


def can_manage_directories(user: AnyUser) -> bool:
    """Client organisations' LDAP/AD directories (servers, bind accounts, rules): administrators only."""
    return can_access_admin_site(user)


def can_act_on_directory_account(user: AnyUser, person: User) -> bool:
    """An agent unlocks the directory account of a person of an organisation they serve (the desk's
    one click); supervisors and administrators of any client."""
    return is_provider_staff(user) and person.organisation_id in served_organisation_ids(user)


def can_decide_access(
    user: AnyUser, *, person: User, manager_ids: frozenset[int], owner_id: int | None
) -> bool:
    """A self-service request of ``person`` is decided by their directory manager, the group's owner,
    or a client manager of ``person``'s own organisation; never by someone of another organisation."""
    approver = _active(user)
    if approver is None or approver.organisation_id != person.organisation_id or approver.pk == person.pk:
        return False
    return approver.pk in manager_ids or approver.pk == owner_id or approver.role == Role.CLIENT_MANAGER


def can_view_reports(user: AnyUser) -> bool:
    """The desk's reports of every client, their exports and the monthly client reports: supervisors
    and administrators (agents see their own part of the dashboard)."""
    return sees_all_organisations(user)


def can_view_client_reports(user: AnyUser) -> bool:
    """A client's monthly reports in the portal: that client's managers."""
    person = _active(user)
    return person is not None and person.role == Role.CLIENT_MANAGER


def organisations_visible_to(user: AnyUser) -> QuerySet[Organisation]:
    """The organisations whose data ``user`` may see."""
    person = _active(user)
    if person is None:
        return Organisation.objects.none()
    if sees_all_organisations(person):
        return Organisation.objects.all()
    if person.role == Role.AGENT:
        return Organisation.objects.filter(
            Q(kind=Organisation.Kind.PROVIDER) | Q(teams__members=person, teams__is_active=True)
        ).distinct()
    return Organisation.objects.filter(pk=person.organisation_id)


def people_visible_to(user: AnyUser) -> QuerySet[User]:
    """The people ``user`` may look up (the caller card, the directory)."""
    person = _active(user)
    if person is None:
        return User.objects.none()
    if person.role == Role.REQUESTER:
        return User.objects.filter(pk=person.pk)
    if sees_all_organisations(person):
        return User.objects.all()
    return User.objects.filter(organisation__in=organisations_visible_to(person))


def events_visible_to(user: AnyUser) -> QuerySet[Event]:
    """The audit log entries ``user`` may read."""
    if can_view_audit_log(user):
        return Event.objects.all()
    return Event.objects.none()


def served_organisation_ids(user: AnyUser) -> frozenset[int]:
    """Ids of the organisations ``user`` works for, kept on the user object for the request.

    An agent's (their teams' clients and the provider) are also kept per process as reference data
    (``core.refdata``): every agent request reads them, and they change only with a team's membership,
    its clients or its state, whose writers say so (``refdata_changed``:
    the team and membership services, the admin, the directory's team rules)."""
    person = _active(user)
    if person is None:
        return frozenset()
    cached: frozenset[int] | None = getattr(person, "_served_organisation_ids", None)
    if cached is None:
        if person.role == Role.AGENT:
            cached = refdata("served-organisations", person.pk, lambda: _organisation_ids(person))
        else:
            cached = _organisation_ids(person)
        person._served_organisation_ids = cached  # type: ignore[attr-defined]
    return cached


def _organisation_ids(person: User) -> frozenset[int]:
    return frozenset(organisations_visible_to(person).values_list("pk", flat=True))


def tickets_visible_to(user: AnyUser) -> QuerySet[Ticket]:
    """The tickets ``user`` may see: own (requester), organisation's (client manager), served (agent)."""
    person = _active(user)
    if person is None:
        return Ticket.objects.none()
    if sees_all_organisations(person):
        return Ticket.objects.all()
    if person.role == Role.AGENT:
        return Ticket.objects.filter(organisation_id__in=served_organisation_ids(person))
    if person.role == Role.CLIENT_MANAGER:
        return Ticket.objects.filter(organisation_id=person.organisation_id)
    return Ticket.objects.filter(requester=person)


def time_entries_visible_to(user: AnyUser) -> QuerySet[TimeEntry]:
    """Time entries: staff see those of the tickets they see; a client manager their organisation's
    billable entries (what is invoiced); requesters none."""
    person = _active(user)
    if person is None:
        return TimeEntry.objects.none()
    if sees_all_organisations(person):
        return TimeEntry.objects.all()
    if person.role == Role.AGENT:
        return TimeEntry.objects.filter(organisation_id__in=served_organisation_ids(person))
    if person.role == Role.CLIENT_MANAGER:
        return TimeEntry.objects.filter(organisation_id=person.organisation_id, is_billable=True)
    return TimeEntry.objects.none()


def can_view_consumption(user: AnyUser, organisation_id: int) -> bool:
    """Hour credits and billable time of a client: the staff who serve it and its client managers."""
    person = _active(user)
    if person is None:
        return False
    if person.role == Role.CLIENT_MANAGER:
        return person.organisation_id == organisation_id
    return is_provider_staff(person) and organisation_id in served_organisation_ids(person)


def can_approve_out_of_contract(user: AnyUser, ticket: Ticket) -> bool:
    """A request outside the contract that needs approval: its organisation's client managers."""
    person = _active(user)
    return (
        person is not None
        and person.role == Role.CLIENT_MANAGER
        and person.organisation_id == ticket.organisation_id
    )


def can_view_ticket(user: AnyUser, ticket: Ticket) -> bool:
    person = _active(user)
    if person is None:
        return False
    if sees_all_organisations(person):
        return True
    if person.role == Role.AGENT:
        return ticket.organisation_id in served_organisation_ids(person)
    if person.role == Role.CLIENT_MANAGER:
        return ticket.organisation_id == person.organisation_id
    return ticket.requester_id == person.pk


def can_work_on_ticket(user: AnyUser, ticket: Ticket) -> bool:
    """Provider staff who can see the ticket may assign, escalate, change, resolve it, add notes."""
    return is_provider_staff(user) and can_view_ticket(user, ticket)


def can_hand_back(user: AnyUser, ticket: Ticket) -> bool:
    """Who may hand a ticket down a level: supervisors and administrators, and the agents who work at
    the ticket's level or above (a level-1 agent does not send back what level 2 holds)."""
    person = _active(user)
    if person is None or not can_work_on_ticket(person, ticket):
        return False
    if sees_all_organisations(person):
        return True
    return person.teams.filter(is_active=True, support_level__gte=ticket.support_level).exists()


def can_reply_to_ticket(user: AnyUser, ticket: Ticket) -> bool:
    """Anyone who sees the ticket may write a public reply."""
    return can_view_ticket(user, ticket)


def can_write_by_mail(
    user: AnyUser, ticket: Ticket, *, is_watcher: Callable[[], bool], same_organisation: bool
) -> bool:
    """Who may add to a ticket by e-mail: whoever may reply to it (its requester, the staff serving it,
    its client manager), its watchers (people copied on the request), and, when ``same_organisation``
    (``ESCALADE_MAIL_REPLY_SAME_ORGANISATION``), the people of its organisation. ``is_watcher`` is
    called (one query) only when nothing else decides."""
    person = _active(user)
    if person is None:
        return False
    if can_reply_to_ticket(person, ticket):
        return True
    if (
        same_organisation
        and not person.is_provider_staff
        and person.organisation_id == ticket.organisation_id
    ):
        return True
    return is_watcher()


def can_confirm_ticket(user: AnyUser, ticket: Ticket) -> bool:
    """The requester (or their client manager) confirms or rejects a resolution; staff may too."""
    return can_view_ticket(user, ticket)


TICKET_ACTIONS: dict[str, Callable[[AnyUser, Ticket], bool]] = {
    "view": can_view_ticket,
    "reply": can_reply_to_ticket,
    "work": can_work_on_ticket,
    "confirm": can_confirm_ticket,
}


def ensure_ticket_action(user: User | None, action: str, ticket: Ticket) -> None:
    """Raise PermissionDeniedError unless ``user`` may do ``action`` on ``ticket``.

    ``user`` None means the system (a job, a channel with no known person): always allowed. A ticket the
    user cannot see at all is reported as not found elsewhere (the API maps it), never leaked.
    """
    if user is None:
        return
    if not TICKET_ACTIONS[action](user, ticket):
        raise PermissionDeniedError(gettext("You are not allowed to do this to this ticket."))


def categories_visible_to(user: AnyUser) -> QuerySet[Category]:
    """Staff who oversee every client see every category; others those usable by their organisations
    (unrestricted or restricted to one of them), active ones only for client people."""
    if sees_all_organisations(user):
        return Category.objects.all()
    organisations = organisations_visible_to(user)
    usable = Category.objects.filter(
        Q(pk__in=Category.objects.filter(organisations__isnull=True).values("pk"))
        | Q(pk__in=Category.objects.filter(organisations__in=organisations).values("pk"))
    )
    if not is_provider_staff(user):
        usable = usable.filter(is_active=True)
    return usable


def articles_visible_to(user: AnyUser) -> QuerySet[Article]:
    """Staff read every article in every state; requesters and client managers read published articles
    meant for all requesters or for their organisation."""
    if not signed_in(user):
        return Article.objects.none()
    if is_provider_staff(user):
        return Article.objects.all()
    assert not user.is_anonymous  # signed_in() ruled it out
    return Article.objects.filter(
        Q(visibility=ArticleVisibility.EVERYONE)
        | Q(visibility=ArticleVisibility.ORGANISATIONS, organisations=user.organisation_id),
        state=ArticleState.PUBLISHED,
    ).distinct()


def article_edits_need_review(user: AnyUser) -> bool:
    """Level-1 agents (in no team above level 1): their changes to a published article wait for a
    reviewer instead of going live."""
    person = _active(user)
    if person is None or person.role != Role.AGENT:
        return False
    return not person.teams.filter(is_active=True, support_level__gte=2).exists()


def can_review_article_changes(user: AnyUser) -> bool:
    """Level-2 and level-3 agents, supervisors and administrators approve or reject proposed changes."""
    return is_provider_staff(user) and not article_edits_need_review(user)


def can_manage_assets(user: AnyUser) -> bool:
    """Creating and changing assets, licences and enrolment tokens: administrators (agents feed the
    estate through the inventory agents, not by hand)."""
    return can_access_admin_site(user)


def can_view_licence_compliance(user: AnyUser) -> bool:
    """The licence compliance page: supervisors and administrators."""
    return sees_all_organisations(user)


def assets_visible_to(user: AnyUser) -> QuerySet[Asset]:
    """The assets ``user`` may see: every client's (supervisors, administrators), the served clients'
    (agents), the organisation's (client managers), their own (requesters: the portal picker)."""
    person = _active(user)
    if person is None:
        return Asset.objects.none()
    if sees_all_organisations(person):
        return Asset.objects.all()
    if person.role == Role.AGENT:
        return Asset.objects.filter(organisation_id__in=served_organisation_ids(person))
    if person.role == Role.CLIENT_MANAGER:
        return Asset.objects.filter(organisation_id=person.organisation_id)
    return Asset.objects.filter(user=person)


def licences_visible_to(user: AnyUser) -> QuerySet[Licence]:
    """Licences: provider staff, of the organisations they see."""
    if not is_provider_staff(user):
        return Licence.objects.none()
    if sees_all_organisations(user):
        return Licence.objects.all()
    return Licence.objects.filter(organisation_id__in=served_organisation_ids(user))


def require(predicate: Callable[[AnyUser], bool]) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator: anonymous users go to the login page; signed-in users failing it get 403."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def signed_in(user: AnyUser) -> bool:
    """Any active person."""
    return _active(user) is not None


def can_manage_alert_sources(user: AnyUser) -> bool:
    """Alert sources (intake tokens, mappings), their refused payloads: administrators only."""
    return can_access_admin_site(user)


def can_triage_alerts(user: AnyUser) -> bool:
    """The triage queue (alerts no organisation claims yet): supervisors and administrators."""
    return sees_all_organisations(user)


def can_view_oncall(user: AnyUser) -> bool:
    """Schedules, who is on call, pages and their report: provider staff."""
    return is_provider_staff(user)


def can_plan_oncall(user: AnyUser) -> bool:
    """Swap shifts (overrides) in the on-call rotas: supervisors and administrators."""
    active = _active(user)
    return active is not None and active.role in {Role.SUPERVISOR, Role.ADMINISTRATOR}
