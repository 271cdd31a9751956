"""Reads of notifications: the bell's count, a person's list, and their words in the reader's language."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from escalade.accounts.models import User
from escalade.notifications.models import Notification, NotificationKind

BELL_CAP = 9  # the bell reads at most this many + 1 rows, then shows "9+"
PAGE_SIZE = 30

K = NotificationKind
# The words of each kind, chosen when the notification is shown (in the reader's language).
KIND_TEXT: dict[str, str] = {
    K.OUT_OF_CONTRACT: gettext_noop("%(reference)s: request outside the contract"),
    K.ASSIGNED: gettext_noop("%(reference)s assigned to you: %(title)s"),
    K.ESCALATED: gettext_noop("%(reference)s escalated to your team: %(title)s"),
    K.REQUESTER_REPLY: gettext_noop("%(reference)s: the requester replied"),
    K.SLA_WARNING: gettext_noop("The resolution of %(reference)s is due soon."),
    K.SLA_BREACH: gettext_noop("%(reference)s missed its resolution target."),
    K.BAD_SURVEY: gettext_noop("%(reference)s: the requester gave %(score)s/5"),
    K.TICKET_RECEIVED: gettext_noop("%(reference)s: your request was received"),
    K.AGENT_REPLY: gettext_noop("%(reference)s: the service desk replied"),
    K.WAITING_FOR_YOU: gettext_noop("%(reference)s: the service desk waits for your answer"),
    K.RESOLVED: gettext_noop("%(reference)s: your request was resolved"),
    K.SURVEY: gettext_noop("%(reference)s: how did we do?"),
}
HANDED_BACK_TEXT = gettext_noop("%(reference)s handed back to your team: %(title)s")
# SLA news says which deadline: ``data["target"]`` is the event's.
FIRST_RESPONSE_TEXT: dict[str, str] = {
    K.SLA_WARNING: gettext_noop("The first response to %(reference)s is due soon."),
    K.SLA_BREACH: gettext_noop("%(reference)s missed its first-response target."),
}


def notification_text(notification: Notification) -> str:
    """The notification's words in the active language (its stored text when it has one)."""
    if notification.text:
        return notification.text
    template = KIND_TEXT.get(notification.kind)
    if notification.data.get("handed_back"):
        template = HANDED_BACK_TEXT
    if notification.data.get("target") == "first_response":
        template = FIRST_RESPONSE_TEXT.get(notification.kind, template)
    if template is None:
        return str(NotificationKind(notification.kind).label) if notification.kind in K.values else ""
    ticket = notification.ticket
    values = {"reference": "", "title": "", "score": "", **notification.data}
    if ticket is not None:
        values |= {"reference": ticket.reference, "title": ticket.title}
    return _(template) % values


def notification_url(notification: Notification, user: User) -> str:
    """Where the notification leads: its ticket, on the desk or in the portal; else the list."""
    if notification.ticket is None:
        return reverse("notifications:list")
    where = "workspace:ticket" if user.is_provider_staff else "portal:ticket"
    return reverse(where, kwargs={"reference": notification.ticket.reference})


def notification_mail(notification: Notification) -> tuple[str, str, str]:
    """(language, subject, body) of the short mail for a notification with no mail template of its own."""
    person = notification.recipient
    language = person.language if person.language in {"fr", "en"} else settings.LANGUAGE_CODE
    with translation.override(language):
        text = notification_text(notification)
        link = settings.ESCALADE_SITE_URL + notification_url(notification, person)
        subject = f"[Escalade] {text}"
        body = _("%(text)s\n\n%(link)s\n\nChoose which news you receive by e-mail: %(preferences)s\n") % {
            "text": text, "link": link,
            "preferences": settings.ESCALADE_SITE_URL + reverse("notifications:preferences"),
        }  # fmt: skip
    return language, subject[:300], body


def unread_count(user: User) -> int:
    """How many unread notifications ``user`` has, counted up to :data:`BELL_CAP` + 1 (an index range
    scan of at most ten rows, however many there are)."""
    return len(
        Notification.objects.filter(recipient=user, read_at__isnull=True).values_list("pk", flat=True)[
            : BELL_CAP + 1
        ]
    )


def bell_label(count: int) -> str:
    """The bell's number: "9+" beyond :data:`BELL_CAP`, nothing at zero."""
    if count > BELL_CAP:
        return f"{BELL_CAP}+"
    return str(count) if count else ""


def inbox(user: User, *, before: int | None = None, unread_only: bool = False) -> list[Notification]:
    """``user``'s notifications, newest first, one page of :data:`PAGE_SIZE` below id ``before``."""
    rows: QuerySet[Notification] = Notification.objects.filter(recipient=user).select_related("ticket")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return list(rows.order_by("-id")[:PAGE_SIZE])
