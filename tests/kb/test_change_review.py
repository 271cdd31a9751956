"""Level-1 agents' edits of a published article do not go live: they wait as proposed revisions that an
L2/L3 agent or a supervisor approves or rejects (with events); the published text stays until then.
The French editor keeps the review date of a published article."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from escalade.core.actors import Actor
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.models import Event
from escalade.kb import services
from escalade.kb.models import Article, RevisionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world, levels):
    article = services.article_create(
        actor=Actor.of(levels["l2_agent"]),
        author=levels["l2_agent"],
        title="Imprimante",
        body="Redémarrez-la.",
    )
    services.article_submit_for_review(actor=Actor.of(levels["l2_agent"]), article=article)
    return services.article_approve(
        actor=Actor.of(world.supervisor), article=article, review_by=dt.date(2027, 3, 1)
    )


def _actions(article):
    content_type = ContentType.objects.get_for_model(Article)
    events = Event.objects.filter(content_type=content_type, object_id=article.pk).order_by("id")
    return [
        action for action in events.values_list("action", flat=True) if action.startswith("article.change")
    ]


def test_a_level_1_edit_waits_for_review_and_goes_live_when_approved(world, levels, published):
    services.article_update(
        actor=Actor.of(world.agent_a),
        article=published,
        values={"body": "Éteignez-la 30 s."},
        note="plus sûr",
    )
    published.refresh_from_db()
    assert published.body == "Redémarrez-la."  # readers still get the published text
    proposal = published.revisions.get(status=RevisionStatus.PROPOSED)
    assert (proposal.author, proposal.body, proposal.note) == (world.agent_a, "Éteignez-la 30 s.", "plus sûr")

    with pytest.raises(PermissionDeniedError):  # another level-1 agent does not review
        services.article_change_approve(actor=Actor.of(world.agent_b), revision=proposal)
    services.article_change_approve(actor=Actor.of(levels["l2_agent"]), revision=proposal)

    published.refresh_from_db()
    proposal.refresh_from_db()
    assert published.body == "Éteignez-la 30 s."
    assert (proposal.status, proposal.decided_by) == (RevisionStatus.APPLIED, levels["l2_agent"])
    assert _actions(published) == ["article.change_proposed", "article.change_approved"]


def test_a_rejected_change_never_goes_live_and_says_why(world, levels, published):
    revision = services.article_change_propose(
        actor=Actor.of(world.agent_a), article=published, title="Imprimante", body="Jetez-la."
    )
    with pytest.raises(PermissionDeniedError):  # not by its author
        services.article_change_reject(actor=Actor.of(world.agent_a), revision=revision, reason="x")
    with pytest.raises(ValidationFailed):
        services.article_change_reject(actor=Actor.of(world.supervisor), revision=revision, reason=" ")
    services.article_change_reject(actor=Actor.of(world.supervisor), revision=revision, reason="Trop radical")

    published.refresh_from_db()
    revision.refresh_from_db()
    assert published.body == "Redémarrez-la."
    assert (revision.status, revision.decision_reason) == (RevisionStatus.REJECTED, "Trop radical")
    assert _actions(published) == ["article.change_proposed", "article.change_rejected"]


def test_level_2_edits_and_drafts_go_live_at_once(world, levels, published):
    services.article_update(actor=Actor.of(levels["l2_agent"]), article=published, values={"body": "Vu."})
    published.refresh_from_db()
    assert published.body == "Vu."
    draft = services.article_create(
        actor=Actor.of(world.agent_a), author=world.agent_a, title="VPN", body="a"
    )
    services.article_update(actor=Actor.of(world.agent_a), article=draft, values={"body": "b"})
    draft.refresh_from_db()
    assert draft.body == "b"  # a draft is not live: the review happens when it is submitted


def test_the_review_page_lists_proposals_for_reviewers_who_decide_there(client, world, levels, published):
    client.force_login(world.agent_a)
    response = client.post(
        reverse("kb:edit", args=[published.slug]),
        {
            "title": "Imprimante",
            "body": "Éteignez-la 30 s.",
            "visibility": "everyone",
            "review_by": "2027-03-01",
        },
    )
    assert response.status_code == 302
    assert "Éteignez-la" not in client.get(reverse("kb:review")).content.decode()  # not a reviewer
    revision = published.revisions.get(status=RevisionStatus.PROPOSED)

    client.force_login(levels["l2_agent"])
    page = client.get(reverse("kb:review")).content.decode()
    assert "+Éteignez-la 30 s." in page
    client.post(reverse("kb:change_decide", args=[published.slug, revision.number, "approve"]))
    published.refresh_from_db()
    assert published.body == "Éteignez-la 30 s."


def test_a_french_reviewer_keeps_the_review_date_of_a_published_article(client, world, levels, published):
    levels["l2_agent"].language = "fr"
    levels["l2_agent"].save()
    client.force_login(levels["l2_agent"])
    page = client.get(reverse("kb:edit", args=[published.slug])).content.decode()
    field = page[page.index('name="review_by"') - 200 : page.index('name="review_by"') + 200]
    assert 'value="2027-03-01"' in field
    client.post(
        reverse("kb:edit", args=[published.slug]),
        {
            "title": "Imprimante",
            "body": "Redémarrez-la vite.",
            "visibility": "everyone",
            "review_by": "2027-03-01",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    published.refresh_from_db()
    assert (published.body, published.review_by) == ("Redémarrez-la vite.", dt.date(2027, 3, 1))
