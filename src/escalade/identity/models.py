"""Single sign-on providers (OpenID Connect), each trusted for some organisations' people."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.orgs.models import Organisation


class SingleSignOnProvider(models.Model):
    """An OpenID Connect provider (the organisation's Entra ID, Google Workspace, Keycloak…).

    People are matched by the e-mail address the provider vouches for. A provider is trusted only for
    the people of its ``organisations``: one client's provider can never sign in another client's
    people, nor the provider's staff unless the provider organisation is listed.
    """

    name = models.CharField(_("name"), max_length=120, help_text=_("Shown on the sign-in button."))
    slug = models.SlugField(_("slug"), unique=True)
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("organisations"),
        related_name="sign_on_providers",
        help_text=_("Whose people may sign in through this provider."),
    )
    authorization_endpoint = models.URLField(_("authorisation endpoint"), max_length=500)
    token_endpoint = models.URLField(_("token endpoint"), max_length=500)
    userinfo_endpoint = models.URLField(_("user info endpoint"), max_length=500)
    jwks_endpoint = models.URLField(_("JWKS endpoint"), max_length=500)
    client_id = models.CharField(_("client id"), max_length=255)
    client_secret = models.CharField(_("client secret"), max_length=500)
    signing_algorithm = models.CharField(
        _("signing algorithm"),
        max_length=8,
        default="RS256",
        choices=[(name, name) for name in ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")],
    )
    creates_accounts = models.BooleanField(
        _("create accounts"),
        default=True,
        help_text=_(
            "A person unknown to Escalade gets a requester account in the organisation of their e-mail "
            "domain (when it is one of this provider's organisations)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("single sign-on provider")
        verbose_name_plural = _("single sign-on providers")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
