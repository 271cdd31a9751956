"""Accounts pages: sign in, sign out, my profile, the language switch. Thin: forms in, services out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from escalade import authz
from escalade.accounts.forms import LanguageForm, ProfileForm, SignInForm
from escalade.accounts.models import User
from escalade.accounts.services import user_update_profile
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.http import client_ip
from escalade.identity.signin import sign_in_complete, sign_in_options
from escalade.identity.throttling import address_guard


@method_decorator(address_guard, name="post")
class SignInView(auth_views.LoginView):
    """Sign in by e-mail with any password backend (AUTHENTICATION_BACKENDS); failed attempts are
    throttled per account by django-axes and per address by ``address_guard``; the other ways in
    (single sign-on…) are listed from ``sign_in_options``, and every way ends in ``sign_in_complete``
    (the second factor, ADR 0019)."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sign_in_options"] = sign_in_options(next_url=self.get_redirect_url())
        return context

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        return sign_in_complete(self.request, form.get_user(), next_url=self.get_success_url())


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires)."""


@authz.require(authz.signed_in)
def profile(request: HttpRequest) -> HttpResponse:
    """Show and edit the signed-in person's own profile."""
    user = request.user
    assert isinstance(user, User)
    fields = ("full_name", "phone", "job_title", "language", "time_zone")
    form = ProfileForm(request.POST or None, initial={name: getattr(user, name) for name in fields})
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(
                actor=Actor.of(user, source_ip=client_ip(request)), user=user, **form.cleaned_data
            )
        except ValidationFailed as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your profile was saved."))
            response = redirect("accounts:profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
            return response
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language: remembered in a cookie, and on the person's profile when signed in."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if isinstance(request.user, User) and request.user.is_authenticated:
            user_update_profile(
                actor=Actor.of(request.user, source_ip=client_ip(request)),
                user=request.user,
                language=language,
            )
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
