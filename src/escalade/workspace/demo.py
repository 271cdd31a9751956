"""Demo data for the desk: shared macros in French and English, and a Monday-morning rush of calls
and portal requests (many new and unassigned, a few phone calls logged), written through the services."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from escalade.accounts.models import Team, User
from escalade.core.actors import Actor
from escalade.tickets import services as tickets
from escalade.tickets.choices import Channel
from escalade.tickets.models import Category
from escalade.workspace.models import Macro
from escalade.workspace.services import macro_save, phone_call_log

if TYPE_CHECKING:
    from escalade.demo import DemoContext

STAFF = "escalade-it.example"
# (name, language, body, state, tags)
MACROS = [
    ("Prise en charge", "fr", "Bonjour {{requester_first_name}},\n\nNous avons bien reçu votre demande {{reference}} et nous nous en occupons.\n\n{{agent_name}} — Hotline N1", "in_progress", ["pris-en-charge"]),
    ("Demande de capture d'écran", "fr", "Bonjour {{requester_first_name}},\n\nPourriez-vous nous envoyer une capture d'écran du message d'erreur ?\n\n{{agent_name}}", "pending_requester", []),
    ("Mot de passe réinitialisé", "fr", "Bonjour {{requester_first_name}},\n\nVotre mot de passe a été réinitialisé : un lien vous a été envoyé par SMS.\n\n{{agent_name}}", "", ["mot-de-passe"]),
    ("Acknowledge", "en", "Hello {{requester_first_name}},\n\nWe have received {{reference}} and are working on it.\n\n{{agent_name}} — Service desk", "in_progress", ["acknowledged"]),
    ("Ask for a screenshot", "en", "Hello {{requester_first_name}},\n\nCould you send us a screenshot of the error message?\n\n{{agent_name}}", "pending_requester", []),
]  # fmt: skip
# (requester e-mail local part @ organisation domain, category name (fr), title, channel, minutes after 8:00, impact, urgency)
MONDAY = [
    ("paul.garnier", "Mot de passe oublié", "Session Windows verrouillée après le week-end", Channel.PHONE, 2, 3, 1),
    ("lea.bonnet", "Imprimantes", "Le ticket de caisse ne s'imprime plus (boutique Bellecour)", Channel.PHONE, 5, 2, 1),
    ("antoine.chevalier", "Réseau et VPN", "Le scanner de l'entrepôt ne se connecte plus au Wi-Fi", Channel.PHONE, 9, 2, 2),
    ("hugo.fontaine", "Messagerie (Outlook)", "Plus de mails depuis vendredi soir", Channel.EMAIL, 12, 3, 2),
    ("chloe.mercier", "Comptes et accès", "Arrivée d'un apprenti lundi prochain", Channel.PORTAL, 15, 3, 3),
    ("amelie.roux", "Compte bloqué", "Compte caisse bloqué, ouverture à 9h", Channel.PHONE, 18, 2, 1),
    ("manon.lambert", "Poste de travail", "Mise à jour de Sage Paie avant la paie", Channel.PORTAL, 22, 3, 2),
    ("julien.faure", "Réseau et VPN", "VPN lent depuis le domicile", Channel.EMAIL, 27, 3, 3),
    ("sarah.andre", "Téléphonie", "Mon poste fixe sonne dans le vide", Channel.PHONE, 31, 3, 2),
    ("maxime.perrin", "Poste de travail", "La balance connectée n'envoie plus les pesées", Channel.PHONE, 36, 2, 2),
    ("ines.robin", "Droits d'accès", "Accès au nouveau tableau de bord des ventes", Channel.PORTAL, 44, 3, 3),
    ("james.hall", "Messagerie (Outlook)", "Out-of-office stuck since my holiday", Channel.EMAIL, 47, 3, 3),
    ("nicolas.blanc", "Imprimantes", "Bourrage papier permanent à l'atelier", Channel.PORTAL, 53, 3, 2),
]  # fmt: skip


def load(context: DemoContext) -> None:
    """Macros shared with the L1 team, then the Monday-morning rush (skipped when already loaded)."""
    if Macro.objects.exists():
        return
    team = Team.objects.filter(support_level=1).order_by("name").first()
    julie = User.objects.filter(email=f"l1.julie@{STAFF}").first()
    if team is None or julie is None:
        return
    actor = Actor.of(julie)
    for name, language, body, state, tags in MACROS:
        macro_save(
            actor=actor, name=name, language=language, body=body, team=team, set_state=state, add_tags=tags
        )
    _monday(actor)


def _monday(agent: Actor) -> None:
    from escalade.demo import travel  # noqa: PLC0415

    now = timezone.localtime()
    monday = (now - dt.timedelta(days=now.weekday())).replace(hour=8, minute=0, second=0, microsecond=0)
    start = monday if monday + dt.timedelta(hours=1) < now else now - dt.timedelta(hours=1)
    for local, category_name, title, channel, minutes, impact, urgency in MONDAY:
        requester = User.objects.filter(email__startswith=f"{local}@").first()
        if requester is None:
            continue
        category = Category.objects.filter(name_fr=category_name).first()
        moment = start + dt.timedelta(minutes=minutes)
        with travel(moment):
            if channel == Channel.PHONE:
                phone_call_log(
                    actor=agent, caller=requester, started_at=moment, duration_seconds=90 + minutes * 7,
                    title=title, category=category, impact=impact, urgency=urgency,
                )  # fmt: skip
            else:
                tickets.ticket_create(
                    actor=Actor.channel(channel, user=requester), requester=requester, title=title,
                    category=category, channel=channel, impact=impact, urgency=urgency,
                )  # fmt: skip
