"""Demo data for the reports: answered satisfaction surveys (French and English comments), planned
absences and capacities, and last month's report of one client, prepared and sent (one mail)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from escalade.accounts.models import Role, User
from escalade.core.actors import Actor
from escalade.reports.models import Absence, Capacity, MonthlyReport, Survey
from escalade.reports.monthly import (
    managers_of,
    monthly_report_edit,
    monthly_report_prepare,
    monthly_report_send,
)
from escalade.reports.surveys import survey_answer
from escalade.tickets.choices import State
from escalade.tickets.models import Ticket

if TYPE_CHECKING:
    from escalade.demo import DemoContext

# (score, French comment, English comment)
ANSWERS = [
    (5, "Très rapide, merci à l'équipe !", "Very quick, thank you!"),
    (4, "Résolu, mais il a fallu relancer une fois.", "Solved, though I had to chase once."),
    (5, "", ""),
    (2, "Le problème est revenu le lendemain.", "The problem came back the next day."),
    (3, "Correct.", "Fine."),
    (5, "Parfait, explications claires.", "Perfect, clear explanations."),
]
FREE_TEXT = {
    "fr": "Mois marqué par la migration de la messagerie : le pic de demandes de la deuxième semaine est "
    "résorbé. Prochaine étape : le renouvellement des postes de l'atelier.",
    "en": "A month shaped by the mail migration: the second week's peak of requests is behind us. "
    "Next: renewing the workshop's computers.",
}


def load(context: DemoContext) -> None:
    """Surveys, absences, capacities and a sent monthly report (skipped when already loaded)."""
    if Survey.objects.filter(score__isnull=False).exists():
        return
    _surveys()
    _absences()
    _monthly_report(context.actor)


def _surveys() -> None:
    resolved = Ticket.objects.select_related("requester").filter(state__in=[State.RESOLVED, State.CLOSED])
    for ticket, (score, french, english) in zip(
        resolved.order_by("pk")[: len(ANSWERS)], ANSWERS, strict=False
    ):
        survey = Survey.objects.get_or_create(ticket=ticket, defaults={"send_after": timezone.now()})[0]
        comment = english if ticket.requester.language == "en" else french
        survey_answer(
            actor=Actor.channel("survey", user=ticket.requester), survey=survey, score=score, comment=comment
        )


def _absences() -> None:
    today = timezone.localdate()
    agents = list(User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk")[:3])
    plans = [(2, 6, "Congés"), (-1, 1, "Formation ITIL"), (10, 12, "Holiday")]
    for agent, (start, end, reason) in zip(agents, plans, strict=False):
        Absence.objects.get_or_create(
            user=agent, starts_on=today + dt.timedelta(days=start), ends_on=today + dt.timedelta(days=end),
            defaults={"reason": reason},
        )  # fmt: skip
    for agent, capacity in zip(agents, (15, 20, 25), strict=False):
        Capacity.objects.get_or_create(user=agent, defaults={"open_tickets": capacity})


def _monthly_report(actor: Actor) -> None:
    previous = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    clients = {t.organisation for t in Ticket.objects.select_related("organisation").order_by("pk")[:50]}
    client = next((org for org in sorted(clients, key=lambda o: o.pk) if managers_of(org)), None)
    if client is None or MonthlyReport.objects.filter(organisation=client, month=previous).exists():
        return
    report = monthly_report_prepare(actor=actor, organisation=client, month=previous)
    report = monthly_report_edit(
        actor=actor, report=report, free_text=FREE_TEXT[report.language], language=report.language
    )
    try:
        monthly_report_send(actor=actor, report=report)
    except OSError:  # WeasyPrint's system libraries missing: the draft stays, ready to send
        return
