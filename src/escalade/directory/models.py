"""Client organisations' LDAP/AD directories, the people and groups synced from them, and the
self-service requests (password reset, unlock, group access) made against them."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.orgs.models import Organisation


def default_attribute_map() -> dict[str, str]:
    """inetOrgPerson names; Active Directory uses ``sAMAccountName``, ``mobile`` and the same others."""
    return {
        "login": "uid",
        "email": "mail",
        "full_name": "cn",
        "phone": "telephoneNumber",
        "mobile": "mobile",
        "job_title": "title",
        "manager": "manager",
        "secondary_email": "",
        "unique_id": "entryUUID",
    }


class Verification(models.TextChoices):
    """How a person proves who they are before a password reset or an unlock."""

    EMAIL_CODE = "email_code", _("A code sent to the secondary e-mail address")
    PHONE_CODE = "phone_code", _("A code sent by text message to the mobile phone")
    MANAGER_APPROVAL = "manager_approval", _("Approval by the person's manager")


class Directory(models.Model):
    """One LDAP or Active Directory server of a client organisation (an organisation may have several).

    The bind password is stored encrypted (:mod:`escalade.directory.secrets`, ADR 0020), never shown back.
    """

    class Security(models.TextChoices):
        NONE = "none", _("None (test networks only)")
        START_TLS = "start_tls", _("StartTLS")
        LDAPS = "ldaps", _("LDAPS")

    class Flavour(models.TextChoices):
        OPENLDAP = "openldap", _("OpenLDAP (ppolicy)")
        ACTIVE_DIRECTORY = "active_directory", _("Active Directory")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="directories"
    )
    name = models.CharField(_("name"), max_length=120)
    flavour = models.CharField(
        _("server type"), max_length=24, choices=Flavour.choices, default=Flavour.OPENLDAP
    )
    url = models.CharField(
        _("server URL"), max_length=300, help_text=_("ldap://host:389 or ldaps://host:636")
    )
    security = models.CharField(
        _("connection security"), max_length=16, choices=Security.choices, default=Security.START_TLS
    )
    verify_certificate = models.BooleanField(_("verify the server's certificate"), default=True)
    bind_dn = models.CharField(_("bind account (DN)"), max_length=300)
    bind_password_encrypted = models.TextField(_("bind password (encrypted)"), blank=True)
    base_dn = models.CharField(_("base DN"), max_length=300)
    user_filter = models.CharField(_("people filter"), max_length=500, default="(objectClass=inetOrgPerson)")
    group_filter = models.CharField(_("group filter"), max_length=500, default="(objectClass=groupOfNames)")
    attribute_map = models.JSONField(_("attribute mapping"), default=default_attribute_map)
    verification = models.CharField(
        _("identity verification"),
        max_length=24,
        choices=Verification.choices,
        default=Verification.EMAIL_CODE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    timeout = models.PositiveSmallIntegerField(_("timeout (seconds)"), default=5)
    last_synced_at = models.DateTimeField(_("last synced at"), null=True, blank=True)
    last_sync_error = models.TextField(_("last sync error"), blank=True)
    last_sync_summary = models.JSONField(_("last sync summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("directory")
        verbose_name_plural = _("directories")
        ordering = ("organisation__name", "name")
        constraints = (
            models.UniqueConstraint(fields=("organisation", "name"), name="directory_org_name_unique"),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def attribute(self, key: str) -> str:
        """The directory's attribute name for one of Escalade's fields (empty if not mapped)."""
        return str(self.attribute_map.get(key) or default_attribute_map().get(key, "") or "")


class GroupRule(models.Model):
    """Members of a directory group join a team and/or take a role in Escalade."""

    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="group_rules")
    group_dn = models.CharField(_("group DN"), max_length=300)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True
    )
    role = models.CharField(
        _("role"),
        max_length=32,
        blank=True,
        choices=[("requester", _("Requester")), ("client_manager", _("Client manager"))],
    )

    class Meta:
        verbose_name = _("group rule")
        verbose_name_plural = _("group rules")
        ordering = ("group_dn",)

    def __str__(self) -> str:
        return self.group_dn


class DirectoryAccount(models.Model):
    """A person of Escalade as they exist in a directory (their DN, manager, verification contacts).

    ``fingerprint`` hashes the synced attributes: a sync whose entry has the same hash writes nothing.
    """

    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="accounts")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_account"
    )
    unique_id = models.CharField(_("directory identifier"), max_length=200)
    dn = models.CharField(_("DN"), max_length=500)
    login = models.CharField(_("login"), max_length=200)
    manager_dn = models.CharField(_("manager DN"), max_length=500, blank=True)
    secondary_email = models.EmailField(_("secondary e-mail"), blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=40, blank=True)
    fingerprint = models.CharField(max_length=64)
    is_present = models.BooleanField(_("present in the directory"), default=True)

    class Meta:
        verbose_name = _("directory account")
        verbose_name_plural = _("directory accounts")
        constraints = (
            models.UniqueConstraint(fields=("directory", "unique_id"), name="directory_account_unique"),
        )
        indexes = (models.Index(fields=("directory", "dn"), name="directory_account_dn_idx"),)

    def __str__(self) -> str:
        return self.dn


class DirectoryGroup(models.Model):
    """A directory group; ``is_requestable`` ones grant a share, mailbox or application on request."""

    class Grants(models.TextChoices):
        SHARE = "share", _("File share")
        MAILBOX = "mailbox", _("Shared mailbox")
        APPLICATION = "application", _("Application")
        OTHER = "other", _("Other")

    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="groups")
    dn = models.CharField(_("DN"), max_length=500)
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    kind = models.CharField(_("grants"), max_length=16, choices=Grants.choices, default=Grants.OTHER)
    is_requestable = models.BooleanField(_("can be requested"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_directory_groups",
    )
    fingerprint = models.CharField(max_length=64)
    is_present = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("directory group")
        verbose_name_plural = _("directory groups")
        ordering = ("name",)
        constraints = (models.UniqueConstraint(fields=("directory", "dn"), name="directory_group_unique"),)

    def __str__(self) -> str:
        return self.name


class AccessGrant(models.Model):
    """A person's membership of a directory group: since when, and who approved it (empty if synced)."""

    group = models.ForeignKey(DirectoryGroup, on_delete=models.CASCADE, related_name="grants")
    account = models.ForeignKey(DirectoryAccount, on_delete=models.CASCADE, related_name="grants")
    since = models.DateTimeField(_("since"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    request = models.ForeignKey(
        "SelfServiceRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("access right")
        verbose_name_plural = _("access rights")
        constraints = (models.UniqueConstraint(fields=("group", "account"), name="access_grant_unique"),)
        indexes = (models.Index(fields=("account", "since"), name="access_grant_account_idx"),)

    def __str__(self) -> str:
        return f"{self.account} in {self.group}"


class SelfServiceRequest(models.Model):
    """One self-service action, from its request to its ticket. ``idempotency_key`` makes a replayed
    submission find this row again instead of acting twice."""

    class Action(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("Reset my directory password")
        UNLOCK = "unlock", _("Unlock my directory account")
        GROUP_ACCESS = "group_access", _("Access to a group")
        REVOKE = "revoke", _("Remove an access right")

    class State(models.TextChoices):
        PENDING_VERIFICATION = "pending_verification", _("Waiting for the code")
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        VERIFIED = "verified", _("Verified")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    OPEN_STATES: ClassVar[frozenset[str]] = frozenset(
        {State.PENDING_VERIFICATION, State.PENDING_APPROVAL, State.VERIFIED}
    )

    idempotency_key = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="requests")
    account = models.ForeignKey(DirectoryAccount, on_delete=models.CASCADE, related_name="requests")
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    state = models.CharField(_("state"), max_length=24, choices=State.choices)
    verification = models.CharField(
        _("verification"), max_length=24, choices=Verification.choices, blank=True
    )
    code_hash = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    group = models.ForeignKey(
        DirectoryGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("self-service request")
        verbose_name_plural = _("self-service requests")
        ordering = ("-created_at",)
        indexes = (
            models.Index(fields=("directory", "state", "created_at"), name="selfservice_dir_state_idx"),
            models.Index(fields=("account", "created_at"), name="selfservice_account_idx"),
        )

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.account}"
