"""The daily digest: one mail a day per person gathering the news whose channel is ``digest``.

Sent at ``ESCALADE_DIGEST_HOUR`` in each person's time zone (or at the first run after it, if the
workers were down), in their language. A ``DigestRun`` row per (person, local day) is claimed before
anything is written: several workers running at once, or the task running again, send it once.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from escalade.accounts.models import User
from escalade.notifications.models import DigestRun, Notification
from escalade.notifications.selectors import notification_text, notification_url

logger = logging.getLogger(__name__)
DIGEST_MAX_ITEMS = 200  # beyond, the mail says how many more wait under the bell


def _local_now(person: User, now: dt.datetime) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(person.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return now.astimezone(zone)


def digests_send_due(*, now: dt.datetime | None = None) -> int:
    """Send the digest of each person whose digest hour has come today and who has news waiting;
    returns how many digests were sent."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(digest_due=True).values_list("recipient_id", flat=True).distinct()
    sent = 0
    for person in User.objects.filter(pk__in=list(waiting), is_active=True).order_by("pk"):
        local = _local_now(person, now)
        if local.hour >= settings.ESCALADE_DIGEST_HOUR and digest_send(person=person, day=local.date()):
            sent += 1
    return sent


def digest_send(*, person: User, day: dt.date) -> bool:
    """Claim ``person``'s digest of ``day`` and queue it with the news waiting; False when it was
    already claimed (by another worker, or earlier today) or nothing waits."""
    from escalade.mail.outbound import outbound_queue_texts  # noqa: PLC0415 - mail imports notifications

    try:
        with transaction.atomic():
            run = DigestRun.objects.create(recipient=person, day=day)
            items = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("ticket", "recipient")
                .filter(recipient=person, digest_due=True)
                .order_by("id")
            )
            if not items:
                transaction.set_rollback(True)  # nothing to say: a later run today may have news
                return False
            Notification.objects.filter(pk__in=[item.pk for item in items]).update(digest_due=False)
            run.items = len(items)
            run.save(update_fields=["items"])
            if person.email:
                outbound_queue_texts(kind="digest", items=[(person, None, None, *_compose(person, items))])
    except IntegrityError:
        return False  # another worker holds today's digest
    return True


def _compose(person: User, items: list[Notification]) -> tuple[str, str, str]:
    language = person.language if person.language in {"fr", "en"} else settings.LANGUAGE_CODE
    site = settings.ESCALADE_SITE_URL
    with translation.override(language), timezone.override(person.time_zone or settings.TIME_ZONE):
        lines = [
            (
                timezone.localtime(item.created_at),
                notification_text(item),
                site + notification_url(item, person),
            )
            for item in items[:DIGEST_MAX_ITEMS]
        ]
        subject = ngettext(
            "[Escalade] Your daily digest: %(count)s notification",
            "[Escalade] Your daily digest: %(count)s notifications",
            len(items),
        ) % {"count": len(items)}
        body = render_to_string(
            "notifications/digest.txt",
            {"person": person, "lines": lines, "more": max(len(items) - DIGEST_MAX_ITEMS, 0),
             "list_url": site + reverse("notifications:list"),
             "preferences_url": site + reverse("notifications:preferences")},
        )  # fmt: skip
    return language, subject, body.strip() + "\n"
