"""The demo estate: both clients' machines with software, an over-used licence, loaded once."""

from __future__ import annotations

import pytest

from escalade.accounts.models import User
from escalade.assets.models import Asset, Installation, TicketAsset
from escalade.assets.selectors import licence_compliance
from escalade.demo import load_demo
from escalade.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_demo_estate_is_loaded_once_with_an_over_used_licence() -> None:
    load_demo()
    counts = Asset.objects.count()
    load_demo()

    assert Asset.objects.count() == counts == 12
    lemoine = Organisation.objects.get(slug="lemoine")
    assert set(Asset.objects.filter(organisation=lemoine).values_list("kind", flat=True)) >= {
        "computer", "laptop", "server", "printer", "monitor"
    }  # fmt: skip
    assert Installation.objects.filter(
        asset__name="LEM-PC-COMPTA01", software__name="Sage 100cloud Comptabilité"
    ).exists()
    supervisor = User.objects.get(email="supervisor@escalade-it.example")
    rows = licence_compliance(user=supervisor, organisation_id=lemoine.pk)
    assert [row.over_use for row in rows if row.over_use] == [2]
    assert any(row.expiring for row in rows)
    assert TicketAsset.objects.exists()
    # The e-mails quoting a hostname (French) and a serial (English) linked their tickets, once.
    emailed = TicketAsset.objects.filter(ticket__channel="email").values_list("asset__name", "ticket__title")
    assert sorted(emailed) == [
        ("LEM-PC-COMPTA01", "Poste de compta bloqué au démarrage"),
        ("NW-MAN-LT-022", "Laptop battery swelling"),
    ]
