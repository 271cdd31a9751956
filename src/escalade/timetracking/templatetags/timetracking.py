"""Template filters of time tracking."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def hours_minutes(minutes: int | None) -> str:
    """``95`` → ``1 h 35``; ``45`` → ``0 h 45`` (the same in French and English)."""
    total = int(minutes or 0)
    return f"{total // 60} h {total % 60:02d}"
