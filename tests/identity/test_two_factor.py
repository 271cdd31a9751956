"""Two-factor authentication: enrolment with a QR code, the second sign-in step, recovery codes,
mandatory enrolment for provider staff, an administrator's reset."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.identity.services import two_factor_enrolment_confirm, two_factor_enrolment_start
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice, *, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def _enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = two_factor_enrolment_start(user=user)
    codes = two_factor_enrolment_confirm(actor=Actor.system("test"), device=device, code=_code(device))
    assert codes is not None
    device.refresh_from_db()
    device.last_t = -1  # the enrolment code was used; let the test sign in in the same time step
    device.save()
    return device, codes


def _password_step(client: Client, user, next_url: str = ""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def test_enrolment_shows_a_qr_code_and_a_first_code_turns_it_on(client, world):
    client.force_login(world.agent_a)

    page = client.get("/accounts/two-factor/enrol/")
    assert page.status_code == 200
    assert page.context["qr_code"].startswith("data:image/svg+xml;base64,")
    device = TOTPDevice.objects.get(user=world.agent_a, confirmed=False)

    wrong = client.post(
        "/accounts/two-factor/enrol/", {"code": "000000" if _code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"]
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # django-otp makes a person wait a second after a wrong code

    done = client.post("/accounts/two-factor/enrol/", {"code": _code(device)})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert Event.objects.filter(action="user.two_factor_enrolled", object_id=world.agent_a.pk).exists()


def test_sign_in_asks_for_the_code_and_only_then_opens_the_session(client, world):
    device, _codes = _enrolled(world.agent_a)

    first = _password_step(client, world.agent_a, next_url="/desk/")
    assert first["Location"] == "/accounts/two-factor/"
    assert not client.get("/accounts/profile/").wsgi_request.user.is_authenticated

    second = client.post("/accounts/two-factor/", {"code": _code(device)})
    assert second.status_code == 302
    assert second["Location"] == "/desk/"
    assert client.get("/accounts/profile/").wsgi_request.user == world.agent_a


def test_a_wrong_code_does_not_sign_in(client, world):
    device, _codes = _enrolled(world.agent_a)
    _password_step(client, world.agent_a)
    wrong = "000000" if _code(device) != "000000" else "111111"

    response = client.post("/accounts/two-factor/", {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not client.get("/accounts/profile/").wsgi_request.user.is_authenticated


def test_repeated_wrong_codes_are_throttled_even_before_the_right_one(client, world):
    device, _codes = _enrolled(world.agent_a)
    _password_step(client, world.agent_a)
    wrong = "000000" if _code(device) != "000000" else "111111"
    for _ in range(3):
        client.post("/accounts/two-factor/", {"code": wrong})

    response = client.post("/accounts/two-factor/", {"code": _code(device)})

    assert response.status_code == 200  # django-otp's back-off refuses even the right code for a while
    assert not client.get("/accounts/profile/").wsgi_request.user.is_authenticated


def test_a_code_without_the_password_step_leads_back_to_sign_in(client, world):
    device, _codes = _enrolled(world.agent_a)

    response = client.post("/accounts/two-factor/", {"code": _code(device)})

    assert response["Location"] == "/accounts/login/"


def test_a_recovery_code_works_once(client, world):
    _device, codes = _enrolled(world.agent_a)
    _password_step(client, world.agent_a)

    used = client.post("/accounts/two-factor/", {"code": codes[0].upper()})
    assert used.status_code == 302
    assert StaticToken.objects.filter(device__user=world.agent_a).count() == 9

    other = Client()
    _password_step(other, world.agent_a)
    reused = other.post("/accounts/two-factor/", {"code": codes[0]})
    assert reused.status_code == 200
    assert not other.get("/accounts/profile/").wsgi_request.user.is_authenticated


def test_new_recovery_codes_replace_the_old_ones(client, world):
    _device, codes = _enrolled(world.agent_a)
    client.force_login(world.agent_a)

    response = client.post("/accounts/two-factor/recovery-codes/")

    assert set(response.context["codes"]).isdisjoint(codes)
    assert not StaticToken.objects.filter(token__in=codes).exists()


def test_mandatory_two_factor_sends_staff_to_enrolment_until_done(client, world, settings):
    settings.ESCALADE_TWO_FACTOR_REQUIRED = True
    signed_in = _password_step(client, world.agent_a)
    assert signed_in.status_code == 302

    assert client.get("/desk/")["Location"] == "/accounts/two-factor/enrol/"
    assert client.get("/accounts/profile/")["Location"] == "/accounts/two-factor/enrol/"
    assert client.get("/accounts/two-factor/enrol/").status_code == 200
    device = TOTPDevice.objects.get(user=world.agent_a, confirmed=False)
    client.post("/accounts/two-factor/enrol/", {"code": _code(device)})

    assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize("name", ["requester_a", "manager_a"])
def test_mandatory_two_factor_leaves_client_people_alone(client, world, settings, name):
    settings.ESCALADE_TWO_FACTOR_REQUIRED = True
    _password_step(client, world.person(name))

    assert client.get("/accounts/profile/").status_code == 200


def test_mandatory_two_factor_does_not_touch_api_tokens(client, world, settings):
    from escalade.api.services import api_token_create

    settings.ESCALADE_TWO_FACTOR_REQUIRED = True
    _token, secret = api_token_create(actor=Actor.of(world.agent_a), user=world.agent_a, name="script")

    response = Client().get("/api/me", headers={"authorization": f"Bearer {secret}"})

    assert response.status_code == 200


def test_an_enrolled_session_without_its_code_is_ended_when_two_factor_is_mandatory(client, world, settings):
    settings.ESCALADE_TWO_FACTOR_REQUIRED = True
    _enrolled(world.agent_a)
    client.force_login(world.agent_a)  # e.g. a session opened before enrolment elsewhere

    assert client.get("/desk/")["Location"] == "/accounts/login/"
    assert not client.get("/accounts/profile/").wsgi_request.user.is_authenticated


def test_an_administrator_resets_a_persons_two_factor_from_the_admin(client, world):
    _enrolled(world.agent_a)
    client.force_login(world.administrator)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [world.agent_a.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.agent_a).exists()
    assert not StaticToken.objects.filter(device__user=world.agent_a).exists()
    event = Event.objects.get(action="user.two_factor_reset")
    assert event.actor_label == world.administrator.email
    assert _password_step(Client(), world.agent_a)["Location"] == "/"


@pytest.mark.parametrize("name", ["agent_a", "supervisor", "requester_a", "manager_a"])
def test_only_administrators_reach_the_reset_action(client, world, name):
    device, _codes = _enrolled(world.agent_b)
    client.force_login(world.person(name))

    response = client.post(
        "/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [world.agent_b.pk]}
    )

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize(
    "path", ["/accounts/security/", "/accounts/two-factor/enrol/", "/accounts/password/change/"]
)
def test_own_security_pages_need_a_sign_in(client, world, path):
    assert client.get(path)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["requester_a", "manager_b", "agent_a", "supervisor", "administrator"])
def test_each_role_sees_only_their_own_security_page(client, world, name):
    _enrolled(world.agent_b)
    user = world.person(name)
    client.force_login(user)

    page = client.get("/accounts/security/")

    assert page.status_code == 200
    assert page.context["user"] == user
    assert page.context["enrolled"] is False  # agent B's authenticator is not theirs


def test_the_security_page_speaks_the_persons_language(client, world):
    client.force_login(world.requester_a)  # French
    assert "Double authentification" in client.get("/accounts/security/").content.decode()

    client.force_login(world.requester_b)  # English
    assert "Two-factor authentication" in client.get("/accounts/security/").content.decode()


def test_the_demo_shows_the_administrator_how_to_enrol_without_forcing_it(client, settings):
    from escalade.demo import DEMO_PASSWORD, load_demo
    from escalade.identity.models import SingleSignOnProvider
    from escalade.kb.models import Article

    context = load_demo()
    load_demo()

    admin_email, label = context.logins[0]
    assert "/accounts/two-factor/enrol/" in label
    assert not settings.ESCALADE_TWO_FACTOR_REQUIRED
    assert set(Article.objects.filter(tags__name="2fa").values_list("language", flat=True)) == {"fr", "en"}
    assert SingleSignOnProvider.objects.get().is_active is False
    signed_in = client.post("/accounts/login/", {"username": admin_email, "password": DEMO_PASSWORD})
    assert signed_in["Location"] == "/"
    assert client.get("/accounts/two-factor/enrol/").status_code == 200


def test_a_password_step_left_pending_too_long_must_start_again(client, world, monkeypatch):
    import time

    from escalade.identity import signin

    device, _codes = _enrolled(world.agent_a)
    _password_step(client, world.agent_a)
    later = time.time() + signin.PENDING_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)

    response = client.post("/accounts/two-factor/", {"code": _code(device)})

    assert response["Location"] == "/accounts/login/"
    assert not client.get("/accounts/profile/").wsgi_request.user.is_authenticated
