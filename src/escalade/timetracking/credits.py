"""Hour packages: rounding, drawing billable time under a row lock, thresholds crossed (ADR 0017).

Two writers never double-count a package: the package row is locked (``SELECT … FOR UPDATE``) before
its totals are read, so the second writer waits for the first to commit and reads its totals. On SQLite
the whole database is written by one transaction at a time, which gives the same guarantee.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from escalade.contracts.models import ContractAlert, HourPackage
from escalade.core.actors import Actor
from escalade.core.events import publish
from escalade.core.services import event_record
from escalade.tickets.models import Ticket
from escalade.timetracking.models import ActivityType


def hours(minutes: int) -> str:
    """Minutes as decimal hours for people and invoices: ``90`` → ``"1.50"``."""
    return f"{minutes / 60:.2f}"


def billed_minutes(minutes: int, *, rounding: int, minimum: int) -> int:
    """``minutes`` rounded up to the started ``rounding`` minutes (0: none), at least ``minimum``."""
    rounded = math.ceil(minutes / rounding) * rounding if rounding else minutes
    return max(rounded, minimum)


def package_for(*, ticket: Ticket, activity: ActivityType, worked_on: dt.date) -> HourPackage | None:
    """The package a billable entry draws on: the ticket's contract's package valid on ``worked_on``
    that takes the activity and the ticket's category (the earliest-starting if several)."""
    if ticket.contract_id is None:
        return None
    candidates = HourPackage.objects.filter(
        Q(activities__isnull=True) | Q(activities=activity),
        Q(categories__isnull=True) | Q(categories=ticket.category_id),
        contract_id=ticket.contract_id, starts_on__lte=worked_on, ends_on__gte=worked_on,
    )  # fmt: skip
    return candidates.order_by("starts_on", "pk").first()


@dataclass(frozen=True)
class Draw:
    """What one entry took from its package."""

    package: HourPackage | None
    billed: int = 0
    drawn: int = 0
    overage: int = 0


def _locked(package_id: int) -> HourPackage:
    return HourPackage.objects.select_for_update().select_related("contract").get(pk=package_id)


def package_draw(*, actor: Actor, package: HourPackage | None, minutes: int) -> Draw:
    """Draw ``minutes`` (before rounding) from ``package``: the credit left first, the rest as overage.
    Records the thresholds crossed. Must run inside the caller's transaction."""
    if package is None:
        return Draw(package=None, billed=minutes)
    locked = _locked(package.pk)
    billed = billed_minutes(minutes, rounding=locked.rounding_minutes, minimum=locked.minimum_minutes)
    drawn = min(billed, locked.remaining_minutes)
    used_before = locked.consumed_minutes + locked.overage_minutes
    locked.consumed_minutes += drawn
    locked.overage_minutes += billed - drawn
    locked.save(update_fields=["consumed_minutes", "overage_minutes"])
    _thresholds(actor, locked, used_before)
    return Draw(package=locked, billed=billed, drawn=drawn, overage=billed - drawn)


def package_release(*, package_id: int | None, drawn: int, overage: int) -> None:
    """Give back what an entry drew (it was edited or deleted)."""
    if package_id is None:
        return
    locked = _locked(package_id)
    locked.consumed_minutes = max(locked.consumed_minutes - drawn, 0)
    locked.overage_minutes = max(locked.overage_minutes - overage, 0)
    locked.save(update_fields=["consumed_minutes", "overage_minutes"])


def thresholds_crossed(*, available: int, used_before: int, used_after: int) -> list[int]:
    """The configured percentages reached between ``used_before`` and ``used_after`` minutes."""
    if available <= 0:
        return [100] if used_after > used_before else []
    return [
        percent
        for percent in settings.ESCALADE_CREDIT_THRESHOLDS
        if used_before * 100 < percent * available <= used_after * 100
    ]


