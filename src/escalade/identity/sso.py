"""Single sign-on with OpenID Connect (mozilla-django-oidc), one configuration per provider row.

mozilla-django-oidc reads one provider from settings; here the start view and the backend take theirs
from :class:`SingleSignOnProvider`, chosen by the button the person pressed (kept in the session
between the redirect and the callback). Matching is by the e-mail the provider vouches for, and only
among the provider's organisations (ADR 0019).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from escalade.accounts.models import Role, User
from escalade.accounts.services import user_create
from escalade.core.actors import Actor
from escalade.identity.models import SingleSignOnProvider
from escalade.identity.signin import sign_in_complete
from escalade.orgs.models import Organisation

logger = logging.getLogger(__name__)

SESSION_PROVIDER = "identity_sso_provider"


def active_providers() -> list[SingleSignOnProvider]:
    """The providers offered on the sign-in page."""
    return list(SingleSignOnProvider.objects.filter(is_active=True).order_by("name"))


class SingleSignOnBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Authenticates the callback of the provider chosen in this session; ignores every other call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = get_user_model()
        self.provider: SingleSignOnProvider | None = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or "nonce" not in kwargs:
            return None  # a password sign-in, not a provider's callback
        self.provider = SingleSignOnProvider.objects.filter(
            slug=request.session.get(SESSION_PROVIDER, ""), is_active=True
        ).first()
        if self.provider is None:
            return None
        self.OIDC_OP_TOKEN_ENDPOINT = self.provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = self.provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = self.provider.jwks_endpoint
        self.OIDC_RP_CLIENT_ID = self.provider.client_id
        self.OIDC_RP_CLIENT_SECRET = self.provider.client_secret
        self.OIDC_RP_SIGN_ALGO = self.provider.signing_algorithm
        self.OIDC_RP_IDP_SIGN_KEY = None
        user: User | None = super().authenticate(request, **kwargs)
        return user

    def get_user(self, user_id: int) -> User | None:
        """The session's person, while active (a deactivated person's open sessions end, as with
        Django's own backend)."""
        return User.objects.filter(pk=user_id, is_active=True).first()

    def _organisations(self) -> set[int]:
        assert self.provider is not None
        return set(self.provider.organisations.values_list("pk", flat=True))

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        """An e-mail address is required, and must not be marked unverified by the provider."""
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return User.objects.filter(email=str(claims["email"]).strip().lower())

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        """An existing person: only if their organisation trusts this provider."""
        if user.organisation_id not in self._organisations():
            raise SuspiciousOperation(f"{self.provider} is not trusted for {user.email}'s organisation")
        return user

    @transaction.atomic
    def create_user(self, claims: dict[str, Any]) -> User:
        """A newcomer: a requester in the organisation of their e-mail domain, if this provider serves it."""
        assert self.provider is not None
        email = str(claims["email"]).strip().lower()
        domain = email.rpartition("@")[2]
        organisation = (
            Organisation.objects.filter(pk__in=self._organisations(), domains__domain=domain).first()
            if self.provider.creates_accounts
            else None
        )
        if organisation is None:
            raise SuspiciousOperation(f"{self.provider} may not create an account for {domain}")
        name = str(claims.get("name") or "").strip() or email.partition("@")[0]
        language = str(claims.get("locale") or "")[:2]
        profile: dict[str, Any] = {"language": language} if language in {"fr", "en"} else {}
        return user_create(
            actor=Actor.system(f"sso:{self.provider.slug}"),
            email=email,
            full_name=name[:200],
            organisation=organisation,
            role=Role.REQUESTER,
            **profile,
        )


class SingleSignOnStartView(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """Send the person to the provider they chose (with state, nonce and PKCE, kept in the session)."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        provider = get_object_or_404(SingleSignOnProvider, slug=slug, is_active=True)
        self.OIDC_OP_AUTH_ENDPOINT = provider.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = provider.client_id
        request.session[SESSION_PROVIDER] = provider.slug
        response: HttpResponse = super().get(request)
        return response


class SingleSignOnCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """The provider's answer; a person with a second factor still gives their code (as after a password)."""

    @property
    def failure_url(self) -> str:
        return reverse("identity:sso_failed")

    def login_success(self) -> HttpResponse:
        return sign_in_complete(self.request, self.user, next_url=self.success_url)


def sso_failed(request: HttpRequest) -> HttpResponse:
    """The provider did not let the person in, or vouched for someone this provider may not sign in."""
    return render(request, "identity/sso_failed.html", status=403)
