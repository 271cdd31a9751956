"""Demo categories (a bilingual tree with custom fields) and tickets in every state, some near breach."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from escalade.accounts.models import Team, User
from escalade.core.actors import Actor
from escalade.sla.businesstime import business_time_between, next_working_instant
from escalade.sla.services import sla_sweep
from escalade.tickets import services
from escalade.tickets.choices import Channel, FieldType, Kind, State
from escalade.tickets.models import Category, CategoryField, Ticket

if TYPE_CHECKING:
    from escalade.demo import DemoContext

# key: (parent key, French name, English name, default kind)
CATEGORIES = {
    "accounts": ("", "Comptes et accès", "Accounts and access", Kind.REQUEST),
    "accounts.password": ("accounts", "Mot de passe oublié", "Forgotten password", Kind.REQUEST),
    "accounts.locked": ("accounts", "Compte bloqué", "Locked account", Kind.INCIDENT),
    "accounts.rights": ("accounts", "Droits d'accès", "Access rights", Kind.REQUEST),
    "workstation": ("", "Poste de travail", "Workstation", Kind.INCIDENT),
    "workstation.hardware": ("workstation", "Panne matérielle", "Hardware failure", Kind.INCIDENT),
    "workstation.software": (
        "workstation",
        "Installation de logiciel",
        "Software installation",
        Kind.REQUEST,
    ),
    "email": ("", "Messagerie (Outlook)", "E-mail (Outlook)", Kind.INCIDENT),
    "printers": ("", "Imprimantes", "Printers", Kind.INCIDENT),
    "network": ("", "Réseau et VPN", "Network and VPN", Kind.INCIDENT),
    "telephony": ("", "Téléphonie", "Telephony", Kind.INCIDENT),
    "onboarding": ("", "Nouvel arrivant", "New starter", Kind.REQUEST),
}
FIELDS = [
    ("workstation.hardware", "asset_tag", "N° d'inventaire", "Asset tag", FieldType.TEXT, True, []),
    ("workstation.software", "software", "Logiciel", "Software", FieldType.CHOICE, True,
     ["Microsoft 365", "Adobe Acrobat", "Sage Paie", "SAP GUI", "Autre / Other"]),
    ("onboarding", "start_date", "Date d'arrivée", "Start date", FieldType.DATE, True, []),
    ("onboarding", "department", "Service", "Department", FieldType.TEXT, False, []),
]  # fmt: skip


def load_categories(context: DemoContext) -> None:
    made: dict[str, Category] = {}
    for key, (parent, name_fr, name_en, kind) in CATEGORIES.items():
        made[key] = Category.objects.get_or_create(
            name_fr=name_fr, defaults={"name_en": name_en, "parent": made.get(parent), "default_kind": kind}
        )[0]
    for key, field_key, label_fr, label_en, field_type, required, choices in FIELDS:
        CategoryField.objects.get_or_create(
            category=made[key], key=field_key,
            defaults={"label_fr": label_fr, "label_en": label_en, "field_type": field_type,
                      "is_required": required, "choices": choices},
        )  # fmt: skip
    context.objects["categories"] = made


@dataclass(frozen=True)
class Scenario:
    requester: str
    category: str
    title: str
    description: str
    impact: int = 3
    urgency: int = 2
    channel: str = Channel.PORTAL
    story: str = "new"  # what happens after creation (see _play)
    age_hours: float = 1.0  # wall-clock hours before now
    custom_fields: tuple[tuple[str, object], ...] = ()


L = "lemoine-boulangeries.example"
N = "northwind.example"
SCENARIOS = [
    Scenario(f"paul.garnier@{L}", "accounts.password", "Mot de passe oublié après les congés",
             "Je n'arrive plus à me connecter à ma session Windows depuis mon retour.", 3, 1, Channel.PHONE,
             "resolved_kb", 30),
    Scenario(f"amelie.roux@{L}", "accounts.locked", "Compte bloqué sur la caisse de la boutique Croix-Rousse",
             "Message « compte verrouillé » à l'ouverture, la boutique ouvre à 7h.", 2, 1, Channel.PHONE,
             "in_progress", 0.5),
    Scenario(f"hugo.fontaine@{L}", "printers", "L'imprimante de l'atelier imprime des pages blanches",
             "L'imprimante HP de l'atelier sort des pages blanches depuis ce matin.", 2, 2, Channel.EMAIL,
             "assigned", 2),
    Scenario(f"chloe.mercier@{L}", "onboarding", "Arrivée de Lucie Perrot (RH) le 1er décembre",
             "Merci de préparer le poste, le compte et l'accès au logiciel de paie.", 3, 3, Channel.PORTAL,
             "pending_requester", 26, (("start_date", "2026-12-01"), ("department", "RH"))),
    Scenario(f"nicolas.blanc@{L}", "workstation.hardware", "Écran du poste de fabrication qui clignote",
             "L'écran clignote puis s'éteint au bout de quelques minutes.", 3, 2, Channel.PHONE,
             "pending_third_party", 50, (("asset_tag", "LEM-PC-0142"),)),
    Scenario(f"manon.lambert@{L}", "workstation.software", "Installer Sage Paie sur le nouveau portable",
             "Besoin de Sage Paie avant la clôture de fin de mois.", 3, 2, Channel.PORTAL, "escalated_l2", 5,
             (("software", "Sage Paie"),)),
    Scenario(f"julien.faure@{L}", "network", "VPN impossible depuis l'hôtel à Marseille",
             "Le client VPN reste sur « connexion en cours ».", 2, 1, Channel.PHONE, "out_of_contract", 3),
    Scenario(f"sarah.andre@{L}", "email", "Outlook demande le mot de passe en boucle",
             "Depuis la mise à jour, Outlook redemande le mot de passe toutes les 5 minutes.", 3, 2,
             Channel.EMAIL, "breached", 120),
    Scenario(f"ines.robin@{L}", "accounts.rights", "Accès au dossier partagé Contrôle de gestion",
             "J'ai besoin d'un accès en écriture au dossier \\\\srv-fichiers\\cdg.", 3, 3, Channel.PORTAL,
             "closed", 200),
    Scenario(f"maxime.perrin@{L}", "printers", "Imprimante d'étiquettes hors service au laboratoire",
             "Plus aucune étiquette de traçabilité ne sort, la production est bloquée.", 1, 1, Channel.PHONE,
             "near_breach", 0),
    Scenario(f"james.hall@{L}", "email", "Shared mailbox missing in Outlook",
             "The export@ mailbox disappeared from my Outlook this morning.", 3, 2, Channel.EMAIL, "new", 0.3),
    Scenario(f"oliver.smith@{N}", "accounts.password", "Password expired while travelling",
             "My password expired and I cannot reach the VPN to change it.", 3, 1, Channel.PHONE, "resolved", 6),
    Scenario(f"amelia.jones@{N}", "workstation.software", "Customs software licence renewal",
             "The licence for the customs declaration tool expires on Friday.", 2, 2, Channel.PORTAL,
             "escalated_l3", 28, (("software", "Autre / Other"),)),
    Scenario(f"harry.brown@{N}", "network", "Warehouse Wi-Fi drops every hour",
             "Handheld scanners lose the Wi-Fi in bay 4 about once an hour.", 1, 2, Channel.PHONE, "breached", 72),
    Scenario(f"isla.taylor@{N}", "email", "Invoices from a supplier land in junk",
             "All e-mails from our fuel supplier go to the junk folder.", 3, 3, Channel.EMAIL, "assigned", 4),
    Scenario(f"george.davies@{N}", "telephony", "Desk phone shows 'no service'",
             "My desk phone has shown 'no service' since the power cut.", 3, 2, Channel.PORTAL, "new", 0.1),
    Scenario(f"mia.evans@{N}", "onboarding", "New starter: Daniel Ward, Sales",
             "Daniel starts on Monday in the Manchester office.", 3, 3, Channel.PORTAL, "in_progress", 20,
             (("start_date", "2026-11-30"), ("department", "Sales"))),
    Scenario(f"camille.petit@{N}", "accounts.locked", "Compte bloqué après trois essais",
             "Je me suis trompée de mot de passe, mon compte est verrouillé.", 3, 1, Channel.PHONE, "reopened", 10),
    Scenario(f"jack.wright@{N}", "workstation.hardware", "Laptop battery swollen",
             "The laptop no longer closes; the battery looks swollen.", 2, 1, Channel.PHONE, "near_breach", 0,
             (("asset_tag", "NW-LT-2231"),)),
    Scenario(f"ava.walker@{N}", "printers", "Reception printer out of toner",
             "Toner is empty, a replacement is in the cupboard but I don't know how to fit it.", 3, 3,
             Channel.PORTAL, "closed", 90),
    Scenario(f"manon.lambert@{L}", "accounts.rights", "Droits perdus sur l'application de planning",
             "Depuis lundi je ne peux plus modifier le planning de l'atelier.", 3, 2, Channel.PHONE,
             "handed_back", 7),
]  # fmt: skip

STAFF = "escalade-it.example"


def _staff(local: str) -> Actor:
    return Actor.of(User.objects.get(email=f"{local}@{STAFF}"))


def _within_support_hours(requester: User, moment: dt.datetime) -> dt.datetime:
    """Step back to a moment inside the requester's contract hours, so demo calls look like a working day."""
    contract = requester.organisation.contracts.filter(ends_on__isnull=True).first() or (
        requester.organisation.contracts.order_by("-starts_on").first()
    )
    if contract is None:
        return moment
    calendar = contract.support_calendar.working_calendar(years=range(moment.year - 1, moment.year + 1))
    for _ in range(2_000):  # bounded: 2,000 × 15 min ≈ 3 weeks back
        if next_working_instant(calendar=calendar, moment=moment) == moment:
            break
        moment -= dt.timedelta(minutes=15)
    return moment


