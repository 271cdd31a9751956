"""What an inventory costs: queries pinned for a new machine, a changed one and an unchanged one, and
the unchanged one recognised from its body (volatile elements aside) without parsing or writing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from escalade.assets import catalogue, intake
from escalade.assets.models import Asset, Installation, Software
from escalade.assets.parsers import xml_body_fingerprint
from escalade.core.models import Event
from tests.assets.conftest import Tokens, post_agent, sample

FUSION = "fusioninventory-agent-2.6-local-inventory.xml"
LOGDATE = b"<LOGDATE>2026-11-22 15:50:25</LOGDATE>"

pytestmark = pytest.mark.django_db


def _writes(captured) -> list[str]:
    return [
        q["sql"] for q in captured.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}
    ]


def _next_run(body: bytes) -> bytes:
    """The same machine inventoried again a day later: only the log date and boot time differ."""
    assert LOGDATE in body
    body = body.replace(LOGDATE, b"<LOGDATE>2026-11-23 09:12:01</LOGDATE>")
    return body.replace(
        b"<BOOT_TIME>2026-11-22 15:44:42</BOOT_TIME>", b"<BOOT_TIME>2026-11-23 08:01:00</BOOT_TIME>"
    )


def _another_machine(body: bytes) -> bytes:
    body = body.replace(b"<NAME>vm</NAME>", b"<NAME>PC-COMPTA-02</NAME>", 1)
    body = body.replace(b"<SSN></SSN>", b"<SSN>CZC2222222</SSN>", 1).replace(
        b"02:fc:00:00:00:01", b"02:fc:00:00:00:02"
    )
    return body.replace(b"vm-2026-11-22-15-49-17", b"pc-compta-02-2026-11-22-15-49-17")


def test_a_new_machine_costs_a_fixed_number_of_queries_whatever_its_programs(
    client: Client, tokens: Tokens, django_assert_num_queries, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # committed: the catalogue's ids are cached
        post_agent(client, tokens.a, sample(FUSION))
    # Token, the shortcut's read, match (one statement), the organisation's lock (PostgreSQL) and the
    # match again, the asset, its interfaces, the installations (one insert, the 120 product ids from
    # the cache), the events; plus the transaction's savepoint and release.
    with django_assert_num_queries(11 if connection.vendor == "postgresql" else 10):
        response = post_agent(client, tokens.a, _another_machine(sample(FUSION)))
    assert response.status_code == 200
    assert Asset.objects.get(name="PC-COMPTA-02").installations.count() == 120


def test_products_the_cache_does_not_know_cost_one_read(
    client: Client, tokens: Tokens, django_assert_num_queries
) -> None:
    post_agent(client, tokens.a, sample(FUSION))  # not committed: nothing is cached
    assert catalogue._product_ids == {}

    with django_assert_num_queries(12 if connection.vendor == "postgresql" else 11):  # + the 120 products
        post_agent(client, tokens.a, _another_machine(sample(FUSION)))
    assert Asset.objects.get(name="PC-COMPTA-02").installations.count() == 120


def test_a_product_deleted_behind_the_cache_is_created_again(
    client: Client, tokens: Tokens, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post_agent(client, tokens.a, sample(FUSION))
    adduser = Software.objects.get(name="adduser")
    Installation.objects.filter(software=adduser).delete()
    adduser.delete()  # an administrator's clean-up, which the process's cache does not hear of

    response = post_agent(client, tokens.a, _another_machine(sample(FUSION)))

    assert response.status_code == 200
    asset = Asset.objects.get(name="PC-COMPTA-02")
    assert asset.installations.count() == 120
    assert asset.installations.filter(software__name="adduser", version="3.134").exists()
    assert catalogue._product_ids == {}  # forgotten; filled again by the next committed inventory


def test_the_same_body_again_is_one_read_and_is_not_parsed(
    client: Client, tokens: Tokens, django_assert_num_queries, monkeypatch
) -> None:
    post_agent(client, tokens.a, sample(FUSION))
    events = Event.objects.count()

    def no_parse(data: bytes) -> None:
        raise AssertionError("an unchanged body must not be parsed")

    monkeypatch.setattr(intake, "xml_request", no_parse)
    with django_assert_num_queries(2) as captured:  # the token, the asset
        response = post_agent(client, tokens.a, _next_run(sample(FUSION)))

    assert response.status_code == 200
    assert _writes(captured) == []
    assert Event.objects.count() == events


def test_an_unchanged_report_in_a_different_body_writes_nothing(
    client: Client, tokens: Tokens, django_assert_num_queries
) -> None:
    post_agent(client, tokens.a, sample(FUSION))
    # A program's file size changed: the body differs, what Escalade keeps does not.
    body = sample(FUSION).replace(b"<FILESIZE>", b"<FILESIZE>1", 1)

    with django_assert_num_queries(5) as captured:  # token, fast read, savepoint, match, release
        response = post_agent(client, tokens.a, body)

    assert response.status_code == 200
    assert _writes(captured) == []


def test_last_seen_is_written_once_per_resolution_not_per_inventory(
    client: Client, tokens: Tokens, django_assert_num_queries
) -> None:
    post_agent(client, tokens.a, sample(FUSION))
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    Asset.objects.update(last_inventory_at=two_days_ago)

    with django_assert_num_queries(3) as captured:
        post_agent(client, tokens.a, _next_run(sample(FUSION)))
    assert len(_writes(captured)) == 1
    seen = Asset.objects.get().last_inventory_at
    assert seen is not None
    assert seen > two_days_ago

    with django_assert_num_queries(2) as captured:
        post_agent(client, tokens.a, _next_run(sample(FUSION)))
    assert _writes(captured) == []


def test_a_changed_machine_is_still_applied_after_the_shortcut_misses(client: Client, tokens: Tokens) -> None:
    post_agent(client, tokens.a, sample(FUSION))
    changed = _next_run(sample(FUSION)).replace(b"<MEMORY>24105</MEMORY>", b"<MEMORY>32768</MEMORY>", 1)

    post_agent(client, tokens.a, changed)

    assert Asset.objects.get().attributes["memory_mb"] == 32768
    assert Event.objects.filter(action="asset.updated").count() == 1


def test_the_shortcut_stays_inside_the_token_organisation(client: Client, tokens: Tokens) -> None:
    post_agent(client, tokens.a, sample(FUSION))

    post_agent(client, tokens.b, _next_run(sample(FUSION)))

    assert sorted(Asset.objects.values_list("organisation__slug", flat=True)) == sorted(
        {a.organisation.slug for a in Asset.objects.select_related("organisation")}
    )
    assert Asset.objects.count() == 2


def test_the_fingerprint_ignores_only_volatile_elements() -> None:
    body = sample(FUSION)
    device_id, digest = xml_body_fingerprint(body) or ("", "")
    assert device_id
    assert xml_body_fingerprint(_next_run(body)) == (device_id, digest)
    changed = body.replace(b"<MEMORY>24105</MEMORY>", b"<MEMORY>32768</MEMORY>", 1)
    assert xml_body_fingerprint(changed) != (device_id, digest)
    # A value hidden in CDATA could look volatile: no shortcut then.
    assert xml_body_fingerprint(body.replace(b"<NAME>vm</NAME>", b"<NAME><![CDATA[vm]]></NAME>", 1)) is None


GLPI = "glpi-agent-laptop.json"


def _glpi_next_run() -> bytes:
    """The GLPI Agent's message again, with the boot time and log date it carries changed."""
    body = sample(GLPI).replace(
        b'"arch": "64-bit",', b'"arch": "64-bit", "boot_time": "2026-11-23 08:01:00",'
    )
    return body.replace(
        b'"versionclient"', b'"accesslog": {"logdate": "2026-11-23 09:12:01"}, "versionclient"'
    )


