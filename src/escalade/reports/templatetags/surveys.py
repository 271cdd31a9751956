"""``{% survey_link ticket score %}``: a survey's signed link, made when the mail is composed."""

from __future__ import annotations

from django import template

from escalade.reports.surveys import survey_url
from escalade.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def survey_link(ticket: Ticket, score: int | None = None) -> str:
    return survey_url(ticket_id=ticket.pk, score=score)


@register.inclusion_tag("reports/_portal_survey.html")
def portal_survey(ticket: Ticket, user: object) -> dict[str, object]:
    """The survey box of a resolved ticket's portal page, for its requester (one query)."""
    from escalade.reports.models import Survey  # noqa: PLC0415 - the tag library loads early
    from escalade.reports.surveys import survey_token  # noqa: PLC0415

    survey = Survey.objects.filter(ticket_id=ticket.pk).first()
    if survey is None or getattr(user, "pk", None) != ticket.requester_id:
        return {"survey": None}
    return {"survey": survey, "token": survey_token(ticket_id=ticket.pk), "scores": Survey.Score.choices}
