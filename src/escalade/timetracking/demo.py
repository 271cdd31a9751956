"""Demo hour credit: Lemoine's 40-hour package of the year, drawn down to about 88 % by the agents'
billable time (the next hour or so of work crosses the 90 % alert), plus some internal time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from escalade import authz
from escalade.accounts.models import Role, User
from escalade.contracts.intake import IntakeAssessment, intake_decisions_record
from escalade.contracts.models import Contract, HourPackage, OutOfContractDecision, OutOfContractOutcome
from escalade.core.actors import Actor
from escalade.tickets.models import Ticket
from escalade.timetracking.models import ActivityType
from escalade.timetracking.services import time_entry_create

if TYPE_CHECKING:
    from escalade.demo import DemoContext

# (activity, minutes, days ago, billable, note)
ENTRIES = [
    ("diagnosis", 240, 40, True, "Analyse des lenteurs du serveur de fichiers"),
    ("onsite", 420, 35, True, "Remplacement des postes de l'accueil"),
    ("remote", 300, 28, True, "Migration des boîtes aux lettres"),
    ("remote", 240, 21, True, "Paramétrage des imprimantes de l'atelier"),
    ("onsite", 360, 14, True, "Installation du nouveau site de Villeurbanne"),
    ("diagnosis", 180, 9, True, "Incident caisse boutique Bellecour"),
    ("remote", 180, 5, True, "Mise à jour de Sage Paie"),
    ("phone", 90, 3, True, "Accompagnement téléphonique des nouveaux arrivants"),
    ("remote", 90, 1, True, "Droits d'accès au tableau de bord des ventes"),
    ("internal", 60, 2, False, "Documentation interne de l'installation"),
]  # 2,100 billable minutes of 2,400: 87.5 %


# The activities migration 0002 seeds; the demo puts back any an administrator (or a test flush) removed.
ACTIVITIES = {
    "phone": ("Appel téléphonique", "Phone call", True),
    "diagnosis": ("Diagnostic", "Diagnosis", True),
    "remote": ("Intervention à distance", "Remote intervention", True),
    "onsite": ("Intervention sur site", "On-site intervention", True),
    "internal": ("Travail interne", "Internal work", False),
}


def _demo_activities() -> list[ActivityType]:
    return [
        ActivityType.objects.get_or_create(
            code=code, defaults={"name_fr": name_fr, "name_en": name_en, "is_billable": billable}
        )[0]
        for code, (name_fr, name_en, billable) in ACTIVITIES.items()
    ]


def load(context: DemoContext) -> None:
    """The package and its entries (skipped when the package exists); a request outside Lemoine's
    contract waiting for its client manager's approval (portal, /portal/account/)."""
    _pending_approval()
    contract = Contract.objects.filter(reference="LEM-2026-01").first()
    if contract is None or HourPackage.objects.filter(contract=contract).exists():
        return
    today = timezone.localdate()
    start = dt.date(today.year, 1, 1)
    HourPackage.objects.create(
        contract=contract, name="Forfait 40 h / 40-hour package", starts_on=start, ends_on=dt.date(today.year, 12, 31),
        credit_minutes=40 * 60, rounding_minutes=15, minimum_minutes=15,
    )  # fmt: skip
    tickets = list(Ticket.objects.filter(organisation=contract.organisation).order_by("pk")[:10])
    agent = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk").first()
    if not tickets or agent is None:
        return
    activities = {activity.code: activity for activity in _demo_activities()}
    for index, (code, minutes, days_ago, billable, note) in enumerate(ENTRIES):
        ticket = tickets[index % len(tickets)]
        if not authz.can_work_on_ticket(agent, ticket) or code not in activities:
            continue
        time_entry_create(
            actor=Actor.of(agent), ticket=ticket, activity=activities[code], minutes=minutes,
            worked_on=max(today - dt.timedelta(days=days_ago), start), is_billable=billable, note=note,
        )  # fmt: skip


def _pending_approval() -> None:
    """Lemoine's out-of-contract request (VPN, not covered) awaits the client manager's approval, as a
    mail to the support address would leave it under a contract asking for approval (once)."""
    ticket = (
        Ticket.objects.filter(organisation__slug="lemoine", is_out_of_contract=True)
        .exclude(out_of_contract_decision__isnull=False)
        .order_by("pk")
        .first()
    )
    if (
        ticket is None
        or OutOfContractDecision.objects.filter(ticket__organisation=ticket.organisation).exists()
    ):
        return
    assessment = IntakeAssessment(
        contract=ticket.contract, reason=ticket.out_of_contract_reason or OutOfContractDecision.Reason.CATEGORY,
        outcome=OutOfContractOutcome.APPROVAL,
    )  # fmt: skip
    intake_decisions_record(
        actor=Actor.channel("email", user=ticket.requester), tickets=[ticket], assessments=[assessment],
        acknowledged=False,
    )  # fmt: skip
