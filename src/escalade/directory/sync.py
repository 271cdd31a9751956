"""The sync of one directory into Escalade: people (create, update, deactivate leavers) and groups.

Every entry is reduced to the values Escalade keeps and hashed (``fingerprint``); only entries whose hash
changed are written, in bulk. A sync that finds nothing new writes nothing (ADR 0020); the time of the
last check is kept in the cache for the configuration page.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from escalade.accounts.models import Role, TeamMembership, User
from escalade.core.actors import Actor
from escalade.core.credentials import credentials_changed
from escalade.core.refdata import refdata_changed
from escalade.core.services import event_record
from escalade.directory import client
from escalade.directory.models import AccessGrant, Directory, DirectoryAccount, DirectoryGroup, GroupRule
from escalade.orgs.models import OrganisationDomain

BATCH = 1000
LOCK_SECONDS = 15 * 60
GROUP_ATTRIBUTES = ("cn", "description", "member", "owner", "entryUUID")


@dataclass(frozen=True, kw_only=True)
class Person:
    """What Escalade keeps of one directory person."""

    unique_id: str
    dn: str
    login: str
    email: str
    full_name: str
    phone: str
    mobile: str
    job_title: str
    manager_dn: str
    secondary_email: str
    role: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.__dict__, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class Group:
    dn: str
    name: str
    description: str
    owner_dn: str
    member_dns: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.__dict__, sort_keys=True).encode()).hexdigest()


@dataclass
class SyncSummary:
    """What a sync did (counts), kept on the directory and in the ``directory.synced`` event."""

    created: int = 0
    updated: int = 0
    deactivated: int = 0
    skipped: int = 0
    groups_changed: int = 0
    memberships_changed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (self.created, self.updated, self.deactivated, self.groups_changed, self.memberships_changed)
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "skipped": self.skipped,
            "groups_changed": self.groups_changed,
            "memberships_changed": self.memberships_changed,
        }


def person_from(entry: client.Entry, directory: Directory, *, role: str) -> Person | None:
    """The person of ``entry``, or None when it has no unique identifier or no e-mail address."""
    email = entry.first(directory.attribute("email")).strip().lower()
    unique_id = entry.first(directory.attribute("unique_id")) or entry.dn.lower()
    if not email or "@" not in email:
        return None
    return Person(
        unique_id=unique_id,
        dn=entry.dn,
        login=entry.first(directory.attribute("login")),
        email=email,
        full_name=(entry.first(directory.attribute("full_name")) or email)[:200],
        phone=entry.first(directory.attribute("phone"))[:40],
        mobile=entry.first(directory.attribute("mobile"))[:40],
        job_title=entry.first(directory.attribute("job_title"))[:120],
        manager_dn=entry.first(directory.attribute("manager")),
        secondary_email=entry.first(directory.attribute("secondary_email")).lower()[:254],
        role=role,
    )


def _read(directory: Directory) -> tuple[list[client.Entry], list[Group]]:
    with client.service_connection(directory) as connection:
        people = list(
            client.search(
                connection,
                base=directory.base_dn,
                ldap_filter=directory.user_filter,
                attributes=client.person_attributes(directory),
            )
        )
        groups = [
            Group(
                dn=entry.dn,
                name=entry.first("cn") or entry.dn,
                description=entry.first("description")[:500],
                owner_dn=entry.first("owner"),
                member_dns=tuple(sorted(dn.lower() for dn in entry.all("member"))),
            )
            for entry in client.search(
                connection,
                base=directory.base_dn,
                ldap_filter=directory.group_filter,
                attributes=list(GROUP_ATTRIBUTES),
            )
        ]
    return people, groups


def _roles(directory: Directory, groups: list[Group]) -> dict[str, str]:
    """The role each member DN takes from the group rules (client manager wins over requester)."""
    rules: dict[str, str] = {
        rule.group_dn.lower(): rule.role for rule in directory.group_rules.all() if rule.role
    }
    roles: dict[str, str] = {}
    for group in groups:
        role = rules.get(group.dn.lower(), "")
        for dn in group.member_dns if role else ():
            if roles.get(dn) != Role.CLIENT_MANAGER:
                roles[dn] = role
    return roles


def foreign_domains(directory: Directory) -> frozenset[str]:
    """E-mail domains registered to other organisations: a directory never creates people there (one
    client's directory cannot claim another client's addresses)."""
    return frozenset(
        OrganisationDomain.objects.exclude(organisation_id=directory.organisation_id).values_list(
            "domain", flat=True
        )
    )


def directory_sync(*, directory: Directory, actor: Actor | None = None) -> SyncSummary:
    """Bring Escalade's people and groups of ``directory`` in line with the directory (raises
    :class:`~escalade.directory.client.DirectoryUnavailable` when it cannot be read)."""
    entries, groups = _read(directory)
    roles = _roles(directory, groups)
    foreign = foreign_domains(directory)
    people = {}
    for entry in entries:
        person = person_from(entry, directory, role=roles.get(entry.dn.lower(), Role.REQUESTER))
        if person is not None and person.email.rpartition("@")[2] not in foreign:
            people[person.unique_id] = person
    summary = SyncSummary(skipped=len(entries) - len(people))
    with transaction.atomic():
        _sync_people(directory, people, summary)
        _sync_groups(directory, groups, summary)
        if summary.changed:
            directory.last_synced_at = timezone.now()
            directory.last_sync_error = ""
            directory.last_sync_summary = summary.as_dict()
            directory.save(update_fields=["last_synced_at", "last_sync_error", "last_sync_summary"])
            event_record(
                actor=actor or Actor.system("directory.sync"),
                obj=directory,
                action="directory.synced",
                data=summary.as_dict(),
                organisation_id=directory.organisation_id,
            )
    cache.set(f"directory:{directory.pk}:checked", timezone.now().isoformat(), None)
    return summary


def user_values(user: User, person: Person, directory: Directory) -> None:
    user.email, user.full_name, user.phone = person.email, person.full_name, person.phone
    user.job_title, user.is_active, user.organisation_id = person.job_title, True, directory.organisation_id
    if user.role in {Role.REQUESTER, Role.CLIENT_MANAGER}:
        user.role = person.role


def account_values(account: DirectoryAccount, person: Person) -> None:
    account.dn, account.login, account.manager_dn = person.dn, person.login, person.manager_dn
    account.secondary_email, account.mobile = person.secondary_email, person.mobile
    account.fingerprint, account.is_present = person.fingerprint, True


def _sync_people(directory: Directory, people: dict[str, Person], summary: SyncSummary) -> None:
    known = {
        account.unique_id: account
        for account in DirectoryAccount.objects.filter(directory=directory).only(
            "unique_id", "fingerprint", "is_present", "user_id"
        )
    }
    changed = [
        account
        for uid, account in known.items()
        if uid in people and (account.fingerprint != people[uid].fingerprint or not account.is_present)
    ]
    leavers = [account for uid, account in known.items() if uid not in people and account.is_present]
    new = [person for uid, person in people.items() if uid not in known]
    if changed:
        users = User.objects.in_bulk([account.user_id for account in changed])
        for account in changed:
            user_values(users[account.user_id], people[account.unique_id], directory)
            account_values(account, people[account.unique_id])
        User.objects.bulk_update(
            list(users.values()),
            ["email", "full_name", "phone", "job_title", "is_active", "organisation", "role"],
            batch_size=BATCH,
        )
        DirectoryAccount.objects.bulk_update(
            changed,
            ["dn", "login", "manager_dn", "secondary_email", "mobile", "fingerprint", "is_present"],
            batch_size=BATCH,
        )
        credentials_changed()  # roles, organisations, reactivations
        summary.updated = len(changed)
    if leavers:
        User.objects.filter(pk__in=[account.user_id for account in leavers]).update(is_active=False)
        DirectoryAccount.objects.filter(pk__in=[account.pk for account in leavers]).update(is_present=False)
        credentials_changed()
        summary.deactivated = len(leavers)
    if new:
        _create_people(directory, new, summary)


def _create_people(directory: Directory, new: list[Person], summary: SyncSummary) -> None:
    """New directory people: an existing local account of the same organisation is linked; an address
    that belongs to another organisation's person is skipped (one client never takes another's people)."""
    existing = {user.email: user for user in User.objects.filter(email__in=[person.email for person in new])}
    linked_elsewhere = set(
        DirectoryAccount.objects.filter(user__in=existing.values()).values_list("user_id", flat=True)
    )
    to_create: list[User] = []
    pairs: list[tuple[User, Person]] = []
    for person in new:
        user = existing.get(person.email)
        if user is not None and (
            user.organisation_id != directory.organisation_id or user.pk in linked_elsewhere
        ):
            summary.skipped += 1
            continue
        if user is None:
            # what make_password(None) gives, without its per-call hasher lookup (10,000 at a time)
            user = User(password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30), language="fr")
            to_create.append(user)
        user_values(user, person, directory)
        pairs.append((user, person))
    linked = [user for user, _person in pairs if user.pk is not None]
    User.objects.bulk_create(to_create, batch_size=BATCH)
    if linked:
        User.objects.bulk_update(
            linked, ["full_name", "phone", "job_title", "is_active", "role"], batch_size=BATCH
        )
        credentials_changed()
    accounts = []
    for user, person in pairs:
        account = DirectoryAccount(directory=directory, user=user, unique_id=person.unique_id)
        account_values(account, person)
        accounts.append(account)
    DirectoryAccount.objects.bulk_create(accounts, batch_size=BATCH)
    summary.created = len(accounts)


def _sync_groups(directory: Directory, groups: list[Group], summary: SyncSummary) -> None:
    known = {group.dn.lower(): group for group in DirectoryGroup.objects.filter(directory=directory)}
    seen = {group.dn.lower(): group for group in groups}
    changed: list[tuple[DirectoryGroup, Group]] = []
    for key, group in seen.items():
        row = known.get(key)
        if row is None:
            row = DirectoryGroup(directory=directory, dn=group.dn, fingerprint="")
        if row.fingerprint != group.fingerprint or not row.is_present:
            row.name, row.description, row.fingerprint, row.is_present = (
                group.name[:200],
                group.description,
                group.fingerprint,
                True,
            )
            changed.append((row, group))
    gone = [row for key, row in known.items() if key not in seen and row.is_present]
    if not changed and not gone:
        return
    owners = _accounts_by_dn(directory, {group.owner_dn.lower() for _row, group in changed if group.owner_dn})
    for row, group in changed:
        owner = owners.get(group.owner_dn.lower())
        row.owner_id = owner.user_id if owner else None
        row.save()
    DirectoryGroup.objects.filter(pk__in=[row.pk for row in gone]).update(is_present=False)
    AccessGrant.objects.filter(group__in=gone).delete()
    summary.groups_changed = len(changed) + len(gone)
    summary.memberships_changed = _sync_memberships(directory, changed)
    _apply_team_rules(directory, changed)


def _accounts_by_dn(directory: Directory, dns: Iterable[str]) -> dict[str, DirectoryAccount]:
    """Accounts of ``directory`` by lower-cased DN (DNs compared case-insensitively, as LDAP does)."""
    wanted = set(dns)
    if not wanted:
        return {}
    accounts = DirectoryAccount.objects.filter(directory=directory).only("dn", "user_id")
    return {account.dn.lower(): account for account in accounts if account.dn.lower() in wanted}


def _sync_memberships(directory: Directory, changed: list[tuple[DirectoryGroup, Group]]) -> int:
    accounts = _accounts_by_dn(directory, {dn for _row, group in changed for dn in group.member_dns})
    count = 0
    now = timezone.now()
    for row, group in changed:
        wanted = {accounts[dn].pk for dn in group.member_dns if dn in accounts}
        have = set(AccessGrant.objects.filter(group=row).values_list("account_id", flat=True))
        if have - wanted:
            count += AccessGrant.objects.filter(group=row, account_id__in=have - wanted).delete()[0]
        AccessGrant.objects.bulk_create(
            [AccessGrant(group=row, account_id=pk, since=now) for pk in wanted - have]
        )
        count += len(wanted - have)
    return count


def _apply_team_rules(directory: Directory, changed: list[tuple[DirectoryGroup, Group]]) -> None:
    """Members of a group with a team rule join the team (never removed here: a team lead decides)."""
    rules: dict[str, int] = {
        rule.group_dn.lower(): rule.team_id
        for rule in GroupRule.objects.filter(directory=directory, team__isnull=False)
        if rule.team_id is not None
    }
    if not rules:
        return
    accounts = _accounts_by_dn(directory, {dn for _row, group in changed for dn in group.member_dns})
    memberships = [
        TeamMembership(team_id=rules[row.dn.lower()], user_id=accounts[dn].user_id)
        for row, group in changed
        if row.dn.lower() in rules
        for dn in group.member_dns
        if dn in accounts
    ]
    if memberships:
        TeamMembership.objects.bulk_create(memberships, ignore_conflicts=True)
        refdata_changed()  # the organisations an agent serves are kept per process


def sync_claim(directory: Directory) -> bool:
    """Take ``directory``'s sync lock (False if another worker is syncing it)."""
    return bool(cache.add(f"directory:{directory.pk}:syncing", "1", LOCK_SECONDS))


def sync_release(directory: Directory) -> None:
    cache.delete(f"directory:{directory.pk}:syncing")
