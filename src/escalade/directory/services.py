"""Writes of the directory app: configure directories, run syncs, and the audited self-service actions.

Every action ends as a ticket created resolved at level 0 (``tickets.services.self_service``) and an event
``directory.*``; its ``SelfServiceRequest`` is found again by its idempotency key, so a replayed
submission acts once. Verification never tells whether an account exists: an unknown address gets the
same answer and a token that no code will ever match.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from escalade.core.outbox import outbox_defer
from escalade.core.services import event_record
from escalade.directory import client, selectors
from escalade.directory.models import (
    AccessGrant,
    Directory,
    DirectoryGroup,
    GroupRule,
    SelfServiceRequest,
    Verification,
)
from escalade.directory.secrets import secret_encrypt
from escalade.directory.sync import SyncSummary, directory_sync, sync_claim, sync_release
from escalade.directory.tasks import send_code
from escalade.tickets.choices import LinkKind
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_link
from escalade.tickets.services.self_service import ticket_record_self_service

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=15)
APPROVAL_LIFETIME = timedelta(days=3)
MAX_CODE_ATTEMPTS = 5
STARTS_PER_ADDRESS = 5  # an hour
STARTS_PER_IP = 20  # an hour
Action = SelfServiceRequest.Action
State = SelfServiceRequest.State


class RateLimited(ValidationFailed):
    """Too many self-service requests for an address or from a network address."""


def _person(actor: Actor) -> User | AnonymousUser:
    return actor.user if actor.user is not None else AnonymousUser()


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def request_token(idempotency_key: str) -> str:
    """The secret that names a request in its URL: derived from the form's idempotency key, so a
    replayed form gets the same token (and an unknown address a token as plausible as a real one)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"directory:{idempotency_key}".encode(), "sha256"
    ).hexdigest()


# ---------------------------------------------------------------- configuration and sync
@transaction.atomic
def directory_save(*, actor: Actor, directory: Directory, bind_password: str | None = None) -> Directory:
    """Create or change a directory (``bind_password`` None keeps the stored one), audited."""
    if not authz.can_manage_directories(_person(actor)) and actor.user is not None:
        raise PermissionDeniedError(_("Only administrators configure directories."))
    if bind_password:
        directory.bind_password_encrypted = secret_encrypt(bind_password)
    created = directory.pk is None
    directory.full_clean()
    directory.save()
    event_record(
        actor=actor,
        obj=directory,
        action="directory.created" if created else "directory.changed",
        data={"url": directory.url, "base_dn": directory.base_dn, "password_changed": bool(bind_password)},
        organisation_id=directory.organisation_id,
    )
    return directory


@transaction.atomic
def group_rule_add(*, actor: Actor, directory: Directory, group_dn: str, role: str = "") -> GroupRule:
    """Members of ``group_dn`` take ``role`` at the next sync (audited)."""
    if not authz.can_manage_directories(_person(actor)) and actor.user is not None:
        raise PermissionDeniedError(_("Only administrators configure directories."))
    rule = GroupRule.objects.create(directory=directory, group_dn=group_dn.strip(), role=role)
    event_record(
        actor=actor,
        obj=directory,
        action="directory.rule_added",
        data={"group_dn": rule.group_dn, "role": role},
        organisation_id=directory.organisation_id,
    )
    return rule


def directory_sync_now(*, actor: Actor | None, directory: Directory) -> SyncSummary | None:
    """Sync ``directory`` unless another worker is at it (None then). Failures are kept on the directory."""
    if not sync_claim(directory):
        return None
    try:
        return directory_sync(directory=directory, actor=actor)
    except client.DirectoryError as error:
        Directory.objects.filter(pk=directory.pk).update(
            last_sync_error=f"{error.message} {error.detail}".strip()
        )
        raise
    finally:
        sync_release(directory)


def directories_sync() -> dict[int, SyncSummary | None]:
    """The periodic job: every active directory, one after the other; one failing does not stop the rest."""
    results: dict[int, SyncSummary | None] = {}
    for directory in Directory.objects.filter(is_active=True).order_by("pk"):
        try:
            results[directory.pk] = directory_sync_now(actor=None, directory=directory)
        except client.DirectoryError as error:
            logger.warning("directory %s sync failed: %s (%s)", directory.pk, error, error.detail)
            results[directory.pk] = None
    return results


