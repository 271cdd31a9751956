"""Reads of the directory app."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q, QuerySet

from escalade.accounts.models import Role, User
from escalade.directory.models import (
    AccessGrant,
    Directory,
    DirectoryAccount,
    DirectoryGroup,
    SelfServiceRequest,
)
from escalade.orgs.models import OrganisationDomain


def directories_for_email(email: str) -> list[Directory]:
    """The active directories of the organisation that owns ``email``'s domain (none for other domains)."""
    domain = email.rpartition("@")[2]
    if not domain:
        return []
    organisation_ids = OrganisationDomain.objects.filter(domain=domain).values("organisation_id")
    return list(Directory.objects.filter(organisation_id__in=organisation_ids, is_active=True).order_by("pk"))


def account_for_email(email: str) -> DirectoryAccount | None:
    """The present directory account of the active person ``email`` (None when there is none)."""
    return (
        DirectoryAccount.objects.select_related("directory", "user")
        .filter(
            user__email=email.strip().lower(),
            user__is_active=True,
            is_present=True,
            directory__is_active=True,
        )
        .first()
    )


def account_of(user: User) -> DirectoryAccount | None:
    return DirectoryAccount.objects.select_related("directory").filter(user=user, is_present=True).first()


def access_rights(*, account: DirectoryAccount) -> QuerySet[AccessGrant]:
    """What ``account`` has (group, since when, who approved), in one query."""
    return (
        AccessGrant.objects.filter(account=account, group__is_present=True)
        .select_related("group", "approved_by")
        .order_by("group__name")
    )


def requestable_groups(*, account: DirectoryAccount) -> QuerySet[DirectoryGroup]:
    """The groups ``account`` may ask to join (its directory's requestable groups it is not in)."""
    return (
        DirectoryGroup.objects.filter(directory_id=account.directory_id, is_requestable=True, is_present=True)
        .exclude(grants__account=account)
        .order_by("name")
    )


def managers_of(account: DirectoryAccount) -> QuerySet[User]:
    """Who may approve for ``account``: its directory manager and its organisation's client managers."""
    by_dn = Q(
        directory_account__directory_id=account.directory_id, directory_account__dn__iexact=account.manager_dn
    )
    by_role = Q(organisation_id=account.user.organisation_id, role=Role.CLIENT_MANAGER)
    return User.objects.filter((by_dn if account.manager_dn else Q(pk__in=[])) | by_role, is_active=True)


def approvals_for(*, user: User) -> QuerySet[SelfServiceRequest]:
    """The requests waiting for ``user``'s decision: their reports' (directory manager), their
    organisation's (client manager), their groups' (owner); never another organisation's."""
    waiting = SelfServiceRequest.objects.filter(
        state=SelfServiceRequest.State.PENDING_APPROVAL, account__user__organisation_id=user.organisation_id
    ).select_related("account__user", "group", "directory")
    if user.role == Role.CLIENT_MANAGER:
        return waiting.order_by("-created_at")
    mine = DirectoryAccount.objects.filter(user=user).values_list("directory_id", "dn").first()
    reports = Q(account__directory_id=mine[0], account__manager_dn__iexact=mine[1]) if mine else Q(pk__in=[])
    return waiting.filter(reports | Q(group__owner=user)).order_by("-created_at")


def self_service_requests(*, account: DirectoryAccount, limit: int = 20) -> list[SelfServiceRequest]:
    return list(SelfServiceRequest.objects.filter(account=account).select_related("group", "ticket")[:limit])


def directories_all() -> QuerySet[Directory]:
    return Directory.objects.select_related("organisation").order_by("organisation__name", "name")


def last_checked(directory: Directory) -> str | None:
    """When the last sync ran (kept in the cache: a sync that changed nothing writes nothing)."""
    value = cache.get(f"directory:{directory.pk}:checked")
    return str(value) if value else None