def alert_once(*, contract_id: int, package: HourPackage | None, kind: str, key: str) -> bool:
    """Claim the alert (``kind``, ``key``) of a contract or package; True for exactly one caller."""
    try:
        with transaction.atomic():
            ContractAlert.objects.create(contract_id=contract_id, package=package, kind=kind, key=key)
    except IntegrityError:
        return False
    return True


def _thresholds(actor: Actor, package: HourPackage, used_before: int) -> None:
    used_after = package.consumed_minutes + package.overage_minutes
    crossed = thresholds_crossed(
        available=package.available_minutes, used_before=used_before, used_after=used_after
    )
    contract = package.contract
    for percent in crossed:
        if not alert_once(
            contract_id=contract.pk, package=package, kind=ContractAlert.Kind.THRESHOLD, key=str(percent)
        ):
            continue
        event = event_record(
            actor=actor, obj=contract, action="contract.credit_threshold",
            organisation_id=contract.organisation_id,
            data={
                "package": package.pk, "package_name": package.name, "percent": percent,
                "consumed_minutes": package.consumed_minutes, "overage_minutes": package.overage_minutes,
                "available_minutes": package.available_minutes, "organisation": str(contract.organisation),
                "consumed_hours": hours(package.consumed_minutes),
                "overage_hours": hours(package.overage_minutes),
                "available_hours": hours(package.available_minutes),
            },
        )  # fmt: skip
        publish([event], [contract])


def package_renew(
    *, actor: Actor, package: HourPackage, starts_on: dt.date, ends_on: dt.date, credit_minutes: int
) -> HourPackage:
    """The next period's package of the same contract, with the same rules; the unused credit of
    ``package`` comes with it when ``package`` carries over."""
    with transaction.atomic():
        previous = _locked(package.pk)
        renewed = HourPackage.objects.create(
            contract=previous.contract, name=previous.name, starts_on=starts_on, ends_on=ends_on,
            credit_minutes=credit_minutes, carry_over=previous.carry_over,
            carried_in_minutes=previous.remaining_minutes if previous.carry_over else 0,
            rounding_minutes=previous.rounding_minutes, minimum_minutes=previous.minimum_minutes,
        )  # fmt: skip
        renewed.activities.set(previous.activities.all())
        renewed.categories.set(previous.categories.all())
        event_record(
            actor=actor, obj=previous.contract, action="contract.package_renewed",
            organisation_id=previous.contract.organisation_id,
            data={"from": previous.pk, "to": renewed.pk, "carried_in_minutes": renewed.carried_in_minutes},
        )  # fmt: skip
    return renewed


def contract_dates_notify(*, today: dt.date | None = None) -> int:
    """Alert, once each, about the contracts that end or renew within ESCALADE_CONTRACT_NOTICE_DAYS
    (run daily by a periodic job; a date already announced is not announced again). Returns how many."""
    from escalade.contracts.models import Contract  # noqa: PLC0415 - kept next to its only use

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.ESCALADE_CONTRACT_NOTICE_DAYS)
    contracts = Contract.objects.filter(
        Q(ends_on__range=(today, horizon)) | Q(renews_on__range=(today, horizon)), is_active=True
    ).select_related("organisation")
    actor, sent = Actor.system("contracts.dates"), 0
    for contract in contracts:
        for kind, date in (
            (ContractAlert.Kind.ENDING, contract.ends_on),
            (ContractAlert.Kind.RENEWAL, contract.renews_on),
        ):
            if date is None or not today <= date <= horizon:
                continue
            with transaction.atomic():
                if not alert_once(contract_id=contract.pk, package=None, kind=kind, key=date.isoformat()):
                    continue
                event = event_record(
                    actor=actor, obj=contract, action="contract.date_near",
                    organisation_id=contract.organisation_id,
                    data={"kind": str(kind), "date": date.isoformat(), "days": (date - today).days,
                          "contract_name": contract.name, "organisation": str(contract.organisation)},
                )  # fmt: skip
                publish([event], [contract])
                sent += 1
    return sent
