"""Writes about sign-in: a password reset mail, a password changed, a second factor enrolled or reset,
an account unlocked. Each records an event in the audit log (ADR 0004)."""

from __future__ import annotations

import datetime as dt
import secrets

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.core.outbox import outbox_defer
from escalade.core.services import event_record

RECOVERY_CODES = 10
RESET_MAIL_INTERVAL = dt.timedelta(minutes=5)
RECOVERY_DEVICE = "recovery"
AUTHENTICATOR_DEVICE = "authenticator"


@transaction.atomic
def password_reset_request(*, actor: Actor, user: User) -> bool:
    """Send ``user`` a password reset link after commit. The link (a signed token that a new password or
    a sign-in voids) is made by the worker, so no secret is stored in the outbox. At most one mail per
    person every five minutes, so the form cannot flood a mailbox (False when skipped)."""
    from escalade.identity.tasks import password_reset_mail  # noqa: PLC0415 - tasks import services

    recent = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_id=user.pk,
        action="user.password_reset_requested",
        occurred_at__gte=timezone.now() - RESET_MAIL_INTERVAL,
    )
    if recent.exists():
        return False

    event_record(
        actor=actor, obj=user, action="user.password_reset_requested", organisation_id=user.organisation_id
    )
    outbox_defer(password_reset_mail, user.pk)
    return True


def password_reset_mail_send(*, user_id: int) -> bool:
    """Mail the reset link in the person's language (False when the account is gone or inactive)."""
    from escalade.mail.outbound import render  # noqa: PLC0415 - mail imports the ticket models

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    path = reverse(
        "identity:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    subject, body = render(
        "password_reset",
        language=user.language,
        time_zone=user.time_zone,
        context={
            "user": user,
            "link": settings.ESCALADE_SITE_URL + path,
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


@transaction.atomic
def password_changed_record(*, actor: Actor, user: User, how: str) -> None:
    """Record a new password (``how``: ``change`` by the person, ``reset`` by a mailed link) and lift any
    sign-in lock on the account: proving the mailbox is worth more than the failed guesses."""
    event_record(
        actor=actor,
        obj=user,
        action="user.password_changed",
        data={"how": how},
        organisation_id=user.organisation_id,
    )
    if how == "reset":
        axes_reset(username=user.email)


@transaction.atomic
def sign_in_unlock(*, actor: Actor, user: User) -> int:
    """Lift the sign-in lock on ``user``'s account (an administrator's action). Returns the number of
    lock records removed; the event is recorded even when there was none, as a trace of the request."""
    removed = int(axes_reset(username=user.email))
    event_record(
        actor=actor,
        obj=user,
        action="user.sign_in_unlocked",
        data={"records": removed},
        organisation_id=user.organisation_id,
    )
    return removed


def two_factor_enrolment_start(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for ``user`` (replacing an unconfirmed one left over)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_DEVICE, confirmed=False)


@transaction.atomic
def two_factor_enrolment_confirm(*, actor: Actor, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a first code; returns the new recovery codes (shown once), or None
    when the code is wrong."""
    if not device.verify_token(code):
        return None
    user = device.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(user)
    event_record(
        actor=actor, obj=user, action="user.two_factor_enrolled", organisation_id=user.organisation_id
    )
    return codes


@transaction.atomic
def recovery_codes_renew(*, actor: Actor, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    codes = _recovery_codes_replace(user)
    event_record(
        actor=actor, obj=user, action="user.recovery_codes_renewed", organisation_id=user.organisation_id
    )
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _recovery_code() -> str:
    """48 random bits as ``xxxx-xxxx-xxxx`` (django-otp keeps at most 16 characters a token)."""
    digits = secrets.token_hex(6)
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"


@transaction.atomic
def two_factor_reset(*, actor: Actor, user: User) -> int:
    """Remove ``user``'s authenticator and recovery codes (lost phone): they sign in with their password
    alone and, where two-factor authentication is mandatory, enrol again. Returns the devices removed."""
    removed = int(
        TOTPDevice.objects.filter(user=user).count() + StaticDevice.objects.filter(user=user).count()
    )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    event_record(
        actor=actor,
        obj=user,
        action="user.two_factor_reset",
        data={"devices": removed},
        organisation_id=user.organisation_id,
    )
    return removed
