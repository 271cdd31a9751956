"""Mailboxes we poll, every message we saw, sent or received, the quarantine, and outgoing mail."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnknownSenderPolicy(models.TextChoices):
    DOMAIN = "domain", _("Create a requester in the organisation of the sender's e-mail domain")
    DEFAULT_ORGANISATION = (
        "default",
        _("Create a requester: sender's domain, else the mailbox's organisation"),
    )
    REFUSE = "refuse", _("Refuse (quarantine)")


class Security(models.TextChoices):
    TLS = "tls", _("TLS (IMAPS)")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (test servers only)")


class Mailbox(models.Model):
    """An IMAP mailbox that Escalade polls for new requests and replies.

    The password is stored as given (plain text in the database); protect the database accordingly.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    email = models.EmailField(_("address"), help_text=_("Replies to notifications are sent here."))
    host = models.CharField(_("IMAP host"), max_length=253)
    port = models.PositiveIntegerField(_("IMAP port"), default=993)
    security = models.CharField(_("security"), max_length=8, choices=Security.choices, default=Security.TLS)
    username = models.CharField(_("user name"), max_length=254)
    password = models.CharField(_("password"), max_length=254)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    processed_folder = models.CharField(
        _("move processed messages to"), max_length=200, blank=True,
        help_text=_("Empty: processed messages stay and are flagged as read."),
    )  # fmt: skip
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("default organisation"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
        help_text=_("New requests to this address go to this team when it serves the sender's organisation."),
    )  # fmt: skip
    category = models.ForeignKey(
        "tickets.Category", verbose_name=_("category"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    unknown_senders = models.CharField(
        _("unknown senders"), max_length=8, choices=UnknownSenderPolicy.choices,
        default=UnknownSenderPolicy.DOMAIN,
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class SeenMessage(models.Model):
    """A message of an IMAP mailbox we have handled: claimed in the transaction that imports it."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="seen")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_id = models.CharField(max_length=998, blank=True)
    seen_at = models.DateTimeField(auto_now_add=True)
    is_flagged = models.BooleanField(default=False, help_text="flagged or moved on the server")

    class Meta:
        verbose_name = _("seen message")
        verbose_name_plural = _("seen messages")
        constraints = (
            models.UniqueConstraint(fields=("mailbox", "uidvalidity", "uid"), name="seenmessage_unique"),
        )
        indexes = (models.Index(fields=("mailbox", "uidvalidity", "is_flagged"), name="seen_unflagged_idx"),)

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.uidvalidity}:{self.uid}"


class Direction(models.TextChoices):
    INBOUND = "in", _("Received")
    OUTBOUND = "out", _("Sent")


def raw_path(instance: MailMessage, filename: str) -> str:
    return f"mail/{filename[:2]}/{filename}"


class MailMessage(models.Model):
    """Every Message-ID we received or sent, with the ticket (and follow-up) it belongs to."""

    direction = models.CharField(max_length=3, choices=Direction.choices)
    message_id = models.CharField(_("Message-ID"), max_length=998)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="mail_messages"
    )
    followup = models.ForeignKey(
        "tickets.FollowUp", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mailbox = models.ForeignKey(Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sender = models.EmailField(_("sender"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    raw = models.FileField(_("original message"), upload_to=raw_path, max_length=255, blank=True)
    full_text = models.TextField(_("full text"), blank=True, help_text=_("Before quotes were trimmed."))
    html = models.TextField(_("HTML (sanitised)"), blank=True)
    # parsing.content_digest: a message delivered again has the same; another one reusing the
    # Message-ID has not (empty on records made before it was kept: treated as the same).
    digest = models.CharField(_("content digest"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail message")
        verbose_name_plural = _("e-mail messages")
        constraints = (
            models.UniqueConstraint(fields=("direction", "message_id"), name="mailmessage_unique"),
        )
        indexes = (
            models.Index(fields=("message_id",), name="mailmessage_id_idx"),
            models.Index(fields=("ticket", "id"), name="mailmessage_ticket_idx"),
            models.Index(fields=("sender", "created_at"), name="mailmessage_sender_idx"),
        )

    def __str__(self) -> str:
        return self.message_id


class QuarantineStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an administrator")
    IGNORED = "ignored", _("Ignored (automatic or bulk mail)")
    RETRIED = "retried", _("Retried successfully")
    DUPLICATE = "duplicate", _("Retried: already imported")
    DISCARDED = "discarded", _("Discarded")


class QuarantineReason(models.TextChoices):
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    BULK = "bulk", _("Bulk or mailing-list mail")
    BOUNCE = "bounce", _("Delivery failure report")
    RECEIPT = "receipt", _("Read or delivery receipt")
    LOOP = "loop", _("Sent by Escalade itself")
    RATE_LIMITED = "rate_limited", _("Too many messages from this sender")
    NO_SENDER = "no_sender", _("No usable sender address")
    UNKNOWN_SENDER = "unknown_sender", _("Unknown sender (refused by the mailbox policy)")
    SENDER_NOT_ALLOWED = "not_allowed", _("Sender is not allowed on that ticket")
    EMPTY = "empty", _("No subject and no text")
    OUT_OF_CONTRACT = "out_of_contract", _("Outside the contract, which refuses such requests")
    ERROR = "error", _("Could not be processed")


class Quarantine(models.Model):
    """A message that did not become a ticket or a follow-up, kept with its reason and raw bytes."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    reason = models.CharField(_("reason"), max_length=16, choices=QuarantineReason.choices)
    detail = models.TextField(_("detail"), blank=True)
    raw = models.FileField(_("original message"), upload_to=raw_path, max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=QuarantineStatus.choices, default=QuarantineStatus.PENDING
    )
    retries = models.PositiveSmallIntegerField(_("retries"), default=0)
    digest = models.CharField(_("content digest"), max_length=64, blank=True)  # one entry per message
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("quarantined message")
        verbose_name_plural = _("quarantine")
        ordering = ("-id",)
        indexes = (
            models.Index(fields=("status", "id"), name="quarantine_status_idx"),
            models.Index(fields=("digest",), name="quarantine_digest_idx"),
        )

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.subject or self.message_id}"


class OutboundState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent (address bounces)")


SEND_GRACE = dt.timedelta(minutes=2)


def first_attempt_due() -> dt.datetime:
    """A new mail's sweep time: the task queued at the commit normally sends it long before."""
    return timezone.now() + SEND_GRACE


class OutboundMail(models.Model):
    """A notification mail to one person, composed and sent by the worker after the transaction that
    caused it (subject and body are empty until then)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="outbound_mails"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to = models.EmailField(_("to"))
    kind = models.CharField(_("kind"), max_length=32)
    # What the mail is about: the worker composes the subject and body from it when it sends the mail.
    event = models.ForeignKey(
        "core.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, unique=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    reply_to = models.EmailField(_("reply to"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=OutboundState.choices, default="queued")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When the worker's sweep (``mail.send_due``) sends it if nothing else has: a queued mail's grace
    # for the task queued at its commit, a retry's backoff, a send in progress's lease.
    next_attempt_at = models.DateTimeField(
        _("next attempt"), null=True, blank=True, default=first_attempt_due
    )

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ("-id",)
        indexes = (
            models.Index(fields=("ticket", "id"), name="outbound_ticket_idx"),
            models.Index(fields=("state", "id"), name="outbound_state_idx"),
            models.Index(
                fields=("next_attempt_at",),
                condition=models.Q(state__in=("queued", "retrying", "sending")),
                name="outbound_due_idx",
            ),
        )
        # Never the same news twice by mail to one person (ADR 0024).
        constraints = (
            models.UniqueConstraint(
                fields=("event", "recipient"),
                condition=models.Q(event__isnull=False, recipient__isnull=False),
                name="outbound_once_per_event",
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} → {self.to}"


class BouncingAddress(models.Model):
    """An address that delivery-failure reports say cannot receive mail; we stop mailing it."""

    email = models.EmailField(_("address"), unique=True)
    bounces = models.PositiveIntegerField(_("bounces"), default=1)
    last_reason = models.CharField(_("last reason"), max_length=300, blank=True)
    last_bounced_at = models.DateTimeField(_("last bounce"), auto_now=True)

    class Meta:
        verbose_name = _("bouncing address")
        verbose_name_plural = _("bouncing addresses")
        ordering = ("email",)

    def __str__(self) -> str:
        return self.email