# ---------------------------------------------------------------- password reset and unlock
def _rate_limit(email: str, source_ip: str | None) -> None:
    for key, limit in (
        (f"selfservice:addr:{_hash(email)}", STARTS_PER_ADDRESS),
        (f"selfservice:ip:{source_ip or '-'}", STARTS_PER_IP),
    ):
        cache.add(key, 0, 3600)
        if cache.incr(key) > limit:
            raise RateLimited(_("Too many requests. Wait an hour and try again, or call the service desk."))


@transaction.atomic
def self_service_start(*, email: str, action: str, idempotency_key: str, source_ip: str | None = None) -> str:
    """Start a password reset or an unlock for ``email``; returns the request's token.

    The answer is the same whether the account exists or not. When it exists, the organisation's
    verification starts: a code to the secondary e-mail or the mobile phone, or a request to the manager.
    """
    if action not in {Action.PASSWORD_RESET, Action.UNLOCK}:
        raise ValidationFailed(_("Choose what you want to do."), field="action")
    token = request_token(idempotency_key)
    if SelfServiceRequest.objects.filter(idempotency_key=idempotency_key).exists():
        return token  # a replayed form: the first submission already did the work
    email = email.strip().lower()
    _rate_limit(email, source_ip)
    account = selectors.account_for_email(email)
    if account is None:
        return token
    method = account.directory.verification
    to = account.secondary_email if method == Verification.EMAIL_CODE else account.mobile
    if method != Verification.MANAGER_APPROVAL and not to:
        return token  # nowhere to send a code: the person calls the desk (nothing revealed here either)
    if (
        SelfServiceRequest.objects.filter(
            account=account,
            created_at__gte=timezone.now() - CODE_LIFETIME,
            state__in=SelfServiceRequest.OPEN_STATES,
        ).count()
        >= STARTS_PER_ADDRESS
    ):
        return token  # already enough open requests for this account (rate limit, not revealed)
    try:
        with transaction.atomic():  # a savepoint: the same form posted twice at once
            request = SelfServiceRequest.objects.create(
                idempotency_key=idempotency_key,
                token_hash=_hash(token),
                directory=account.directory,
                account=account,
                action=action,
                verification=method,
                requested_by=None,
                state=State.PENDING_APPROVAL
                if method == Verification.MANAGER_APPROVAL
                else State.PENDING_VERIFICATION,
                expires_at=timezone.now()
                + (APPROVAL_LIFETIME if method == Verification.MANAGER_APPROVAL else CODE_LIFETIME),
            )
    except IntegrityError:
        return token  # the other submission of this form does the work
    if method != Verification.MANAGER_APPROVAL:
        code = f"{secrets.randbelow(1_000_000):06d}"
        request.code_hash = _hash(f"{request.pk}:{code}")
        request.save(update_fields=["code_hash"])
        channel = "phone" if method == Verification.PHONE_CODE else "email"
        outbox_defer(send_code, channel, to, secret_encrypt(code), account.user.language)
    _event(Actor.channel("self-service", user=account.user), request, "directory.self_service_started")
    return token


def request_by_token(token: str) -> SelfServiceRequest | None:
    """The request a token names (None for an unknown or a made-up token)."""
    if not token:
        return None
    return (
        SelfServiceRequest.objects.select_related("account__user", "directory", "ticket")
        .filter(token_hash=_hash(token))
        .first()
    )


INVALID_CODE = gettext_lazy("This code is wrong or has expired. Start again to get a new one.")


