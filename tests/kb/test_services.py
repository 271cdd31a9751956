"""Knowledge base rules: revisions and diffs, review by someone else, visibility, feedback, views,
articles from tickets, "solved with", stale articles and deflections."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from escalade import authz
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.models import Event
from escalade.kb import selectors, services
from escalade.kb.models import Article, ArticleVisibility, Deflection, TicketArticle
from escalade.tickets import services as tickets

pytestmark = pytest.mark.django_db


def _draft(world, **fields):
    fields.setdefault("title", "Imprimante")
    fields.setdefault("body", "Redémarrez-la.")
    return services.article_create(actor=Actor.of(world.agent_a), author=world.agent_a, **fields)


def _events(article):
    content_type = ContentType.objects.get_for_model(Article)
    return list(
        Event.objects.filter(content_type=content_type, object_id=article.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_every_edit_of_title_or_body_is_a_revision_with_a_readable_diff(world):
    article = _draft(world)
    services.article_update(actor=Actor.of(world.agent_b), article=article,
                            values={"body": "Redémarrez-la puis réessayez."}, note="précision")  # fmt: skip
    services.article_update(
        actor=Actor.of(world.agent_b), article=article, values={"review_by": dt.date(2027, 1, 1)}
    )
    first, second = article.revisions.order_by("number")
    assert (first.number, first.author, second.number, second.author) == (1, world.agent_a, 2, world.agent_b)
    assert second.note == "précision"
    diff = second.diff(first)
    assert "-Redémarrez-la." in diff
    assert "+Redémarrez-la puis réessayez." in diff
    assert _events(article) == ["article.created", "article.updated", "article.updated"]


def test_requesters_cannot_write_articles(world):
    with pytest.raises(PermissionDeniedError):
        services.article_create(
            actor=Actor.of(world.requester_a), author=world.requester_a, title="x", body="y"
        )
    assert not Article.objects.exists()


def test_the_author_cannot_approve_their_own_article(world):
    article = _draft(world)
    services.article_submit_for_review(actor=Actor.of(world.agent_a), article=article)
    with pytest.raises(PermissionDeniedError):
        services.article_approve(actor=Actor.of(world.agent_a), article=article)
    article.refresh_from_db()
    assert article.state == "in_review"
    published = services.article_approve(actor=Actor.of(world.supervisor), article=article)
    assert (published.state, published.reviewer) == ("published", world.supervisor)
    assert published.review_by is not None


def test_only_an_article_in_review_can_be_approved(world):
    with pytest.raises(ConflictError):
        services.article_approve(actor=Actor.of(world.supervisor), article=_draft(world))


def test_an_archived_article_cannot_be_edited(world):
    article = services.article_archive(actor=Actor.of(world.agent_a), article=_draft(world))
    with pytest.raises(ConflictError):
        services.article_update(actor=Actor.of(world.agent_a), article=article, values={"title": "Autre"})


def test_translations_are_linked_and_one_per_language(world):
    french = _draft(world)
    english = _draft(world, title="Printer", body="Restart it.", language="en", translation_of=french)
    assert english.translation_group == french.translation_group
    with pytest.raises(ValidationFailed):
        _draft(world, title="Printer 2", body="Again.", language="en", translation_of=french)


def _published(world, **fields):
    article = _draft(world, **fields)
    services.article_submit_for_review(actor=Actor.of(world.agent_a), article=article)
    return services.article_approve(actor=Actor.of(world.supervisor), article=article)


@pytest.mark.parametrize(
    ("role", "visible"),
    [("requester_a", {"everyone"}), ("manager_b", {"everyone", "org_b"}),
     ("requester_b", {"everyone", "org_b"}), ("agent_a", {"everyone", "agents", "org_b", "draft"}),
     ("supervisor", {"everyone", "agents", "org_b", "draft"})],
)  # fmt: skip
def test_visibility_rules(world, role, visible):
    made = {
        "everyone": _published(world, title="Pour tous"),
        "agents": _published(world, title="Interne", visibility=ArticleVisibility.AGENTS),
        "org_b": _published(world, title="Client B", visibility=ArticleVisibility.ORGANISATIONS,
                            organisations=[world.client_b]),
        "draft": _draft(world, title="Brouillon"),
    }  # fmt: skip
    seen = set(authz.articles_visible_to(world.person(role)).values_list("pk", flat=True))
    assert seen == {made[name].pk for name in visible}


def test_feedback_is_one_answer_per_person_and_counts_follow(world):
    article = _published(world)
    services.feedback_give(article=article, user=world.requester_a, is_helpful=True)
    services.feedback_give(article=article, user=world.requester_b, is_helpful=True)
    services.feedback_give(
        article=article, user=world.requester_a, is_helpful=False, comment="Toujours bloqué"
    )
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count, article.feedback.count()) == (1, 1, 2)


def test_views_are_counted(world):
    article = _published(world)
    services.article_viewed(article=article)
    services.article_viewed(article=article)
    article.refresh_from_db()
    assert article.view_count == 2


def test_a_resolved_ticket_becomes_a_prefilled_draft(world, make_ticket):
    ticket = make_ticket(title="VPN bloqué à l'hôtel", description="Le client VPN tourne en boucle.")
    tickets.ticket_resolve(actor=Actor.of(world.agent_a), ticket=ticket, resolution_code="solved",
                           solution="Partage de connexion depuis le téléphone.")  # fmt: skip
    article = services.article_from_ticket(actor=Actor.of(world.agent_a), ticket=ticket)
    assert (article.state, article.title, article.visibility) == ("draft", "VPN bloqué à l'hôtel", "agents")
    assert "Le client VPN tourne en boucle." in article.body
    assert "Partage de connexion depuis le téléphone." in article.body


def test_an_open_ticket_cannot_become_an_article(world, make_ticket):
    with pytest.raises(ConflictError):
        services.article_from_ticket(actor=Actor.of(world.agent_a), ticket=make_ticket())
    assert not Article.objects.exists()


def test_an_agent_who_does_not_serve_the_ticket_cannot_draft_from_it(world, make_ticket):
    ticket = make_ticket()
    tickets.ticket_resolve(actor=Actor.system("t"), ticket=ticket, resolution_code="solved", solution="Ok")
    with pytest.raises(PermissionDeniedError):
        services.article_from_ticket(actor=Actor.of(world.agent_b), ticket=ticket)


def test_solved_with_links_once_and_records_an_event(world, make_ticket):
    ticket, article = make_ticket(), _published(world)
    services.ticket_solved_with(actor=Actor.of(world.agent_a), ticket=ticket, article=article)
    services.ticket_solved_with(actor=Actor.of(world.agent_a), ticket=ticket, article=article)
    assert TicketArticle.objects.filter(ticket=ticket, article=article).count() == 1
    actions = Event.objects.filter(object_id=ticket.pk, action="ticket.solved_with")
    assert actions.count() == 1
    with pytest.raises(PermissionDeniedError):
        services.ticket_solved_with(actor=Actor.of(world.requester_a), ticket=ticket, article=article)


def test_stale_articles_are_those_past_their_review_date_or_untouched(world):
    fresh = _published(world, title="Frais")
    overdue = _published(world, title="En retard")
    Article.objects.filter(pk=overdue.pk).update(review_by=dt.date(2020, 1, 1))
    old = _published(world, title="Ancien")
    Article.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=400))
    assert set(selectors.stale_articles()) == {overdue, old}
    assert fresh not in selectors.stale_articles()


def test_deflections_are_suggestions_opened_without_a_ticket_in_the_window(world, make_ticket):
    article = _published(world)
    now = timezone.now()
    opened_long_ago = services.deflection_record(article=article, user=world.requester_a, session_key="s1")
    converted = services.deflection_record(article=article, user=world.requester_b, session_key="s2")
    services.deflection_convert(session_key="s2", ticket=make_ticket(requester=world.requester_b))
    Deflection.objects.update(created_at=now - dt.timedelta(hours=1))
    assert selectors.deflection_count(since=now - dt.timedelta(days=1)) == 1
    converted.refresh_from_db()
    opened_long_ago.refresh_from_db()
    assert converted.converted_ticket is not None
    assert opened_long_ago.converted_ticket is None


def test_a_ticket_logged_after_the_window_does_not_undo_a_deflection(world, make_ticket):
    article = _published(world)
    deflection = services.deflection_record(article=article, user=world.requester_a, session_key="s1")
    Deflection.objects.update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert services.deflection_convert(session_key="s1", ticket=make_ticket()) == 0
    deflection.refresh_from_db()
    assert deflection.converted_ticket is None
