"""The bell, the list of one's notifications, and the notification preferences (desk and portal alike).

Every read and write is scoped to the signed-in person: nobody reaches another person's notifications.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.notifications.forms import PreferencesForm
from escalade.notifications.selectors import (
    PAGE_SIZE,
    bell_label,
    inbox,
    notification_text,
    notification_url,
    unread_count,
)
from escalade.notifications.services import notification_read, notifications_read_all, preferences_save


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@require_GET
@authz.require(authz.signed_in)
def bell(request: HttpRequest) -> HttpResponse:
    """The bell with the unread count (an htmx partial that polls itself)."""
    count = unread_count(_person(request))
    context = {"label": bell_label(count), "count": count, "poll": settings.ESCALADE_BELL_POLL_SECONDS}
    return render(request, "notifications/_bell_live.html", context)


@require_GET
@authz.require(authz.signed_in)
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first, a page at a time (``?before=<id>``)."""
    user = _person(request)
    before_text = request.GET.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 19 else None
    unread_only = request.GET.get("unread") == "1"
    rows = inbox(user, before=before, unread_only=unread_only)
    items = [(row, notification_text(row)) for row in rows]
    following = rows[-1].pk if len(rows) == PAGE_SIZE else None
    context = {"items": items, "following": following, "unread_only": unread_only}
    return render(request, "notifications/list.html", context)


@require_POST
@authz.require(authz.signed_in)
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about."""
    user = _person(request)
    notification = notification_read(user=user, notification_id=pk)
    if notification is None:
        return render(request, "404.html", status=404)
    if request.POST.get("stay"):
        return redirect("notifications:list")
    return redirect(notification_url(notification, user))


@require_POST
@authz.require(authz.signed_in)
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark every notification of the person read."""
    notifications_read_all(user=_person(request))
    return redirect("notifications:list")


@authz.require(authz.signed_in)
def preferences(request: HttpRequest) -> HttpResponse:
    """Choose, per kind of news, e-mail at once, in the app, a daily digest or nothing."""
    user = _person(request)
    form = PreferencesForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        preferences_save(user=user, channels=form.cleaned_data)
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "digest_hour": settings.ESCALADE_DIGEST_HOUR},
    )
