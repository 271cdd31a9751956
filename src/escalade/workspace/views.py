"""The agent workspace's queue pages: queues with filters and counters, bulk actions, saved views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.accounts.selectors import teams_of
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.core.http import HtmxHttpRequest, client_ip
from escalade.core.text import row_id
from escalade.workspace import selectors, services
from escalade.workspace.forms import BulkForm, QueueFilterForm, SavedViewForm

staff_only = authz.require(authz.is_provider_staff)
# The queue's row density: a choice of each person on each browser (dense on the large screen, roomy on
# the phone), so a cookie rather than a profile field (ADR 0027).
DENSITY_COOKIE = "escalade_density"
DENSITY_MAX_AGE = 365 * 24 * 3600


def actor_of(request: HttpRequest) -> Actor:
    assert isinstance(request.user, User)
    return Actor.of(request.user, source_ip=client_ip(request))


def _query(queue: str, filters: selectors.TicketFilters) -> str:
    return urlencode({"queue": queue, **filters.as_dict()})


@staff_only
@require_GET
def queue(request: HtmxHttpRequest) -> HttpResponse:
    """A queue: filters, the list (nearest due date first, "more" by keyset), counters, saved views."""
    user = request.user
    assert isinstance(user, User)
    query = request.GET
    saved = None
    view = row_id(query.get("view", ""))
    if view is not None:
        saved = get_object_or_404(selectors.saved_views_for(user=user), pk=view)
        query = saved.filters | {"queue": saved.queue}
    key = query.get("queue", "mine")
    key = key if key in selectors.QUEUES else "mine"
    filters = selectors.TicketFilters.from_query(query)
    density = queue_density(request)
    tickets, next_cursor = selectors.queue_page(
        selectors.queue_tickets(user=user, queue=key, filters=filters), after=request.GET.get("after", ""),
        page_size=selectors.COMPACT_PAGE_SIZE if density == "compact" else selectors.PAGE_SIZE,
    )  # fmt: skip
    context: dict[str, Any] = {
        "tickets": tickets, "next_cursor": next_cursor, "queue_key": key, "query": _query(key, filters),
        "density": density,
        "queue_label": selectors.QUEUES[key].label,
        "bulk_form": BulkForm(people=selectors.people_to_assign(user=user)),
    }  # fmt: skip
    if request.htmx and request.GET.get("after"):
        return render(request, "workspace/_queue_rows.html", context)
    if request.htmx and request.htmx.target == "queue-list":
        return render(request, "workspace/_queue_list.html", context)
    people = list(selectors.assignable_people(user=user))
    context |= {
        "queues": selectors.QUEUES.values(),  # their counters come in their own request (``counters``)
        "saved_views": list(selectors.saved_views_for(user=user)),
        "saved_view": saved,
        "filter_form": QueueFilterForm(
            query, organisations=authz.organisations_visible_to(user).only("pk", "name").order_by("name"),
            categories=authz.categories_visible_to(user).order_by("name_fr"), people=people,
        ),
        "view_form": SavedViewForm(teams=teams_of(user)),
    }  # fmt: skip
    return render(request, "workspace/queue.html", context)


def queue_density(request: HttpRequest) -> str:
    """ "compact" or "comfortable" (the default), as this browser chose it."""
    return "compact" if request.COOKIES.get(DENSITY_COOKIE) == "compact" else "comfortable"


@staff_only
@require_POST
def density(request: HttpRequest) -> HttpResponse:
    """Switch the queue between comfortable and compact rows, then back to the queue being read."""
    back = request.POST.get("next", "")
    response = redirect(back if back.startswith("/desk/") else reverse("workspace:queue"))
    chosen = request.POST.get("density", "")
    if chosen in ("compact", "comfortable"):
        response.set_cookie(
            DENSITY_COOKIE, chosen, max_age=DENSITY_MAX_AGE, samesite="Lax", httponly=True,
            secure=request.is_secure(),
        )  # fmt: skip
    return response


@staff_only
@require_GET
def counters(request: HttpRequest) -> HttpResponse:
    """The queue counters alone (htmx refreshes them every minute)."""
    assert isinstance(request.user, User)
    context = {
        "queues": selectors.QUEUES.values(),
        "counters": selectors.queue_counters(user=request.user),
        "queue_key": request.GET.get("queue", ""),
    }
    return render(request, "workspace/_counters.html", context)


@staff_only
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on the ticked tickets; each ticket is changed (or refused) on its own."""
    user = request.user
    assert isinstance(user, User)
    form = BulkForm(request.POST, people=selectors.people_to_assign(user=user))
    back = request.POST.get("next", "")
    back = back if back.startswith("/desk/") else reverse("workspace:queue")
    if not form.is_valid():
        for field, field_errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = " ".join(str(error) for error in field_errors)
            messages.error(request, f"{label}: {text}" if label else text)
        return redirect(back)
    data = form.cleaned_data
    chosen = authz.tickets_visible_to(user).filter(pk__in=data["tickets"]).order_by("id")
    done, errors = services.bulk_apply(
        actor=actor_of(request), tickets_to_change=list(chosen), action=data["action"],
        assignee=data.get("assignee"), state=data.get("state", ""), reason=data.get("reason", ""),
        tags=[tag for tag in data.get("tags", "").split(",") if tag.strip()],
    )  # fmt: skip
    if done:
        messages.success(request, _("%(count)d ticket(s) changed.") % {"count": done})
    for error in errors:
        messages.error(request, error)
    return redirect(back)


@staff_only
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    """Keep the current queue and filters under a name (for oneself or a team)."""
    user = request.user
    assert isinstance(user, User)
    form = SavedViewForm(request.POST, teams=teams_of(user))
    key = request.POST.get("queue", "mine")
    filters = selectors.TicketFilters.from_query(request.POST)
    if form.is_valid():
        team = form.cleaned_data["team"]
        try:
            view = services.saved_view_save(
                actor=actor_of(request), name=form.cleaned_data["name"], queue=key,
                filters=filters.as_dict(), owner=None if team else user, team=team,
            )  # fmt: skip
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("View saved."))
            return redirect(f"{reverse('workspace:queue')}?view={view.pk}")
    for errors in form.errors.values():
        messages.error(request, " ".join(str(error) for error in errors))
    return redirect(f"{reverse('workspace:queue')}?{_query(key, filters)}")


@staff_only
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    view = get_object_or_404(selectors.saved_views_for(user=user), pk=pk)
    try:
        services.saved_view_delete(actor=actor_of(request), view=view)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("View deleted."))
    return redirect("workspace:queue")
