"""iCal feeds (RFC 5545, the ``icalendar`` library) of an agent's and of a client's maintenance.

The address carries a ``django.core.signing`` token naming the person or the client and the secret of
their :class:`FeedKey`; rotating the key revokes every address given out before. A feed reads only the
occurrences of the organisations its owner may see, from 30 days back to 180 days ahead.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from escalade.accounts.models import User
from escalade.maintenance.models import FeedKey, MaintenanceOccurrence
from escalade.maintenance.selectors import organisation_ids_of
from escalade.maintenance.services import feed_key_of
from escalade.orgs.models import Organisation

SALT = "escalade.maintenance.feed"
PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=180)
LIMIT = 2000


def feed_token(key: FeedKey) -> str:
    kind, pk = ("agent", key.user_id) if key.user_id else ("client", key.organisation_id)
    return signing.dumps({"k": kind, "id": pk, "s": key.secret}, salt=SALT)


def feed_url(*, user: User | None = None, organisation: Organisation | None = None) -> str:
    token = feed_token(feed_key_of(user=user, organisation=organisation))
    return settings.ESCALADE_SITE_URL + reverse("maintenance_public:feed", kwargs={"token": token})


def feed_owner(token: str) -> User | Organisation | None:
    """The active person or client a valid, unrevoked token names; None otherwise."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("id"), int)
        or not isinstance(data.get("s"), str)
    ):
        return None
    if data.get("k") == "agent":
        key = FeedKey.objects.select_related("user").filter(user_id=data["id"], secret=data["s"]).first()
        return key.user if key is not None and key.user is not None and key.user.is_active else None
    if data.get("k") == "client":
        key = (
            FeedKey.objects.select_related("organisation")
            .filter(organisation_id=data["id"], secret=data["s"])
            .first()
        )
        return key.organisation if key is not None else None
    return None


def occurrences_of(owner: User | Organisation) -> QuerySet[MaintenanceOccurrence]:
    now = timezone.now()
    if isinstance(owner, User):
        rows = MaintenanceOccurrence.objects.filter(
            organisation_id__in=sorted(organisation_ids_of(owner)), agent=owner
        )
    else:
        rows = MaintenanceOccurrence.objects.filter(organisation=owner)
    return rows.filter(scheduled_for__gte=now - PAST, scheduled_for__lt=now + AHEAD)


def feed_body(owner: User | Organisation) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Escalade//Maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add(
        "x-wr-calname", str(owner.full_name or owner.email) if isinstance(owner, User) else owner.name
    )
    stamp = timezone.now()
    rows = occurrences_of(owner).select_related("plan", "ticket").order_by("scheduled_for", "id")[:LIMIT]
    for occurrence in rows:
        event = Event()
        event.add("uid", f"maintenance-{occurrence.pk}@escalade")
        event.add("dtstamp", stamp)
        event.add("dtstart", occurrence.scheduled_for.astimezone(dt.UTC))
        event.add("dtend", occurrence.due_at.astimezone(dt.UTC))
        event.add("summary", occurrence.plan.name)
        lines = [f"{number}. {step}" for number, step in enumerate(occurrence.plan.steps, start=1)]
        if occurrence.ticket is not None:
            lines.insert(0, occurrence.ticket.reference)
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
