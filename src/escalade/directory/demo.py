"""Demo data for directories: Boulangeries Lemoine's Active Directory configured (no server answers in
the demo, so the pages show the configuration, the clear "cannot be reached" message, and past
self-service actions: an unlock from the portal, one by an L1 agent from a ticket, a password reset and
an access granted by the manager, each a resolved level-0 ticket)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.directory.models import (
    AccessGrant,
    Directory,
    DirectoryAccount,
    DirectoryGroup,
    SelfServiceRequest,
    Verification,
    default_attribute_map,
)
from escalade.directory.secrets import secret_encrypt
from escalade.directory.services import directory_save
from escalade.tickets.services.self_service import ticket_record_self_service

if TYPE_CHECKING:
    from escalade.demo import DemoContext

NAME = "Active Directory Lemoine"
BASE_DN = "DC=lemoine,DC=local"
PEOPLE = ("direction", "paul.garnier", "amelie.roux", "hugo.fontaine", "james.hall")
GROUPS = (
    ("GG-Partage-Compta", "Partage \\\\fs01\\compta (comptabilité)", DirectoryGroup.Grants.SHARE),
    ("GG-BAL-Commandes", "Boîte partagée commandes@ / shared mailbox", DirectoryGroup.Grants.MAILBOX),
    ("GG-App-Caisse", "Logiciel de caisse / point-of-sale application", DirectoryGroup.Grants.APPLICATION),
)
PAST = (  # login, action, verification, days ago, solution (FR)
    (
        "paul.garnier",
        SelfServiceRequest.Action.UNLOCK,
        Verification.EMAIL_CODE,
        6,
        "Compte de l'annuaire déverrouillé après vérification d'identité (code envoyé à l'e-mail secondaire).",
    ),
    (
        "amelie.roux",
        SelfServiceRequest.Action.UNLOCK,
        "",
        4,
        "Compte de l'annuaire déverrouillé en un clic par l'agent N1 depuis le ticket (identité vérifiée au téléphone).",
    ),
    (
        "hugo.fontaine",
        SelfServiceRequest.Action.PASSWORD_RESET,
        Verification.EMAIL_CODE,
        2,
        "Mot de passe de l'annuaire réinitialisé après vérification d'identité (code envoyé à l'e-mail secondaire).",
    ),
    (
        "james.hall",
        SelfServiceRequest.Action.GROUP_ACCESS,
        Verification.MANAGER_APPROVAL,
        1,
        "Added to the directory group GG-BAL-Commandes, approved by Isabelle Lemoine.",
    ),
)


def _dn(name: str) -> str:
    return f"CN={name},OU=Utilisateurs,{BASE_DN}"


def load(context: DemoContext) -> None:
    from escalade.demo import travel  # noqa: PLC0415 - the demo module lists this loader

    if Directory.objects.filter(name=NAME).exists():
        return
    organisation = context.objects["lemoine"]
    directory = directory_save(
        actor=context.actor,
        directory=Directory(
            organisation=organisation,
            name=NAME,
            flavour=Directory.Flavour.ACTIVE_DIRECTORY,
            url="ldaps://ad.lemoine-boulangeries.example:636",
            security=Directory.Security.LDAPS,
            bind_dn=f"CN=svc-escalade,OU=Services,{BASE_DN}",
            base_dn=BASE_DN,
            user_filter="(&(objectClass=user)(objectCategory=person))",
            group_filter="(objectClass=group)",
            attribute_map=default_attribute_map()
            | {"login": "sAMAccountName", "unique_id": "objectGUID", "secondary_email": "otherMailbox"},
            verification=Verification.EMAIL_CODE,
            timeout=2,
            last_sync_error="L'annuaire est injoignable (démo : aucun serveur n'est installé).",
        ),
        bind_password=None,
    )
    directory.bind_password_encrypted = secret_encrypt("demo-not-a-real-password")
    directory.save(update_fields=["bind_password_encrypted"])
    domain = "lemoine-boulangeries.example"
    people = {
        user.email.split("@")[0]: user
        for user in User.objects.filter(email__in=[f"{p}@{domain}" for p in PEOPLE])
    }
    accounts = {}
    for login, user in people.items():
        accounts[login] = DirectoryAccount.objects.create(
            directory=directory,
            user=user,
            unique_id=hashlib.sha256(login.encode()).hexdigest()[:32],
            dn=_dn(user.full_name),
            login=login,
            manager_dn=_dn("Isabelle Lemoine") if login != "direction" else "",
            secondary_email=f"{login}@perso.example",
            fingerprint="demo",
        )
    groups = {
        name: DirectoryGroup.objects.create(
            directory=directory,
            dn=f"CN={name},OU=Groupes,{BASE_DN}",
            name=name,
            description=description,
            kind=kind,
            is_requestable=True,
            owner=people.get("direction"),
            fingerprint="demo",
        )
        for name, description, kind in GROUPS
    }
    now = timezone.now()
    manager = people.get("direction")
    if "paul.garnier" in accounts:
        AccessGrant.objects.create(
            group=groups["GG-Partage-Compta"],
            account=accounts["paul.garnier"],
            since=now - timedelta(days=200),
        )
    for index, (login, action, verification, days, solution) in enumerate(PAST):
        account = accounts.get(login)
        if account is None:
            continue
        group = groups["GG-BAL-Commandes"] if action == SelfServiceRequest.Action.GROUP_ACCESS else None
        with travel(now - timedelta(days=days)):
            ticket = ticket_record_self_service(
                actor=Actor.channel("self-service", user=account.user),
                requester=account.user,
                title=str(SelfServiceRequest.Action(action).label),
                description=f"{NAME}: {account.dn}",
                solution=solution,
                tags=["self-service", "directory"],
            )
        SelfServiceRequest.objects.create(
            idempotency_key=f"demo-{index}",
            directory=directory,
            account=account,
            action=action,
            state=SelfServiceRequest.State.DONE,
            verification=verification,
            group=group,
            ticket=ticket,
            decided_by=manager if group else None,
            outcome=solution,
            expires_at=now - timedelta(days=days),
        )
        if group is not None:
            AccessGrant.objects.create(
                group=group, account=account, since=now - timedelta(days=days), approved_by=manager
            )
