"""The satisfaction survey reached from the e-mail's signed link (/survey/<token>/): no sign-in, and
only that ticket's survey is reachable with it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.reports.models import Survey
from escalade.reports.surveys import BAD_SCORE, survey_answer, survey_from_token
from escalade.tickets.choices import State
from escalade.tickets.services import ticket_reopen


def _survey(token: str) -> Survey:
    survey = survey_from_token(token)
    if survey is None:
        raise Http404(_("This link is not valid or has expired."))
    return survey


def _actor(survey: Survey) -> Actor:
    return Actor.channel("survey", user=survey.ticket.requester)


@require_GET
def survey_score(request: HttpRequest, token: str, score: int) -> HttpResponse:
    """The one click from the e-mail: records the score, then offers a comment."""
    survey = _survey(token)
    try:
        survey_answer(actor=_actor(survey), survey=survey, score=score)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("reports:survey", token=token)


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The survey: the five scores, the comment, the current answer; after a bad score, reopening."""
    found = _survey(token)
    if request.method == "POST":
        score = request.POST.get("score", "")
        try:
            survey_answer(
                actor=_actor(found), survey=found, score=int(score) if score.isdigit() else found.score or 0,
                comment=request.POST.get("comment", ""),
            )  # fmt: skip
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you: your answer is recorded."))
        return redirect("reports:survey", token=token)
    context = {
        "survey": found, "ticket": found.ticket, "token": token, "scores": Survey.Score.choices,
        "offer_reopen": (found.score or BAD_SCORE + 1) <= BAD_SCORE and found.ticket.state == State.RESOLVED,
    }  # fmt: skip
    language = found.ticket.requester.language if found.ticket.requester.language in {"fr", "en"} else None
    with translation.override(language or translation.get_language()):
        response = render(request, "reports/survey.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response


@require_POST
def survey_reopen(request: HttpRequest, token: str) -> HttpResponse:
    """Reopen the ticket from the survey (after a bad score), as its requester."""
    found = _survey(token)
    try:
        ticket_reopen(
            actor=_actor(found),
            ticket=found.ticket,
            reason=request.POST.get("reason", "").strip() or _("Not solved (satisfaction survey)"),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request is open again: the desk will get back to you."))
    return redirect("reports:survey", token=token)
