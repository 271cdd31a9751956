"""Demo people (~40) and the L1/L2/L3 teams. Every demo account's password is ``demo``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password

from escalade.accounts.models import Role, SupportLevel, Team, User
from escalade.accounts.services import team_create, team_member_add, user_create
from escalade.orgs.models import Organisation

if TYPE_CHECKING:
    from escalade.demo import DemoContext

PROVIDER_DOMAIN = "escalade-it.example"

# (local part, full name, role, language, job title, team key or "", phone)
PROVIDER_STAFF = [
    (
        "admin",
        "Claire Rousseau",
        Role.ADMINISTRATOR,
        "fr",
        "Administratrice de la plateforme",
        "",
        "",
    ),
    (
        "supervisor",
        "Marc Lefèvre",
        Role.SUPERVISOR,
        "fr",
        "Responsable du support",
        "",
        "+33 4 78 00 00 01",
    ),
    (
        "l1.julie",
        "Julie Martin",
        Role.AGENT,
        "fr",
        "Technicienne hotline N1",
        "l1",
        "+33 4 78 00 00 11",
    ),
    (
        "l1.karim",
        "Karim Benali",
        Role.AGENT,
        "fr",
        "Technicien hotline N1",
        "l1",
        "+33 4 78 00 00 12",
    ),
    (
        "l1.emma",
        "Emma Wilson",
        Role.AGENT,
        "en",
        "Service desk analyst L1",
        "l1",
        "+33 4 78 00 00 13",
    ),
    (
        "l1.lucas",
        "Lucas Moreau",
        Role.AGENT,
        "fr",
        "Technicien hotline N1",
        "l1",
        "+33 4 78 00 00 14",
    ),
    (
        "l2.sophie",
        "Sophie Girard",
        Role.AGENT,
        "fr",
        "Technicienne support N2",
        "l2",
        "+33 4 78 00 00 21",
    ),
    ("l2.david", "David Thompson", Role.AGENT, "en", "Desktop support engineer L2", "l2", ""),
    ("l2.nadia", "Nadia Haddad", Role.AGENT, "fr", "Technicienne support N2", "l2", ""),
    ("l3.thomas", "Thomas Dubois", Role.AGENT, "fr", "Ingénieur systèmes et réseaux N3", "l3", ""),
    ("l3.olivia", "Olivia Clarke", Role.AGENT, "en", "Infrastructure engineer L3", "l3", ""),
]

TEAMS = {
    "l1": ("Hotline N1", SupportLevel.L1),
    "l2": ("Support N2", SupportLevel.L2),
    "l3": ("Experts N3 — Infrastructure", SupportLevel.L3),
}

CLIENT_PEOPLE = {
    "lemoine": [
        ("direction", "Isabelle Lemoine", Role.CLIENT_MANAGER, "fr", "Directrice administrative"),
        ("paul.garnier", "Paul Garnier", Role.REQUESTER, "fr", "Comptable"),
        ("amelie.roux", "Amélie Roux", Role.REQUESTER, "fr", "Responsable de boutique"),
        ("hugo.fontaine", "Hugo Fontaine", Role.REQUESTER, "fr", "Boulanger"),
        ("chloe.mercier", "Chloé Mercier", Role.REQUESTER, "fr", "Assistante RH"),
        ("nicolas.blanc", "Nicolas Blanc", Role.REQUESTER, "fr", "Chef d'atelier"),
        ("lea.bonnet", "Léa Bonnet", Role.REQUESTER, "fr", "Vendeuse"),
        ("antoine.chevalier", "Antoine Chevalier", Role.REQUESTER, "fr", "Logisticien"),
        ("manon.lambert", "Manon Lambert", Role.REQUESTER, "fr", "Chargée de paie"),
        ("julien.faure", "Julien Faure", Role.REQUESTER, "fr", "Commercial"),
        ("sarah.andre", "Sarah André", Role.REQUESTER, "fr", "Acheteuse"),
        ("maxime.perrin", "Maxime Perrin", Role.REQUESTER, "fr", "Pâtissier"),
        ("ines.robin", "Inès Robin", Role.REQUESTER, "fr", "Contrôleuse de gestion"),
        ("james.hall", "James Hall", Role.REQUESTER, "en", "Export sales"),
    ],
    "northwind": [
        ("it.manager", "Rebecca Turner", Role.CLIENT_MANAGER, "en", "Head of operations"),
        ("oliver.smith", "Oliver Smith", Role.REQUESTER, "en", "Freight planner"),
        ("amelia.jones", "Amelia Jones", Role.REQUESTER, "en", "Customs clerk"),
        ("harry.brown", "Harry Brown", Role.REQUESTER, "en", "Warehouse supervisor"),
        ("isla.taylor", "Isla Taylor", Role.REQUESTER, "en", "Accounts payable"),
        ("george.davies", "George Davies", Role.REQUESTER, "en", "Driver coordinator"),
        ("mia.evans", "Mia Evans", Role.REQUESTER, "en", "HR officer"),
        ("jack.wright", "Jack Wright", Role.REQUESTER, "en", "Sales executive"),
        ("ava.walker", "Ava Walker", Role.REQUESTER, "en", "Receptionist"),
        ("noah.green", "Noah Green", Role.REQUESTER, "en", "Fleet analyst"),
        ("camille.petit", "Camille Petit", Role.REQUESTER, "fr", "Déclarante en douane"),
        ("louis.durand", "Louis Durand", Role.REQUESTER, "fr", "Chef de quai"),
        ("ella.hughes", "Ella Hughes", Role.REQUESTER, "en", "Procurement"),
        ("leo.martinez", "Leo Martinez", Role.REQUESTER, "en", "IT liaison"),
    ],
}


def _person(context: DemoContext, *, email: str, organisation: Organisation, **fields: object) -> User:
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return existing
    user = user_create(
        actor=context.actor,
        email=email,
        organisation=organisation,
        password=None,
        **fields,  # type: ignore[arg-type]
    )
    # Hash the shared demo password once, not once per person (PBKDF2 is slow on purpose).
    if "password_hash" not in context.objects:
        context.objects["password_hash"] = make_password(context.password)
    User.objects.filter(pk=user.pk).update(password=context.objects["password_hash"])
    context.created_people += 1
    return user


def load(context: DemoContext) -> None:
    provider: Organisation = context.objects["provider"]
    clients = [context.objects[key] for key in CLIENT_PEOPLE]
    teams = {}
    for key, (name, level) in TEAMS.items():
        team = Team.objects.filter(name=name).first() or team_create(
            actor=context.actor, name=name, support_level=level, organisations=clients
        )
        teams[key] = team
    supervisor = None
    for local, name, role, language, title, team_key, phone in PROVIDER_STAFF:
        user = _person(
            context,
            email=f"{local}@{PROVIDER_DOMAIN}",
            organisation=provider,
            full_name=name,
            role=role,
            language=language,
            job_title=title,
            phone=phone,
        )
        if team_key:
            team_member_add(actor=context.actor, team=teams[team_key], user=user)
        if role == Role.SUPERVISOR:
            supervisor = user
    if supervisor is not None:
        for team in teams.values():
            team_member_add(actor=context.actor, team=team, user=supervisor, is_lead=True)
    for key, people in CLIENT_PEOPLE.items():
        organisation = context.objects[key]
        domain = organisation.domains.values_list("domain", flat=True).first()
        sites = list(organisation.sites.order_by("name"))
        for index, (local, name, role, language, title) in enumerate(people):
            _person(
                context,
                email=f"{local}@{domain}",
                organisation=organisation,
                full_name=name,
                role=role,
                language=language,
                job_title=title,
                phone=f"+33 6 12 34 {index:02d} {len(local):02d}" if language == "fr" else "",
                site=sites[index % len(sites)] if sites else None,
                time_zone=sites[index % len(sites)].time_zone if sites else "Europe/Paris",
            )
    context.logins.extend(
        [
            (f"admin@{PROVIDER_DOMAIN}", "Administrator / Administratrice"),
            (f"supervisor@{PROVIDER_DOMAIN}", "Supervisor / Responsable du support"),
            (f"l1.julie@{PROVIDER_DOMAIN}", "Agent L1 / Agente N1"),
            (f"l2.sophie@{PROVIDER_DOMAIN}", "Agent L2 / Agente N2"),
            (f"l3.thomas@{PROVIDER_DOMAIN}", "Agent L3 / Agent N3"),
            ("direction@lemoine-boulangeries.example", "Client manager / Responsable client (FR)"),
            ("paul.garnier@lemoine-boulangeries.example", "Requester / Demandeur (FR)"),
            ("oliver.smith@northwind.example", "Requester (EN)"),
        ]
    )
