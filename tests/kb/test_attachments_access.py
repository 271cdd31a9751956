"""Article files are served through the article's visibility, never as a bare media URL."""

from __future__ import annotations

import io

import pytest

from escalade.core.actors import Actor
from escalade.kb import services
from escalade.kb.models import ArticleVisibility

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _article(world, visibility):
    article = services.article_create(
        actor=Actor.of(world.agent_a), author=world.agent_a, title="Imprimante", body="Redémarrez-la.",
        visibility=visibility,
    )  # fmt: skip
    services.article_submit_for_review(actor=Actor.of(world.agent_a), article=article)
    services.article_approve(actor=Actor.of(world.supervisor), article=article)
    return article


def _add(world, article, name, data):
    return services.article_attachment_add(
        actor=Actor.of(world.agent_a), article=article, filename=name, content=io.BytesIO(data)
    )


@pytest.mark.parametrize(("who", "status"), [("requester_a", 404), ("agent_b", 200), ("supervisor", 200)])
def test_an_agents_only_articles_files_are_for_agents(client, world, who, status):
    article = _article(world, ArticleVisibility.AGENTS)
    image = _add(world, article, "schema.png", PNG)
    client.force_login(world.person(who))

    response = client.get(f"/help/a/{article.slug}/files/{image.pk}")

    assert response.status_code == status


def test_images_show_inline_and_anything_else_downloads(client, world):
    article = _article(world, ArticleVisibility.EVERYONE)
    image, drawing = _add(world, article, "capture.png", PNG), _add(world, article, "dessin.svg", SVG)
    client.force_login(world.requester_a)

    shown = client.get(f"/help/a/{article.slug}/files/{image.pk}")
    downloaded = client.get(f"/help/a/{article.slug}/files/{drawing.pk}")

    assert (shown.status_code, shown["Content-Type"]) == (200, "image/png")
    assert shown["Content-Disposition"].startswith("inline")
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert downloaded["X-Content-Type-Options"] == "nosniff"
    assert b"".join(shown.streaming_content) == PNG