def _near_breach_start(ticket_priority: int, now: dt.datetime) -> dt.datetime:
    """A creation time at which ~85 % of the resolution target has elapsed by ``now`` (business time)."""
    from escalade.sla.models import SlaPolicy  # noqa: PLC0415

    policy = SlaPolicy.objects.get(is_default=True)
    target = dt.timedelta(minutes=policy.targets.get(priority=ticket_priority).resolution_minutes) * 0.85
    calendar = policy.calendar.working_calendar(years=range(now.year - 1, now.year + 1))
    start = now
    for _ in range(2_000):  # bounded: 2,000 × 15 min ≈ 3 weeks back
        if business_time_between(calendar=calendar, start=start, end=now) >= target:
            break
        start -= dt.timedelta(minutes=15)
    return start


START = [(7, "take"), (25, "reply"), (25, "start")]
RESOLVE = [(7, "take"), (25, "reply"), (60, "resolve")]
# What happens to a ticket after creation: (minutes after creation, step).
STORIES: dict[str, list[tuple[int, str]]] = {
    "new": [],
    "out_of_contract": [],
    "near_breach": [],
    "breached": [(7, "reply")],
    "assigned": [(7, "take")],
    "in_progress": START,
    "pending_requester": [*START, (60, "pending_requester")],
    "pending_third_party": [*START, (60, "pending_third_party")],
    "escalated_l2": [*START, (60, "escalate")],
    "escalated_l3": [*START, (60, "escalate"), (240, "escalate_again")],
    "handed_back": [*START, (60, "escalate"), (300, "hand_back")],
    "resolved": RESOLVE,
    "resolved_kb": RESOLVE,
    "closed": [*RESOLVE, (240, "close")],
    "reopened": [*RESOLVE, (240, "reopen")],
}


