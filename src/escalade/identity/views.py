"""Pages of Escalade's own accounts: forgotten password, password change, the second sign-in step,
two-factor enrolment and recovery codes. Thin: forms in, services out."""

from __future__ import annotations

import base64
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.http import client_ip
from escalade.identity.forms import CodeForm, ResetRequestForm
from escalade.identity.services import (
    password_changed_record,
    recovery_codes_renew,
    two_factor_enrolment_confirm,
    two_factor_enrolment_start,
)
from escalade.identity.signin import pending_finish, pending_user

ENROLMENT_DEVICE = "identity_enrolment_device"


class ResetRequestView(auth_views.PasswordResetView):
    """Ask for a reset link. The answer is the same whether the address has an account or not."""

    template_name = "identity/password_reset.html"
    form_class = ResetRequestForm
    success_url = reverse_lazy("identity:password_reset_done")

    def form_valid(self, form: ResetRequestForm) -> HttpResponse:  # type: ignore[override]
        form.save(source_ip=client_ip(self.request))
        return HttpResponseRedirect(self.get_success_url())


class ResetSentView(auth_views.PasswordResetDoneView):
    template_name = "identity/password_reset_done.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password from a mailed link; it also lifts a sign-in lock on the account."""

    template_name = "identity/password_reset_confirm.html"
    success_url = reverse_lazy("identity:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[type-arg]
        response = super().form_valid(form)
        user = form.user
        password_changed_record(
            actor=Actor.of(user, source_ip=client_ip(self.request)), user=user, how="reset"
        )
        return response


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "identity/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change my password (the current one is asked); the session stays open."""

    template_name = "identity/password_change.html"
    success_url = reverse_lazy("identity:security")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        password_changed_record(
            actor=Actor.of(user, source_ip=client_ip(self.request)), user=user, how="change"
        )
        messages.success(self.request, _("Your password was changed."))
        return response


def second_factor(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code from the authenticator app, or a recovery code (each works once)."""
    user = pending_user(request)
    if user is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            next_url = pending_finish(request, user)
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device=device).count()
                messages.warning(request, _("You used a recovery code; %(count)s remain.") % {"count": left})
            return HttpResponseRedirect(next_url)
        form.add_error(
            "code", _("This code is not valid. Check your authenticator app and try again in a few seconds.")
        )
    return render(request, "identity/second_factor.html", {"form": form})


def _qr_code(data: str) -> str:
    """An SVG QR code as a ``data:`` URL (allowed by the Content-Security-Policy's img-src)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@authz.require(authz.signed_in)
def security(request: HttpRequest) -> HttpResponse:
    """My sign-in security: password, authenticator, recovery codes."""
    user = _signed_in_user(request)
    context: dict[str, Any] = {
        "enrolled": user_has_device(user, confirmed=True),
        "recovery_left": StaticToken.objects.filter(device__user=user).count(),
        "has_password": user.has_usable_password(),
    }
    return render(request, "identity/security.html", context)


@authz.require(authz.signed_in)
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, then give a first code to confirm."""
    user = _signed_in_user(request)
    device = TOTPDevice.objects.filter(
        pk=request.session.get(ENROLMENT_DEVICE), user=user, confirmed=False
    ).first()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        actor = Actor.of(user, source_ip=client_ip(request))
        codes = two_factor_enrolment_confirm(actor=actor, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            request.session.pop(ENROLMENT_DEVICE, None)
            otp_login(request, device)
            return render(request, "identity/recovery_codes.html", {"codes": codes, "enrolled_now": True})
        form.add_error(
            "code", _("This code is not valid. Check the time on your phone and try again in a few seconds.")
        )
    if device is None:
        device = two_factor_enrolment_start(user=user)
        request.session[ENROLMENT_DEVICE] = device.pk
    secret = base64.b32encode(device.bin_key).decode("ascii")
    context = {"form": form, "qr_code": _qr_code(device.config_url), "secret": secret}
    return render(request, "identity/enrol.html", context)


@require_POST
@authz.require(authz.signed_in)
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once (only for a person who has an authenticator)."""
    user = _signed_in_user(request)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("identity:security")
    codes = recovery_codes_renew(actor=Actor.of(user, source_ip=client_ip(request)), user=user)
    return render(request, "identity/recovery_codes.html", {"codes": codes, "enrolled_now": False})