def test_the_same_glpi_agent_message_again_is_one_read_and_is_not_parsed(
    client: Client, tokens: Tokens, django_assert_num_queries, monkeypatch
) -> None:
    first = _glpi_next_run().replace(b"2026-11-23", b"2026-11-22")
    post_agent(client, tokens.a, first, content_type="application/x-compress-zlib")
    events = Event.objects.count()

    def no_parse(data: bytes) -> None:
        raise AssertionError("an unchanged message must not be parsed")

    monkeypatch.setattr(intake, "json_request", no_parse)
    with django_assert_num_queries(2) as captured:  # the token, the asset
        response = post_agent(client, tokens.a, _glpi_next_run(), content_type="application/x-compress-zlib")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert _writes(captured) == []
    assert Event.objects.count() == events


def test_a_changed_glpi_agent_message_is_applied(client: Client, tokens: Tokens) -> None:
    post_agent(client, tokens.a, sample(GLPI), content_type="application/x-compress-zlib")

    changed = sample(GLPI).replace(b'"memory": 16035', b'"memory": 32070')
    post_agent(client, tokens.a, changed, content_type="application/x-compress-zlib")

    assert Asset.objects.get().attributes["memory_mb"] == 32070
    assert Event.objects.filter(action="asset.updated").count() == 1
