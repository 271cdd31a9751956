"""Every search entry point (pages and API) × every role and anonymous: who gets what, and that denied
calls neither leak nor change anything. Plus the portal's suggestions and deflection, and the editor."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from escalade.core.actors import Actor
from escalade.kb import services
from escalade.kb.models import Article, ArticleVisibility, Deflection
from escalade.search.services import index_ticket
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

ROLES = [
    "requester_a", "requester_a2", "manager_a", "requester_b", "manager_b", "agent_a", "agent_b",
    "supervisor", "administrator",
]  # fmt: skip
STAFF = {"agent_a", "agent_b", "supervisor", "administrator"}
SEES_TICKET_A = {"requester_a", "manager_a", "agent_a", "supervisor", "administrator"}


@pytest.fixture
def api(client):
    return Api(client=client)


@pytest.fixture
def scene(world, make_ticket):
    ticket = make_ticket(title="Zeppelin en panne", description="Routeur 00:1a:2b:3c:4d:5e")
    index_ticket(ticket.pk)
    agent = Actor.of(world.agent_a)
    public = services.article_create(actor=agent, author=world.agent_a, title="Zeppelin public",
                                     body="Réponse **publique**.")  # fmt: skip
    services.article_submit_for_review(actor=Actor.of(world.agent_a), article=public)
    services.article_approve(actor=Actor.of(world.supervisor), article=public)
    internal = services.article_create(actor=Actor.of(world.agent_a), author=world.agent_a,
                                       title="Zeppelin interne", body="Interne.",
                                       visibility=ArticleVisibility.AGENTS)  # fmt: skip
    return {"ticket": ticket, "public": public, "internal": internal}


def _expected_keys(role, scene):
    keys = {scene["public"].slug}
    if role in SEES_TICKET_A:
        keys.add(scene["ticket"].reference)
    if role in STAFF:
        keys.add(scene["internal"].slug)
    return keys


@pytest.mark.parametrize("role", [*ROLES, None])
def test_api_search(api, world, scene, role):
    user = world.person(role) if role else None
    response = api.get("/api/search", user, q="zeppelin")
    if user is None:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert {hit["key"] for hit in response.json()} == _expected_keys(role, scene)


@pytest.mark.parametrize("role", ROLES)
def test_api_kb_search_and_read(api, world, scene, role):
    user = world.person(role)
    found = {hit["key"] for hit in api.get("/api/kb/search", user, q="zeppelin").json()}
    assert found == _expected_keys(role, scene) - {scene["ticket"].reference}
    internal = api.get(f"/api/kb/articles/{scene['internal'].slug}", user)
    assert internal.status_code == (200 if role in STAFF else 404)
    public = api.get(f"/api/kb/articles/{scene['public'].slug}", user)
    assert public.status_code == 200
    assert "<strong>publique</strong>" in public.json()["html"]
    listed = {a["slug"] for a in api.get("/api/kb/articles", user).json()}
    assert (scene["internal"].slug in listed) == (role in STAFF)


@pytest.mark.parametrize("role", [*ROLES, None])
def test_search_page(client, world, scene, role):
    if role:
        client.force_login(world.person(role))
    response = client.get(reverse("kb:search"), {"q": "zeppelin"})
    if role is None:
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert {hit.key for hit in response.context["hits"]} == _expected_keys(role, scene)


@pytest.mark.parametrize("role", [*ROLES, None])
def test_suggest_partial_shows_articles_only(client, world, scene, role):
    if role:
        client.force_login(world.person(role))
    response = client.get(reverse("kb:suggest"), {"title": "zeppelin"})
    if role is None:
        assert response.status_code == 302
        return
    keys = {hit.key for hit in response.context["hits"]}
    assert keys == _expected_keys(role, scene) - {scene["ticket"].reference}


@pytest.mark.parametrize("role", [*ROLES, None])
def test_ticket_suggestions_partial(client, world, scene, role):
    if role:
        client.force_login(world.person(role))
    response = client.get(reverse("kb:ticket_suggestions", args=[scene["ticket"].reference]))
    expected = 302 if role is None else 403 if role not in STAFF else 200 if role in SEES_TICKET_A else 404
    assert response.status_code == expected


def test_done_when_a_requester_typing_with_a_typo_sees_the_password_article(client, world, demo_kb):
    client.force_login(world.requester_a)
    response = client.get(reverse("kb:suggest"), {"title": "mot de pase oublié"})
    assert response.context["hits"][0].key == "mot-de-passe-oublie"
    assert "Mot de passe oublié" in response.content.decode()


def test_opening_a_suggestion_records_a_deflection_for_requesters_only(client, world, scene):
    url = reverse("kb:article", args=[scene["public"].slug])
    client.force_login(world.requester_a)
    assert client.get(url, {"from": "suggest", "q": "zeppelin"}).status_code == 200
    client.force_login(world.agent_a)
    client.get(url, {"from": "suggest"})
    [deflection] = Deflection.objects.all()
    assert (deflection.user, deflection.query, deflection.converted_ticket) == (
        world.requester_a,
        "zeppelin",
        None,
    )
    scene["public"].refresh_from_db()
    assert scene["public"].view_count == 2


@pytest.mark.parametrize("role", ROLES)
def test_reading_an_agents_only_article(client, world, scene, role):
    client.force_login(world.person(role))
    response = client.get(reverse("kb:article", args=[scene["internal"].slug]))
    assert response.status_code == (200 if role in STAFF else 404)


def test_feedback_from_the_page(client, world, scene):
    client.force_login(world.requester_a)
    url = reverse("kb:feedback", args=[scene["public"].slug])
    response = client.post(url, {"is_helpful": "0", "comment": "Pas clair"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    scene["public"].refresh_from_db()
    assert scene["public"].not_helpful_count == 1


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_are_for_staff(client, world, scene, role):
    client.force_login(world.person(role))
    for name, args in (("manage", []), ("review", []), ("stale", []), ("create", []),
                       ("edit", [scene["public"].slug]), ("history", [scene["public"].slug])):  # fmt: skip
        assert client.get(reverse(f"kb:{name}", args=args)).status_code == (200 if role in STAFF else 403)


@pytest.mark.parametrize("role", ["requester_a", "manager_a"])
def test_a_denied_create_changes_nothing(client, world, role):
    client.force_login(world.person(role))
    response = client.post(
        reverse("kb:create"), {"title": "X", "body": "Y", "language": "fr", "visibility": "everyone"}
    )
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_the_editor_writes_an_article_and_its_history_shows_the_diff(client, world):
    client.force_login(world.agent_a)
    data = {"title": "Écran noir", "body": "Vérifiez le câble.", "language": "fr", "visibility": "everyone",
            "tags": "ecran, cable"}  # fmt: skip
    response = client.post(reverse("kb:create"), data)
    article = Article.objects.get()
    assert response.status_code == 302
    data.update(body="Vérifiez le câble HDMI.", note="HDMI")
    client.post(reverse("kb:edit", args=[article.slug]), data)
    history = client.get(reverse("kb:history", args=[article.slug])).content.decode()
    assert "+Vérifiez le câble HDMI." in history
    client.post(reverse("kb:change_state", args=[article.slug, "submit"]))
    client.post(reverse("kb:change_state", args=[article.slug, "approve"]))  # the author: refused
    article.refresh_from_db()
    assert article.state == "in_review"


def test_the_editor_links_a_translation_related_articles_and_uploads_an_image(client, world):
    client.force_login(world.agent_a)
    base = {"body": "Redémarrez.", "visibility": "everyone"}
    client.post(reverse("kb:create"), {**base, "title": "Imprimante", "language": "fr"})
    french = Article.objects.get(title="Imprimante")
    client.post(reverse("kb:create"), {**base, "title": "VPN", "language": "fr"})
    vpn = Article.objects.get(title="VPN")
    image = SimpleUploadedFile("schema.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")

    response = client.post(
        reverse("kb:create"),
        {**base, "title": "Printer", "language": "en", "translation_of": french.pk, "related": [vpn.pk],
         "attachments": [image]},
    )  # fmt: skip

    assert response.status_code == 302
    english = Article.objects.get(title="Printer")
    assert english.translation_group == french.translation_group
    assert list(english.related.all()) == [vpn]
    assert list(english.attachments.values_list("filename", "content_type")) == [("schema.png", "image/png")]


def test_a_french_editor_keeps_the_review_date_when_saving(client, world):
    """The date picker needs an ISO value: in French the locale's "01/03/2027" left it empty, and saving
    the article wiped its review date."""
    world.agent_a.language = "fr"
    world.agent_a.save()
    client.force_login(world.agent_a)
    data = {"title": "Écran noir", "body": "Vérifiez le câble.", "language": "fr", "visibility": "everyone",
            "review_by": "2027-03-01"}  # fmt: skip
    client.post(reverse("kb:create"), data)
    article = Article.objects.get()

    page = client.get(reverse("kb:edit", args=[article.slug])).content.decode()
    shown = page[page.index('name="review_by"') - 200 : page.index('name="review_by"') + 200]
    assert 'value="2027-03-01"' in shown
    client.post(reverse("kb:edit", args=[article.slug]), {**data, "body": "Vérifiez le câble HDMI."})

    article.refresh_from_db()
    assert str(article.review_by) == "2027-03-01"