def _step(ticket: Ticket, step: str, story: str) -> None:
    first_line = _staff("l1.julie") if ticket.organisation.slug == "lemoine" else _staff("l1.emma")
    requester = Actor.of(ticket.requester)
    actions = {
        "take": lambda: services.ticket_take(actor=first_line, ticket=ticket),
        "reply": lambda: services.ticket_reply(actor=first_line, ticket=ticket, body=_text(ticket, "reply")),
        "start": lambda: services.ticket_transition(actor=first_line, ticket=ticket, state=State.IN_PROGRESS),
        "pending_requester": lambda: services.ticket_transition(
            actor=first_line, ticket=ticket, state=State.PENDING_REQUESTER, reason=_text(ticket, "pending")
        ),
        "pending_third_party": lambda: services.ticket_transition(
            actor=first_line, ticket=ticket, state=State.PENDING_THIRD_PARTY, reason=_text(ticket, "vendor")
        ),
        "escalate": lambda: services.ticket_escalate(
            actor=first_line, ticket=ticket, reason=_text(ticket, "escalate")
        ),
        "escalate_again": lambda: services.ticket_escalate(
            actor=_staff("l2.david"), ticket=ticket, reason="Needs the infrastructure team."
        ),
        "hand_back": lambda: services.ticket_hand_back(
            actor=Actor.of(ticket.assignee) if ticket.assignee else Actor.system("demo"),
            ticket=ticket,
            reason=_text(ticket, "hand_back"),
        ),
        "resolve": lambda: services.ticket_resolve(
            actor=first_line,
            ticket=ticket,
            resolution_code="knowledge_base" if story == "resolved_kb" else "solved",
            solution=_text(ticket, "solution"),
        ),
        "close": lambda: services.ticket_close(actor=requester, ticket=ticket),
        "reopen": lambda: services.ticket_reopen(
            actor=requester, ticket=ticket, reason=_text(ticket, "reopen")
        ),
    }
    actions[step]()  # type: ignore[no-untyped-call]


