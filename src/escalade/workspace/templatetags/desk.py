"""Template filters of the workspace and the portal: Markdown (sanitised), SLA countdowns."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import markdown as markdown_lib
import nh3
from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

register = template.Library()

# Requesters write these texts: an image would be fetched by every agent's browser that opens the
# ticket (a tracking pixel: who read it, when, from where). Markdown images become links to click,
# raw <img> tags are dropped, and the CSP's ``img-src 'self'`` blocks whatever else (ADR 0014).
TAGS = nh3.ALLOWED_TAGS - {"img"}


class _ImagesAsLinks(Treeprocessor):  # type: ignore[misc]  # markdown ships no types
    """``![alt](url)`` → a link to ``url`` labelled "image: alt"."""

    def run(self, root: Any) -> None:
        for image in root.iter("img"):
            source, alt = image.get("src", ""), image.get("alt", "")
            image.tag = "a"
            image.attrib.clear()
            image.set("href", source)
            image.text = _("image: %(name)s") % {"name": alt or source}


class _ImagesAsLinksExtension(Extension):  # type: ignore[misc]
    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:  # noqa: N802 - Markdown's API
        md.treeprocessors.register(_ImagesAsLinks(md), "images_as_links", 0)


_converters = threading.local()


def _converter() -> markdown_lib.Markdown:
    """This thread's Markdown converter: building one (its extensions) costs twice as much as converting
    a message with it, and one is used for every message of a ticket page. Not thread-safe, hence one
    per thread; reset before each text."""
    converter: markdown_lib.Markdown | None = getattr(_converters, "markdown", None)
    if converter is None:
        extensions = ["fenced_code", "sane_lists", "nl2br", _ImagesAsLinksExtension()]
        converter = markdown_lib.Markdown(extensions=extensions)
        _converters.markdown = converter
    return converter


@register.filter
def markdown(text: str) -> SafeString:
    """Markdown to HTML, then cleaned by nh3 (no scripts, no event handlers, safe links, no images)."""
    html = _converter().reset().convert(text or "")
    return mark_safe(nh3.clean(html, tags=TAGS))  # noqa: S308 - nh3 has just sanitised it


@register.filter
def countdown(due: dt.datetime | None) -> str:
    """ "2 h 05 min left" or "late by 12 min" (wall-clock), for SLA due dates."""
    if due is None:
        return ""
    seconds = int((due - timezone.now()).total_seconds())
    amount = _amount(seconds)
    if seconds < 0:
        return _("late by %(amount)s") % {"amount": amount}
    return _("%(amount)s left") % {"amount": amount}


def _amount(seconds: int) -> str:
    hours, rest = divmod(abs(seconds), 3600)
    days, hours = divmod(hours, 24)
    minutes = rest // 60
    if days:  # French writes "j" for jours
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": f"{minutes:02d}"}
    return _("%(minutes)s min") % {"minutes": minutes}


@register.filter
def sla_clock(ticket: Any) -> dict[str, Any]:
    """The deadline a queue shows for a ticket: the first response's while nobody has answered (it
    comes first, and it is the one missed when an unanswered ticket is late), else the resolution's."""
    first = ticket.first_response_due if ticket.first_responded_at is None else None
    dues = [due for due in (first, ticket.resolution_due) if due is not None]
    if not dues:
        return {"due": None, "first_response": False, "at_risk": False}
    due = min(dues)
    # Warned, not yet breached (the "at risk" queue's condition): the countdown shows as a badge.
    warned = ticket.resolution_warned_at is not None or (
        first is not None and ticket.first_response_warned_at is not None
    )
    return {"due": due, "first_response": first is not None and due == first, "at_risk": warned}


@register.filter
def overdue_by(remaining: dt.timedelta | None) -> str:
    """ "overdue by 1 h 00 min" for a negative remaining business time (a target exceeded), else ""."""
    if remaining is None or remaining >= dt.timedelta(0):
        return ""
    return _("overdue by %(amount)s") % {"amount": _amount(int(-remaining.total_seconds()))}


@register.filter
def state_label(code: str) -> str:
    """A ticket state's name for people ("In progress"), from its code ("in_progress")."""
    from escalade.tickets.choices import State  # noqa: PLC0415 - template tags load before the apps

    try:
        return str(State(code).label)
    except ValueError:
        return code


@register.filter
def is_past(moment: dt.datetime | None) -> bool:
    return moment is not None and moment <= timezone.now()


@register.filter
def minutes_seconds(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def get_item(mapping: dict[str, str] | str, key: str) -> str:
    """``mapping[key]``, or "" when the key or the mapping itself is missing."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""


@register.filter
def get_form(forms: dict[str, object], name: str) -> object:
    return forms.get(name)
