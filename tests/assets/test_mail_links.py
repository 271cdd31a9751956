"""E-mailed tickets quoting an asset's serial number or hostname are linked to it, only inside the
requester's organisation; French and English messages."""

from __future__ import annotations

import pytest
from django.utils import translation

from escalade.assets.mail_links import assets_quoted, quoted_identifiers
from escalade.assets.models import AssetStatus, TicketAsset
from escalade.core.models import Event
from escalade.tickets.selectors import timeline_rows
from tests.assets.factories import AssetFactory
from tests.mail.conftest import ingest, mail_world, mailbox, make_message

pytestmark = pytest.mark.django_db
__all__ = ["mail_world", "mailbox"]  # the mail tests' fixtures, used here


@pytest.fixture
def estate(mail_world):
    return {
        "pc": AssetFactory.create(organisation=mail_world.client_a, name="PC-COMPTA-01", serial="CZC1234567"),
        "printer": AssetFactory.create(
            organisation=mail_world.client_a, name="IMP-RDC-02", serial="VNB3K12345"
        ),
        "other_client": AssetFactory.create(
            organisation=mail_world.client_b, name="PC-B-77", serial="5CD0000077"
        ),
    }


def test_a_french_message_quoting_a_hostname_links_the_ticket_to_that_pc(mail_world, mailbox, estate):
    body = "Bonjour,\n\nmon poste pc-compta-01.acme.local ne démarre plus depuis ce matin.\nMerci !"
    outcome = ingest(make_message(subject="Poste bloqué", body=body), mailbox=mailbox)

    ticket = outcome.ticket
    assert list(TicketAsset.objects.filter(ticket=ticket).values_list("asset__name", flat=True)) == [
        "PC-COMPTA-01"
    ]
    event = Event.objects.get(action="ticket.asset_linked", object_id=ticket.pk)
    assert event.data["quoted"] == "PC-COMPTA-01"
    assert event.actor_label.startswith("email")
    with translation.override("fr"):
        labels = [row.label for row in timeline_rows(ticket=ticket, viewer=mail_world.agent_a)]
    assert "Équipement PC-COMPTA-01 lié (cité dans l’e-mail : PC-COMPTA-01)" in labels


def test_an_english_message_quoting_a_serial_number_links_the_printer(mail_world, mailbox, estate):
    body = "Hello,\nthe printer with serial number VNB3K12345 jams on every page. Ticket 20261207 was closed."
    outcome = ingest(
        make_message(subject="Printer jam", body=body, message_id="<m2@a.example>"), mailbox=mailbox
    )

    assert [link.asset for link in TicketAsset.objects.filter(ticket=outcome.ticket)] == [estate["printer"]]
    with translation.override("en"):
        labels = [row.label for row in timeline_rows(ticket=outcome.ticket, viewer=mail_world.agent_a)]
    assert "Asset IMP-RDC-02 linked (quoted in the e-mail: VNB3K12345)" in labels


def test_another_clients_asset_is_never_linked(mail_world, mailbox, estate):
    body = "Our PC-B-77 (serial 5CD0000077) is broken."  # client B's machine, quoted by a client A person
    outcome = ingest(make_message(subject="Broken", body=body, message_id="<m3@a.example>"), mailbox=mailbox)

    assert outcome.ticket.organisation == mail_world.client_a
    assert not TicketAsset.objects.exists()


def test_disposed_assets_and_ordinary_words_are_not_linked(mail_world, mailbox, estate):
    estate["pc"].status = AssetStatus.DISPOSED
    estate["pc"].save()
    AssetFactory.create(organisation=mail_world.client_a, name="bonjour", serial="")
    body = "Bonjour, le PC-COMPTA-01 a été jeté mais l'ancien numéro 2024 reste dans l'inventaire."
    outcome = ingest(
        make_message(subject="Inventaire", body=body, message_id="<m4@a.example>"), mailbox=mailbox
    )

    assert not TicketAsset.objects.filter(ticket=outcome.ticket).exists()


def test_the_lookup_is_one_query_scoped_to_the_organisation(mail_world, estate, django_assert_num_queries):
    text = "PC-COMPTA-01, IMP-RDC-02 et 5CD0000077 " + " ".join(f"X{i}-Y" for i in range(300))
    with django_assert_num_queries(1):
        found = assets_quoted(organisation_id=mail_world.client_a.pk, text=text)
    assert sorted(quoted for _, quoted in found) == ["IMP-RDC-02", "PC-COMPTA-01"]
    with django_assert_num_queries(0):
        assert (
            assets_quoted(organisation_id=mail_world.client_a.pk, text="Merci beaucoup, bonne journée") == []
        )


def test_candidates_are_identifiers_not_words() -> None:
    text = "Le poste LAPTOP-7H2K9 (s/n 5CD1234XYZ) de jean.dupont@a.example, réf 12 et 2026."
    assert quoted_identifiers(text) == ["LAPTOP-7H2K9", "5CD1234XYZ"]