def _play(ticket: Ticket, story: str, when: dt.datetime) -> None:
    """Walk a ticket through its story with the real services, at plausible times after ``when``."""
    from escalade.demo import travel  # noqa: PLC0415

    for minutes, step in STORIES[story]:
        with travel(when + dt.timedelta(minutes=minutes)):
            _step(Ticket.objects.get(pk=ticket.pk), step, story)


TEXTS = {
    "reply": ("Bonjour, nous avons bien pris en compte votre demande et nous nous en occupons.",
              "Hello, we have received your request and are looking into it."),
    "pending": ("Pouvez-vous nous envoyer une capture d'écran du message ?",
                "Could you send us a screenshot of the message?"),
    "vendor": ("Pièce commandée chez le constructeur.", "Part ordered from the manufacturer."),
    "escalate": ("Nécessite une intervention du niveau 2.", "Needs level 2."),
    "hand_back": ("Droits corrigés côté serveur ; reste à reconfigurer le poste avec l'utilisateur.",
                  "Server rights fixed; the workstation still needs setting up with the user."),
    "solution": ("Réinitialisation effectuée selon l'article de la base de connaissances ; accès vérifié.",
                 "Reset done following the knowledge-base article; access checked with the user."),
    "reopen": ("Le problème est revenu ce matin.", "It happened again this morning."),
}  # fmt: skip


def _text(ticket: Ticket, key: str) -> str:
    french, english = TEXTS[key]
    return french if ticket.requester.language == "fr" else english


def load_tickets(context: DemoContext) -> None:
    from escalade.demo import travel  # noqa: PLC0415

    if Ticket.objects.exists():
        return
    Team.objects.filter(support_level=1).update(is_auto_assign=False)
    categories: dict[str, Category] = context.objects["categories"]
    now = timezone.now()
    for scenario in SCENARIOS:
        requester = User.objects.get(email=scenario.requester)
        when = _within_support_hours(requester, now - dt.timedelta(hours=scenario.age_hours))
        if scenario.story == "near_breach":
            when = _near_breach_start(priority_of(scenario), now)
        with travel(when):
            ticket = services.ticket_create(
                actor=Actor.channel(scenario.channel, user=requester),
                requester=requester,
                title=scenario.title,
                description=scenario.description,
                category=categories[scenario.category],
                channel=scenario.channel,
                impact=scenario.impact,
                urgency=scenario.urgency,
                custom_fields=dict(scenario.custom_fields),
            )
        _play(ticket, scenario.story, when)
    sla_sweep()  # flag the warnings and breaches now rather than at the worker's first tick
    context.objects["tickets"] = Ticket.objects.count()


def priority_of(scenario: Scenario) -> int:
    return services.priority_for(impact=scenario.impact, urgency=scenario.urgency)
