"""The bell, the list and the preferences: each person sees and changes only their own."""

from __future__ import annotations

import pytest
from django.utils import translation

from escalade.notifications.models import Notification, NotificationKind, NotificationPreference
from escalade.notifications.preferences import CUSTOMER_DEFAULTS
from escalade.notifications.services import Notice, notify_many

pytestmark = pytest.mark.django_db

ROLES = ["requester_a", "manager_a", "agent_b", "agent_a", "supervisor", "administrator"]


def give(person, count=1, text="Nouvelle"):
    notify_many(notices=[
        Notice(recipients=[person], kind=NotificationKind.AUTOMATION, ticket=None, text=f"{text} {i}")
        for i in range(count)
    ])  # fmt: skip
    return list(Notification.objects.filter(recipient=person).order_by("id"))


@pytest.mark.parametrize("name", ROLES)
def test_each_role_sees_only_their_own_notifications(client, world, name):
    person = world.person(name)
    give(person, text="À moi")
    give(world.requester_b, text="Pas à vous")
    client.force_login(person)

    page = client.get("/notifications/").content.decode()
    bell = client.get("/notifications/bell/").content.decode()

    assert "À moi 0" in page
    assert "Pas à vous" not in page
    assert 'data-count="1"' in bell


@pytest.mark.parametrize("name", ROLES)
def test_nobody_opens_or_reads_another_persons_notification(client, world, name):
    [theirs] = give(world.requester_b)
    client.force_login(world.person(name))

    response = client.post(f"/notifications/{theirs.pk}/open/")
    client.post("/notifications/read-all/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read_and_leads_to_its_ticket(client, world, make_ticket):
    ticket = make_ticket()
    notify_many(notices=[Notice(recipients=[world.requester_a, world.agent_a], kind=NotificationKind.RESOLVED,
                                ticket=ticket)])  # fmt: skip
    mine = Notification.objects.get(recipient=world.requester_a, kind=NotificationKind.RESOLVED)
    client.force_login(world.requester_a)

    response = client.post(f"/notifications/{mine.pk}/open/")

    assert response["Location"] == f"/portal/t/{ticket.reference}/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert Notification.objects.get(recipient=world.agent_a, kind=NotificationKind.RESOLVED).read_at is None
    client.force_login(world.agent_a)
    agents = Notification.objects.get(recipient=world.agent_a, kind=NotificationKind.RESOLVED)
    assert client.post(f"/notifications/{agents.pk}/open/")["Location"] == f"/desk/t/{ticket.reference}/"


def test_mark_all_read_empties_the_bell(client, world):
    give(world.agent_a, count=12)
    client.force_login(world.agent_a)
    assert 'data-count="9+"' in client.get("/notifications/bell/").content.decode()

    client.post("/notifications/read-all/")

    assert "bell-count" not in client.get("/notifications/bell/").content.decode()
    assert not Notification.objects.filter(recipient=world.agent_a, read_at__isnull=True).exists()


def test_the_list_is_paged_with_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    give(world.agent_a, count=35)
    client.force_login(world.agent_a)
    with django_assert_max_num_queries(8):
        first = client.get("/notifications/")
    assert first.content.decode().count('<li class="notification') == 30
    following = first.context["following"]
    second = client.get(f"/notifications/?before={following}")
    assert second.content.decode().count('<li class="notification') == 5
    assert client.get("/notifications/?before=99999999999999999999999").status_code == 200


def test_a_requester_chooses_among_fewer_kinds_and_saves(client, world):
    client.force_login(world.requester_a)
    with translation.override("en"):
        form = client.get("/notifications/preferences/", HTTP_ACCEPT_LANGUAGE="en").context["form"]
    assert set(form.fields) == set(CUSTOMER_DEFAULTS)
    data = dict.fromkeys(CUSTOMER_DEFAULTS, "email") | {NotificationKind.SURVEY: "off"}

    response = client.post("/notifications/preferences/", data | {NotificationKind.SLA_BREACH: "email"})

    assert response.status_code == 302
    assert list(NotificationPreference.objects.values_list("user__email", "kind", "channel")) == [
        ("req.a@a.example", "survey", "off")
    ]


def test_staff_see_their_own_kinds_on_the_preferences_page(client, world):
    client.force_login(world.supervisor)
    form = client.get("/notifications/preferences/").context["form"]
    assert {"assigned", "sla_breach", "bad_survey", "out_of_contract"} <= set(form.fields)
    assert form.fields["sla_breach"].initial == "digest"


def test_signed_out_people_are_sent_to_sign_in(client):
    for path in ("/notifications/", "/notifications/bell/", "/notifications/preferences/"):
        assert client.get(path).status_code == 302