def self_service_verify(*, token: str, code: str = "", new_password: str = "") -> Ticket:
    """Check the code (or the manager's approval) and do the action; returns the level-0 ticket.

    A wrong code counts against the request (``MAX_CODE_ATTEMPTS``). A directory refusal (password
    policy) is raised in plain words and nothing is kept: the same code serves for another password.
    """
    found = request_by_token(token)
    if found is None:
        raise ValidationFailed(str(INVALID_CODE), field="code")
    with transaction.atomic():
        request = (
            SelfServiceRequest.objects.select_for_update(of=("self",))
            .select_related("account__user", "directory")
            .get(pk=found.pk)
        )
        if request.state == State.DONE and request.ticket_id is not None:
            return Ticket.objects.get(pk=request.ticket_id)  # a replay: done once already
        if request.expires_at < timezone.now() or request.state not in SelfServiceRequest.OPEN_STATES:
            raise ValidationFailed(str(INVALID_CODE), field="code")
        if request.state == State.PENDING_APPROVAL:
            raise ValidationFailed(_("Your manager has not approved this request yet."), field="code")
        code_ok = request.state == State.VERIFIED or _code_matches(request, code)
        if code_ok:
            if request.action == Action.PASSWORD_RESET and not new_password:
                raise ValidationFailed(_("Choose a new password."), field="new_password")
            return _execute(
                request,
                actor=Actor.channel("self-service", user=request.account.user),
                new_password=new_password,
            )
    SelfServiceRequest.objects.filter(pk=found.pk).update(attempts=F("attempts") + 1)
    raise ValidationFailed(str(INVALID_CODE), field="code")


def _code_matches(request: SelfServiceRequest, code: str) -> bool:
    if request.attempts >= MAX_CODE_ATTEMPTS:
        return False
    return hmac.compare_digest(request.code_hash, _hash(f"{request.pk}:{code.strip()}"))


def _execute(request: SelfServiceRequest, *, actor: Actor, new_password: str = "") -> Ticket:
    """Do ``request``'s action in the directory, then record it: ticket (resolved, level 0) and event."""
    account, directory = request.account, request.directory
    if request.action == Action.PASSWORD_RESET:
        client.password_set(directory, dn=account.dn, new_password=new_password)
        done = _("The directory password was reset after identity verification (%(method)s).")
    elif request.action == Action.UNLOCK:
        client.unlock(directory, dn=account.dn)
        done = _("The directory account was unlocked after identity verification (%(method)s).")
    elif request.action == Action.GROUP_ACCESS:
        assert request.group is not None
        client.membership_change(directory, group_dn=request.group.dn, member_dn=account.dn, add=True)
        AccessGrant.objects.update_or_create(
            group=request.group,
            account=account,
            defaults={"since": timezone.now(), "approved_by": request.decided_by, "request": request},
        )
        done = _("Added to the directory group %(group)s, approved by %(approver)s.")
    else:
        assert request.group is not None
        client.membership_change(directory, group_dn=request.group.dn, member_dn=account.dn, add=False)
        AccessGrant.objects.filter(group=request.group, account=account).delete()
        done = _("Removed from the directory group %(group)s by %(approver)s.")
    with translation.override(account.user.language):
        title = str(Action(request.action).label)
        method = (
            str(Verification(request.verification).label) if request.verification else _("agent at the desk")
        )
        solution = done % {
            "method": method,
            "group": request.group.name if request.group else "",
            "approver": request.decided_by.full_name if request.decided_by else "",
        }
    ticket = ticket_record_self_service(
        actor=actor,
        requester=account.user,
        title=title,
        description=f"{directory.name}: {account.dn}",
        solution=solution,
        tags=["self-service", "directory"],
    )
    request.state, request.ticket, request.outcome = State.DONE, ticket, solution
    request.save(update_fields=["state", "ticket", "outcome"])
    _event(actor, request, f"directory.{request.action}_done", ticket=ticket.reference)
    return ticket


def _event(actor: Actor, request: SelfServiceRequest, action: str, **data: str) -> None:
    event_record(
        actor=actor,
        obj=request,
        action=action,
        organisation_id=request.account.user.organisation_id,
        data={"action": request.action, "dn": request.account.dn, **data},
    )


