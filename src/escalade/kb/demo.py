"""Demo knowledge base: categories and published articles in French and English (each pair linked as
translations), plus one agents-only article. Idempotent: articles are found by slug."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalade import authz
from escalade.accounts.models import Role, User
from escalade.core.actors import Actor
from escalade.kb import services
from escalade.kb.demo_articles import ARTICLES, CATEGORIES
from escalade.kb.models import Article, ArticleLanguage, ArticleVisibility, KbCategory, RevisionStatus

if TYPE_CHECKING:
    from escalade.demo import DemoContext

STAFF = "escalade-it.example"
INTERNAL = (
    "procedure-deverrouillage-compte-ad", "Procédure interne : déverrouiller un compte dans l'AD",
    (
        "Réservé aux techniciens. Vérifier l'identité de l'appelant (matricule + manager), puis dans la "
        "console **Utilisateurs et ordinateurs Active Directory** : propriétés du compte › onglet Compte › "
        "« Déverrouiller le compte ». Consigner la vérification dans le ticket."
    ),
)  # fmt: skip


def categories_load() -> dict[str, KbCategory]:
    made: dict[str, KbCategory] = {}
    for position, (key, (parent, name_fr, name_en)) in enumerate(CATEGORIES.items()):
        made[key] = KbCategory.objects.get_or_create(
            slug=key,
            defaults={
                "name_fr": name_fr,
                "name_en": name_en,
                "parent": made.get(parent),
                "position": position,
            },
        )[0]
    return made


def articles_load(*, author: User, reviewer: User) -> list[Article]:
    """Write and publish every demo article (skipping those that exist); returns all of them."""
    categories = categories_load()
    loaded: list[Article] = []
    for _key, category, tags, *pair in ARTICLES:
        first: Article | None = None
        for language, (slug, title, body) in zip(ArticleLanguage.values, pair, strict=True):
            article = Article.objects.filter(slug=slug).first() or _publish(
                author=author, reviewer=reviewer, slug=slug, title=title, body=body, language=language,
                category=categories[category], tags=tags, translation_of=first,
            )  # fmt: skip
            first = first or article
            loaded.append(article)
    slug, title, body = INTERNAL
    loaded.append(
        Article.objects.filter(slug=slug).first()
        or _publish(author=author, reviewer=reviewer, slug=slug, title=title, body=body, language="fr",
                    category=categories["accounts"], tags=("interne",), visibility=ArticleVisibility.AGENTS)
    )  # fmt: skip
    return loaded


def _publish(*, author: User, reviewer: User, **fields: object) -> Article:
    article = services.article_create(actor=Actor.of(author), author=author, **fields)  # type: ignore[arg-type]
    services.article_submit_for_review(actor=Actor.of(author), article=article)
    return services.article_approve(actor=Actor.of(reviewer), article=article)


def load(context: DemoContext) -> None:
    """The demo loader (``escalade.kb.demo:load`` in ``escalade.demo.LOADERS``)."""
    author = User.objects.get(email=f"l1.julie@{STAFF}")
    reviewer = User.objects.filter(role=Role.SUPERVISOR, email__endswith=STAFF).first() or author
    context.objects["articles"] = articles_load(author=author, reviewer=reviewer)
    proposals_load(articles=context.objects["articles"])


PROPOSALS = (
    ("fr", "l1.julie", "\n\nSi le problème persiste, vérifiez aussi le câble réseau.", "Cas vu au téléphone"),
    ("en", "l1.emma", "\n\nIf it persists, also check the network cable.", "Seen on a call"),
)


def proposals_load(*, articles: list[Article]) -> None:
    """Level-1 agents' changes to published articles, waiting in the review queue (once)."""
    for language, local, addition, note in PROPOSALS:
        article = next((a for a in articles if a.language == language and a.is_published), None)
        person = User.objects.filter(email=f"{local}@{STAFF}").first()
        if article is None or person is None or not authz.article_edits_need_review(person):
            continue
        if article.revisions.filter(status=RevisionStatus.PROPOSED).exists():
            continue
        services.article_change_propose(
            actor=Actor.of(person),
            article=article,
            title=article.title,
            body=article.body + addition,
            note=note,
        )
