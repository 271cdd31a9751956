"""Which contract covers a request, and why a request is out of contract."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from escalade.contracts.models import Contract
from escalade.core.refdata import refdata_many
from escalade.orgs.models import Organisation
from escalade.sla.businesstime import next_working_instant
from escalade.sla.selectors import working_calendar
from escalade.tickets.choices import OutOfContract
from escalade.tickets.models import Category


@dataclass(frozen=True)
class ContractMatch:
    """The contract a request falls under (None: the organisation has none) and, if so, why it is out."""

    contract: Contract | None
    out_of_contract_reason: str = ""

    @property
    def is_out_of_contract(self) -> bool:
        return bool(self.out_of_contract_reason)


def _covers(contract: Contract, category: Category | None) -> bool:
    covered = {category.pk for category in contract.categories.all()}
    if not covered:
        return True
    return category is not None and category.pk in covered


def _in_support_hours(contract: Contract, moment: datetime) -> bool:
    # The cached arithmetic: building a calendar (intervals, closures, years of holidays) is costly.
    calendar = working_calendar(calendar=contract.support_calendar, around=[moment])
    return next_working_instant(calendar=calendar, moment=moment) == moment


def contracts_by_organisation(*, organisation_ids: Iterable[int]) -> dict[int, list[Contract]]:
    """The active contracts of some organisations, newest first, with their support calendar, SLA
    policy and covered categories (two queries whatever the number of organisations)."""
    contracts = (
        Contract.objects.filter(organisation_id__in=set(organisation_ids), is_active=True)
        .select_related("support_calendar", "sla_policy")
        .prefetch_related(Prefetch("categories", queryset=Category.objects.only("pk")))
        .order_by("-starts_on", "-pk")
    )
    found: dict[int, list[Contract]] = defaultdict(list)
    for contract in contracts:
        found[contract.organisation_id].append(contract)
    return dict(found)


def contract_choose(
    *, contracts: Sequence[Contract], category: Category | None, at: datetime
) -> ContractMatch:
    """Match a request to ``contracts`` (one organisation's active ones, newest first), checked in this
    order: validity, scope, hours. Reads nothing but the contracts given (and the cached calendars).

    A request is always accepted; when it falls outside validity, scope or support hours it is marked
    out of contract with the reason, under the contract that would otherwise apply.
    """
    if not contracts:
        return ContractMatch(contract=None)
    today = timezone.localdate(at)
    valid = [c for c in contracts if c.starts_on <= today and (c.ends_on is None or c.ends_on >= today)]
    if not valid:
        return ContractMatch(contract=contracts[0], out_of_contract_reason=OutOfContract.VALIDITY)
    covering = [c for c in valid if _covers(c, category)]
    if not covering:
        return ContractMatch(contract=valid[0], out_of_contract_reason=OutOfContract.CATEGORY)
    contract = covering[0]
    if not _in_support_hours(contract, at):
        return ContractMatch(contract=contract, out_of_contract_reason=OutOfContract.HOURS)
    return ContractMatch(contract=contract)


def contracts_of(*, organisation_ids: Iterable[int]) -> dict[int, list[Contract]]:
    """:func:`contracts_by_organisation`, kept per process (``core.refdata``: the admin and the
    services say when contracts change); the organisations not kept yet are read together."""
    return refdata_many(
        "contracts.by_organisation",
        organisation_ids,
        lambda missing: contracts_by_organisation(organisation_ids=missing),
        default=list,
    )


def contract_match(
    *, organisation: Organisation, category: Category | None, at: datetime | None = None
) -> ContractMatch:
    """Match a new request to the organisation's contracts (see :func:`contract_choose`), kept per
    process."""
    contracts = contracts_of(organisation_ids=[organisation.pk])[organisation.pk]
    return contract_choose(contracts=contracts, category=category, at=at or timezone.now())
