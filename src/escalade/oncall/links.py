"""Signed links: acknowledge or resolve a page without signing in (expiring), and the iCal feeds
(not expiring: calendar applications keep the address)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

PAGE_SALT = "escalade.oncall.page"
FEED_SALT = "escalade.oncall.feed"


def page_token(*, paging_id: int, user_id: int) -> str:
    return signing.dumps({"p": paging_id, "u": user_id}, salt=PAGE_SALT, compress=True)


def page_token_read(token: str) -> tuple[int, int] | None:
    """(paging id, user id) of a valid, unexpired token; None otherwise."""
    max_age = settings.ESCALADE_ONCALL_LINK_HOURS * 3600
    try:
        data = signing.loads(token, salt=PAGE_SALT, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int) or not isinstance(data.get("u"), int):
        return None
    return data["p"], data["u"]


def page_url(*, paging_id: int, user_id: int) -> str:
    token = page_token(paging_id=paging_id, user_id=user_id)
    return settings.ESCALADE_SITE_URL + reverse("oncall_public:page", kwargs={"token": token})


def feed_token(*, kind: str, pk: int) -> str:
    return signing.dumps({"k": kind, "id": pk}, salt=FEED_SALT)


def feed_token_read(token: str) -> tuple[str, int] | None:
    try:
        data = signing.loads(token, salt=FEED_SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or data.get("k") not in {"user", "schedule"}
        or not isinstance(data.get("id"), int)
    ):
        return None
    return data["k"], data["id"]


def feed_url(*, kind: str, pk: int) -> str:
    return settings.ESCALADE_SITE_URL + reverse(
        "oncall_public:feed", kwargs={"token": feed_token(kind=kind, pk=pk)}
    )
