"""Renewals: items filled from assets, licences and contracts, the 12-month forecast, the notice N days
before (once, in each recipient's language, in the app and by mail), the renewal ticket."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError
from escalade.mail.models import OutboundMail
from escalade.maintenance.models import ExpiringItem, ExpiringKind
from escalade.maintenance.renewals import (
    expiring_item_save,
    expiring_items_sync,
    renewal_ticket_create,
    renewals_notify,
)
from escalade.maintenance.selectors import forecast
from escalade.notifications.models import Notification
from escalade.tickets.choices import Kind
from tests.assets.factories import AssetFactory, LicenceFactory
from tests.tickets.factories import ContractFactory

TODAY = dt.date(2026, 11, 24)


def test_items_are_filled_from_assets_licences_and_contracts(world) -> None:
    asset = AssetFactory.create(
        organisation=world.client_a,
        name="SRV-FILES",
        warranty_end=TODAY + dt.timedelta(days=90),
        user=world.requester_a,
    )
    AssetFactory.create(
        organisation=world.client_a, name="OLD-PC", warranty_end=TODAY + dt.timedelta(days=800)
    )
    licence = LicenceFactory.create(
        organisation=world.client_b, name="Veeam", expires_on=TODAY + dt.timedelta(days=30)
    )
    contract = ContractFactory.create(
        organisation=world.client_a, name="Managed services", ends_on=TODAY + dt.timedelta(days=200)
    )
    assert expiring_items_sync(today=TODAY) == 3
    items = {item.source: item for item in ExpiringItem.objects.all()}
    assert set(items) == {f"asset:{asset.pk}", f"licence:{licence.pk}", f"contract:{contract.pk}"}
    warranty = items[f"asset:{asset.pk}"]
    assert (warranty.kind, warranty.name, warranty.owner, warranty.organisation) == (
        ExpiringKind.WARRANTY,
        "SRV-FILES",
        world.requester_a,
        world.client_a,
    )
    # A changed date is followed; running again adds nothing.
    asset.warranty_end = TODAY + dt.timedelta(days=120)
    asset.save()
    expiring_items_sync(today=TODAY)
    assert ExpiringItem.objects.count() == 3
    assert ExpiringItem.objects.get(source=f"asset:{asset.pk}").expires_on == TODAY + dt.timedelta(days=120)


def test_the_forecast_groups_twelve_months(world) -> None:
    for days, name in ((10, "cert"), (40, "domain"), (340, "subscription"), (400, "too far")):
        expiring_item_save(
            actor=Actor.of(world.supervisor),
            values={
                "kind": ExpiringKind.CERTIFICATE,
                "name": name,
                "expires_on": TODAY + dt.timedelta(days=days),
                "organisation": world.client_a,
                "owner": None,
                "notes": "",
            },
        )
    months = forecast(organisation_ids=frozenset({world.client_a.pk}), today=TODAY)
    assert len(months) == 12
    assert months[0][0] == dt.date(2026, 11, 1)
    assert [[item.name for item in items] for _month, items in months if items] == [
        ["cert"],
        ["domain"],
        ["subscription"],
    ]
    assert forecast(organisation_ids=frozenset({world.client_b.pk}), today=TODAY)[0][1] == []


@override_settings(ESCALADE_RENEWAL_NOTICE_DAYS=60)
def test_the_notice_goes_once_to_the_owner_and_supervisors_in_their_language(world) -> None:
    world.requester_b.language = "en"
    world.requester_b.save()
    world.supervisor.language = "fr"
    world.supervisor.save()
    item = expiring_item_save(
        actor=Actor.of(world.supervisor),
        values={
            "kind": ExpiringKind.DOMAIN,
            "name": "b.example",
            "expires_on": TODAY + dt.timedelta(days=45),
            "organisation": world.client_b,
            "owner": world.requester_b,
            "notes": "",
        },
    )
    expiring_item_save(
        actor=Actor.of(world.supervisor),
        values={
            "kind": ExpiringKind.DOMAIN,
            "name": "later.example",
            "expires_on": TODAY + dt.timedelta(days=90),
            "organisation": world.client_b,
            "owner": world.requester_b,
            "notes": "",
        },
    )
    assert renewals_notify(today=TODAY) == 1
    assert renewals_notify(today=TODAY + dt.timedelta(days=1)) == 0
    texts = dict(Notification.objects.values_list("recipient__email", "text"))
    assert texts[world.requester_b.email] == "Client B: Domain “b.example” expires on 2027-01-08 (in 45 d)"
    assert texts[world.supervisor.email].startswith("Client B : Domaine « b.example » expire le 2027-01-08")
    mails = OutboundMail.objects.filter(kind="renewal_near")
    assert {(mail.to, mail.language) for mail in mails} >= {
        (world.requester_b.email, "en"),
        (world.supervisor.email, "fr"),
    }
    # A new date is announced again.
    ExpiringItem.objects.filter(pk=item.pk).update(expires_on=TODAY + dt.timedelta(days=50))
    assert renewals_notify(today=TODAY) == 1


def test_the_renewal_ticket_is_created_once_for_a_client_manager(world) -> None:
    item = expiring_item_save(
        actor=Actor.of(world.supervisor),
        values={
            "kind": ExpiringKind.CERTIFICATE,
            "name": "*.a.example",
            "expires_on": TODAY + dt.timedelta(days=20),
            "organisation": world.client_a,
            "owner": None,
            "notes": "Wildcard certificate",
        },
    )
    ticket = renewal_ticket_create(actor=Actor.of(world.agent_a), item=item)
    assert (ticket.kind, ticket.requester, ticket.organisation) == (
        Kind.REQUEST,
        world.manager_a,
        world.client_a,
    )
    assert "*.a.example" in ticket.title
    item.refresh_from_db()
    assert item.renewal_ticket == ticket
    with pytest.raises(ConflictError):
        renewal_ticket_create(actor=Actor.of(world.agent_a), item=item)
