"""``{% survey_link ticket score %}``: a survey's signed link, made when the mail is composed."""

from __future__ import annotations

from django import template

from escalade.reports.surveys import survey_url
from escalade.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def survey_link(ticket: Ticket, score: int | None = None) -> str:
    return survey_url(ticket_id=ticket.pk, score=score)
