"""Demo automation: VIP routing, the pending-requester reminder and its follow-up, the unassigned-P1
alert (the auto-close time automation is seeded by migration 0002). Idempotent: looked up by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalade.accounts.models import Team
from escalade.automation.models import Rule, TimeRule
from escalade.automation.services import rule_save, time_rule_save
from escalade.tickets.choices import State

if TYPE_CHECKING:
    from escalade.demo import DemoContext

VIP = "Routage VIP / VIP routing"
REMINDER = "Relance du demandeur après 3 jours ouvrés / Requester reminder after 3 business days"
NO_ANSWER = "Sans réponse après 7 jours ouvrés : résolu / No answer after 7 business days: resolved"
UNASSIGNED_P1 = "P1 non assigné depuis 10 minutes / Unassigned P1 for 10 minutes"

REMINDER_TEXT = (
    "Bonjour {{ requester.first_name }},\n\nNous attendons votre retour sur {{ ticket.reference }} "
    "(« {{ ticket.title }} »). Pouvez-vous nous dire où vous en êtes ?\n\n"
    "Hello {{ requester.first_name }},\n\nWe are waiting for your answer on {{ ticket.reference }}. "
    "Could you let us know how things stand?\n\n— {{ team.name }}"
)
NO_ANSWER_TEXT = (
    "Sans nouvelles de votre part depuis 7 jours ouvrés, nous considérons la demande résolue ; répondez "
    "à ce message pour la rouvrir. / No answer for 7 business days: we consider the request solved; "
    "reply to reopen it."
)


def _action(kind: str, value: str = "", text: str = "") -> dict[str, object]:
    return {"type": kind, "params": {"value": value, "text": text}}


def load(context: DemoContext) -> None:
    """The demo's rules and time automations (skipped when already there)."""
    l2 = Team.objects.filter(support_level=2, is_active=True).order_by("name").first()
    if l2 is not None and not Rule.objects.filter(name=VIP).exists():
        rule_save(
            actor=context.actor, name=VIP, triggers=["created"],
            conditions={"match": "any", "items": [
                {"field": "tags", "operator": "contains", "value": "vip"},
                {"field": "requester.job_title", "operator": "matches", "value": r"^(direct|director|ceo|pdg)"},
            ]},
            actions=[
                _action("set_priority", "2"), _action("set_team", str(l2.pk)),
                _action("add_note", text="Demande VIP : routée vers le N2. / VIP request: routed to L2."),
            ],
        )  # fmt: skip
    timed = [
        (REMINDER, State.PENDING_REQUESTER, 3, "days", True, None, False, [_action("send_reply", text=REMINDER_TEXT)]),
        (NO_ANSWER, State.PENDING_REQUESTER, 7, "days", True, None, False, [_action("resolve", text=NO_ANSWER_TEXT)]),
        (UNASSIGNED_P1, State.NEW, 10, "minutes", False, 1, True,
         [_action("notify", "supervisors", "P1 sans agent depuis 10 minutes / P1 unassigned for 10 minutes")]),
    ]  # fmt: skip
    for name, state, after, unit, business, priority, unassigned, actions in timed:
        if not TimeRule.objects.filter(name=name).exists():
            time_rule_save(
                actor=context.actor, name=name, state=state, after=after, unit=unit, is_business_time=business,
                priority=priority, is_unassigned_only=unassigned, actions=actions,
            )  # fmt: skip
