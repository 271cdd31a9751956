"""Demo data for sign-in: how the demo administrator turns on two-factor authentication (an agents'
article in both languages, and a hint beside the administrator's login), and an example single sign-on
provider for Northwind, left inactive (there is no real provider behind it). Two-factor authentication
is not made mandatory in the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalade.accounts.models import Role, User
from escalade.core.actors import Actor
from escalade.identity.models import SingleSignOnProvider
from escalade.kb import services as kb
from escalade.kb.models import Article, ArticleLanguage, ArticleVisibility
from escalade.orgs.models import Organisation

if TYPE_CHECKING:
    from escalade.demo import DemoContext

STAFF = "escalade-it.example"
ENROL_PATH = "/accounts/two-factor/enrol/"
ARTICLE = {
    ArticleLanguage.FRENCH: (
        "activer-double-authentification",
        "Activer la double authentification sur Escalade",
        "Les agents, responsables et administrateurs protègent leur compte par un second facteur.\n\n"
        "1. Installez une application d'authentification sur votre téléphone (FreeOTP, Aegis, "
        "Google Authenticator, Microsoft Authenticator).\n"
        "2. Dans Escalade, ouvrez **Mon profil → Mot de passe et double authentification**, puis "
        "**Activer la double authentification** (ou allez directement sur " + ENROL_PATH + ").\n"
        "3. Scannez le code QR, puis saisissez le code à six chiffres affiché par l'application.\n"
        "4. Conservez les dix codes de secours affichés : chacun permet une connexion sans téléphone.\n\n"
        "Téléphone perdu ? Un administrateur réinitialise la double authentification depuis "
        "l'administration (Personnes → action « Réinitialiser la double authentification »).",
    ),
    ArticleLanguage.ENGLISH: (
        "turn-on-two-factor-authentication",
        "Turn on two-factor authentication in Escalade",
        "Agents, supervisors and administrators protect their account with a second factor.\n\n"
        "1. Install an authenticator app on your phone (FreeOTP, Aegis, Google Authenticator, "
        "Microsoft Authenticator).\n"
        "2. In Escalade, open **My profile → Password and two-factor authentication**, then "
        "**Set up two-factor authentication** (or go straight to " + ENROL_PATH + ").\n"
        "3. Scan the QR code, then enter the six-digit code the app shows.\n"
        "4. Keep the ten recovery codes shown: each one signs you in once without your phone.\n\n"
        "Lost your phone? An administrator resets two-factor authentication from the admin site "
        "(People → action “Reset two-factor authentication”).",
    ),
}


def _article(author: User, reviewer: User) -> list[Article]:
    made: list[Article] = []
    first: Article | None = None
    for language, (slug, title, body) in ARTICLE.items():
        article = Article.objects.filter(slug=slug).first()
        if article is None:
            article = kb.article_create(
                actor=Actor.of(author), author=author, slug=slug, title=title, body=body, language=language,
                visibility=ArticleVisibility.AGENTS, tags=("2fa", "sécurité", "security"), translation_of=first,
            )  # fmt: skip
            kb.article_submit_for_review(actor=Actor.of(author), article=article)
            article = kb.article_approve(actor=Actor.of(reviewer), article=article)
        first = first or article
        made.append(article)
    return made


def _example_provider() -> SingleSignOnProvider:
    provider, created = SingleSignOnProvider.objects.get_or_create(
        slug="northwind-entra",
        defaults={
            "name": "Northwind — Microsoft Entra ID",
            "authorization_endpoint": "https://login.microsoftonline.example/northwind/oauth2/v2.0/authorize",
            "token_endpoint": "https://login.microsoftonline.example/northwind/oauth2/v2.0/token",
            "userinfo_endpoint": "https://graph.microsoft.example/oidc/userinfo",
            "jwks_endpoint": "https://login.microsoftonline.example/northwind/discovery/v2.0/keys",
            "client_id": "00000000-0000-0000-0000-000000000000",
            "client_secret": "to-be-given-by-northwind",
            "is_active": False,  # an example to copy: no real provider answers these addresses
        },
    )
    if created:
        provider.organisations.set(Organisation.objects.filter(domains__domain="northwind.example"))
    return provider


def load(context: DemoContext) -> None:
    """The demo loader (``escalade.identity.demo:load``, after the knowledge base's)."""
    author = User.objects.get(email=f"l1.julie@{STAFF}")
    reviewer = User.objects.filter(role=Role.SUPERVISOR, email__endswith=STAFF).first() or author
    context.objects["two_factor_articles"] = _article(author, reviewer)
    context.objects["sign_on_provider"] = _example_provider()
    context.logins[:] = [
        (email, f"{label} — 2FA: {ENROL_PATH}" if email == f"admin@{STAFF}" else label)
        for email, label in context.logins
    ]