# ---------------------------------------------------------------- the desk's one click
@transaction.atomic
def desk_unlock(
    *, actor: Actor, person: User, idempotency_key: str, from_ticket: Ticket | None = None
) -> Ticket:
    """An agent unlocks ``person``'s directory account (they checked who is calling): done at once and
    recorded as a level-0 resolution, like the portal's, linked to ``from_ticket`` (the call's ticket)."""
    if not authz.can_act_on_directory_account(_person(actor), person):
        raise PermissionDeniedError(_("You do not serve this person's organisation."))
    existing = (
        SelfServiceRequest.objects.filter(idempotency_key=idempotency_key).select_related("ticket").first()
    )
    if existing is not None and existing.ticket is not None:
        return existing.ticket
    account = selectors.account_of(person)
    if account is None:
        raise NotFoundError(_("This person has no directory account."))
    request = SelfServiceRequest.objects.create(
        idempotency_key=idempotency_key,
        directory=account.directory,
        account=account,
        action=Action.UNLOCK,
        state=State.VERIFIED,
        verification="",
        requested_by=actor.user,
        decided_by=actor.user,
        decided_at=timezone.now(),
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    record = _execute(request, actor=actor)
    if from_ticket is not None and from_ticket.pk != record.pk:
        ticket_link(actor=actor, source=record, target=from_ticket, kind=LinkKind.RELATED_TO)
    return record


# ---------------------------------------------------------------- access to groups
@transaction.atomic
def access_request(*, actor: Actor, group: DirectoryGroup, idempotency_key: str) -> SelfServiceRequest:
    """The signed-in person asks to join ``group`` of their own directory; their manager or the group's
    owner decides."""
    user = actor.user
    account = selectors.account_of(user) if user is not None else None
    if account is None or group.directory_id != account.directory_id or not group.is_requestable:
        raise NotFoundError(_("This group cannot be requested."))
    request, created = SelfServiceRequest.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "directory": account.directory,
            "account": account,
            "action": Action.GROUP_ACCESS,
            "group": group,
            "state": State.PENDING_APPROVAL,
            "verification": Verification.MANAGER_APPROVAL,
            "requested_by": user,
            "expires_at": timezone.now() + APPROVAL_LIFETIME,
        },
    )
    if created:
        _event(actor, request, "directory.access_requested", group=group.dn)
    return request


@transaction.atomic
def request_decide(*, actor: Actor, request: SelfServiceRequest, approve: bool) -> SelfServiceRequest:
    """A manager (or the group's owner) approves or rejects a pending request. An approved unlock or
    group access is applied at once; an approved password reset lets the person choose the password."""
    request = (
        SelfServiceRequest.objects.select_for_update(of=("self",))
        .select_related("account__user", "group")
        .get(pk=request.pk)
    )
    managers = frozenset(selectors.managers_of(request.account).values_list("pk", flat=True))
    owner = request.group.owner_id if request.group else None
    if not authz.can_decide_access(
        _person(actor), person=request.account.user, manager_ids=managers, owner_id=owner
    ):
        raise PermissionDeniedError(_("You cannot decide on this request."))
    if request.state != State.PENDING_APPROVAL:
        return request  # decided already (a replayed click)
    request.decided_by, request.decided_at = actor.user, timezone.now()
    if not approve:
        request.state = State.REJECTED
        request.save(update_fields=["state", "decided_by", "decided_at"])
        _event(actor, request, "directory.request_rejected")
        return request
    request.state = State.VERIFIED
    request.save(update_fields=["state", "decided_by", "decided_at"])
    _event(actor, request, "directory.request_approved")
    if request.action != Action.PASSWORD_RESET:
        _execute(request, actor=actor)
    return request


@transaction.atomic
def access_revoke(*, actor: Actor, grant: AccessGrant, idempotency_key: str) -> Ticket | None:
    """Remove an access right: by the person, their manager, the group's owner, or provider staff
    serving the organisation. Recorded as a level-0 ticket."""
    existing = (
        SelfServiceRequest.objects.filter(idempotency_key=idempotency_key).select_related("ticket").first()
    )
    if existing is not None:
        return existing.ticket
    account = grant.account
    person = account.user
    managers = frozenset(selectors.managers_of(account).values_list("pk", flat=True))
    allowed = (
        (actor.user is not None and actor.user.pk == person.pk)
        or authz.can_decide_access(
            _person(actor), person=person, manager_ids=managers, owner_id=grant.group.owner_id
        )
        or authz.can_act_on_directory_account(_person(actor), person)
    )
    if not allowed:
        raise PermissionDeniedError(_("You cannot remove this access right."))
    request = SelfServiceRequest.objects.create(
        idempotency_key=idempotency_key,
        directory=account.directory,
        account=account,
        action=Action.REVOKE,
        group=grant.group,
        state=State.VERIFIED,
        requested_by=actor.user,
        decided_by=actor.user,
        decided_at=timezone.now(),
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    return _execute(request, actor=actor)
