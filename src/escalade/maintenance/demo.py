"""Demo maintenance: for Boulangeries Lemoine (French) the weekly backup check, monthly patching, the
quarterly restore test and the yearly UPS test; for Northwind Logistics the same in English. The last
weeks' backup checks are done with evidence, one failed and opened its incident; renewals come up."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

from django.utils import timezone

from escalade.accounts.models import Role, Team, User
from escalade.core.actors import Actor
from escalade.maintenance.models import ExpiringItem, ExpiringKind, MaintenancePlan, Outcome
from escalade.maintenance.renewals import expiring_item_save, expiring_items_sync
from escalade.maintenance.services import (
    StepInput,
    checklist_submit,
    occurrence_create,
    occurrences_generate,
    plan_save,
    plan_times,
)
from escalade.orgs.models import Organisation
from escalade.sla.models import BusinessCalendar

if TYPE_CHECKING:
    from escalade.demo import DemoContext

# name, RRULE, time, minutes, steps, silences alerts
PLANS = {
    "lemoine": [
        (
            "Vérification des sauvegardes",
            "FREQ=WEEKLY;BYDAY=MO",
            dt.time(8, 0),
            120,
            [
                "Contrôler le rapport de sauvegarde de la nuit",
                "Vérifier l'espace libre du NAS",
                "Vérifier la copie externalisée",
            ],
            False,
        ),
        (
            "Mises à jour mensuelles des postes et serveurs",
            "FREQ=MONTHLY;BYDAY=+2TU",
            dt.time(20, 0),
            240,
            [
                "Appliquer les mises à jour Windows",
                "Mettre à jour les logiciels de caisse",
                "Redémarrer et contrôler les services",
            ],
            True,
        ),
        (
            "Test de restauration trimestriel",
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15",
            dt.time(14, 0),
            240,
            [
                "Restaurer un dossier de la comptabilité",
                "Comparer avec l'original",
                "Consigner la durée de restauration",
            ],
            False,
        ),
        (
            "Test annuel de l'onduleur",
            "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=20",
            dt.time(7, 0),
            180,
            [
                "Couper l'alimentation secteur",
                "Vérifier l'autonomie annoncée",
                "Contrôler l'arrêt propre des serveurs",
            ],
            True,
        ),
    ],
    "northwind": [
        (
            "Backup verification",
            "FREQ=WEEKLY;BYDAY=MO",
            dt.time(9, 0),
            120,
            [
                "Check last night's backup report",
                "Check free space on the backup server",
                "Check the off-site copy",
            ],
            False,
        ),
        (
            "Monthly patching",
            "FREQ=MONTHLY;BYDAY=+2WE",
            dt.time(21, 0),
            240,
            [
                "Apply operating system updates",
                "Update the warehouse scanners' firmware",
                "Reboot and check services",
            ],
            True,
        ),
        (
            "Quarterly restore test",
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10",
            dt.time(15, 0),
            240,
            ["Restore a mailbox", "Compare with the original", "Record the restore time"],
            False,
        ),
        (
            "Yearly UPS test",
            "FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=5",
            dt.time(7, 30),
            180,
            ["Cut mains power", "Check the announced runtime", "Check the servers shut down cleanly"],
            True,
        ),
    ],
}
# kind, name, days from today, client
MANUAL_ITEMS = [
    (ExpiringKind.CERTIFICATE, "*.boulangeries-lemoine.fr (TLS)", 40, "lemoine"),
    (ExpiringKind.DOMAIN, "boulangeries-lemoine.fr", 150, "lemoine"),
    (ExpiringKind.SUBSCRIPTION, "Microsoft 365 Business Standard", 95, "lemoine"),
    (ExpiringKind.CERTIFICATE, "vpn.northwind.example (TLS)", 25, "northwind"),
    (ExpiringKind.DOMAIN, "northwind.example", 210, "northwind"),
]


def _staff(organisation: Organisation) -> tuple[Team | None, User | None]:
    team = (
        Team.objects.filter(organisations=organisation, is_active=True)
        .order_by("support_level", "name")
        .first()
    )
    agent = team.members.filter(is_active=True, role=Role.AGENT).order_by("pk").first() if team else None
    return team, agent


def _plans(context: DemoContext, key: str) -> list[MaintenancePlan]:
    organisation = context.objects[key]
    contact = User.objects.filter(organisation=organisation, role=Role.CLIENT_MANAGER).order_by("pk").first()
    if contact is None:
        return []
    team, agent = _staff(organisation)
    calendar = BusinessCalendar.objects.order_by("pk").first()
    site = organisation.sites.order_by("name").first()
    made = []
    for name, rule, at, minutes, steps, silences in PLANS[key]:
        made.append(
            plan_save(
                actor=context.actor,
                values={
                    "organisation": organisation,
                    "site": site,
                    "name": name,
                    "steps": steps,
                    "team": team,
                    "agent": agent,
                    "contact": contact,
                    "recurrence": rule,
                    "first_date": dt.date(2026, 1, 5),
                    "at_time": at,
                    "time_zone": site.time_zone if site else "Europe/Paris",
                    "duration_minutes": minutes,
                    "lead_days": 14,
                    "holiday_rule": "next_working_day",
                    "calendar": calendar,
                    "silences_alerts": silences,
                },
            )
        )
    return made


def _evidence(name: str, text: str) -> io.BytesIO:
    buffer = io.BytesIO(text.encode())
    buffer.name = name
    return buffer


def _history(plan: MaintenancePlan, *, fail_one: bool) -> None:
    """The backup checks of the last four weeks, done with evidence (the second one failed)."""
    from escalade.demo import travel  # noqa: PLC0415 - the demo module imports the loaders

    now = timezone.now()
    moments = plan_times(plan, start=now - dt.timedelta(days=28), end=now - dt.timedelta(hours=3))
    for index, moment in enumerate(moments):
        with travel(moment - dt.timedelta(days=2)):
            occurrence = occurrence_create(plan=plan, scheduled_for=moment)
        if occurrence is None or plan.agent is None:
            continue
        failing = fail_one and index == 1
        answers = [
            StepInput(
                position=position,
                outcome=Outcome.FAIL if failing and position == 1 else Outcome.PASS,
                note=""
                if position != 1
                else (
                    "Job en échec : bande pleine"
                    if failing and plan.contact.language == "fr"
                    else "Job failed: tape full"
                    if failing
                    else "OK"
                ),
                evidence=_evidence(
                    f"backup-report-{moment:%Y%m%d}.txt", f"{plan.name} {moment:%Y-%m-%d}: 0 error\n"
                )
                if position == 1
                else None,
                evidence_name=f"backup-report-{moment:%Y%m%d}.txt" if position == 1 else "",
            )
            for position in range(1, len(plan.steps) + 1)
        ]
        with travel(moment + dt.timedelta(minutes=45)):
            checklist_submit(
                actor=Actor.of(plan.agent), occurrence=occurrence, answers=answers, complete=True
            )


def load(context: DemoContext) -> None:
    """Plans, their history and coming occurrences, and renewals (skipped when the plans exist)."""
    keys = [key for key in PLANS if key in context.objects]
    if (
        not keys
        or MaintenancePlan.objects.filter(organisation__in=[context.objects[k] for k in keys]).exists()
    ):
        return
    for key in keys:
        plans = _plans(context, key)
        if plans:
            _history(plans[0], fail_one=key == "lemoine")
    occurrences_generate()
    today = timezone.localdate()
    for kind, name, days, key in MANUAL_ITEMS:
        if key not in context.objects:
            continue
        organisation = context.objects[key]
        if not ExpiringItem.objects.filter(organisation=organisation, name=name).exists():
            expiring_item_save(
                actor=context.actor,
                values={
                    "kind": kind,
                    "name": name,
                    "expires_on": today + dt.timedelta(days=days),
                    "organisation": organisation,
                    "owner": None,
                    "notes": "",
                },
            )
    expiring_items_sync(today=today)
