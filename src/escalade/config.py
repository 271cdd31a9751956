"""Escalade's configuration: every setting is an environment variable, parsed and typed here.

``docs/configuration.md`` documents each variable; keep the two in step. Django's ``settings.py`` reads a
:class:`Config` and nothing else from the environment.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from environs import Env
from marshmallow import ValidationError
from marshmallow.validate import OneOf, Range, Regexp

PREFIX = "ESCALADE_"
SURVEY_CHANNELS = ("email", "portal", "phone", "chat", "api", "monitoring")  # tickets.choices.Channel
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def _networks(values: list[str]) -> bool:
    """Each value is an IP network (``10.0.0.0/8``, ``127.0.0.1/32``, ``fd00::/8``)."""
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as error:
            raise ValidationError(f"not an IP network: {value!r}") from error
    return True


def _survey_channels(values: list[str]) -> bool:
    """Each value is a ticket channel."""
    unknown = [value for value in values if value not in SURVEY_CHANNELS]
    if unknown:
        raise ValidationError(f"not a ticket channel: {', '.join(unknown)}")
    return True


@dataclass(frozen=True, kw_only=True)
class Config:
    """The typed view of the ``ESCALADE_*`` environment variables."""

    data_dir: Path
    database_url: str | None
    redis_url: str | None
    secret_key: str | None
    debug: bool
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    https: bool
    behind_proxy: bool
    language: str
    time_zone: str
    queue_name: str
    queue_immediate: bool
    worker_threads: int
    outbox_relay_seconds: float
    outbox_grace_seconds: int
    login_failure_limit: int
    login_cooloff_minutes: int
    login_address_failure_limit: int
    password_reset_hours: int
    two_factor_required: bool
    log_level: str
    reopen_window_days: int
    attachment_max_mb: int
    static_root: Path
    media_root: Path
    site_url: str
    email_url: str
    email_from: str
    mail_max_mb: int
    mail_rate_per_hour: int
    webhook_connect_timeout: float
    webhook_timeout: float
    webhook_disable_after_failures: int
    webhook_allowed_networks: list[str]
    mail_max_parts: int
    mail_max_attachments: int
    mail_reply_same_organisation: bool
    api_body_max_kb: int
    api_token_cache_seconds: int
    text_max_chars: int
    sla_target_max_days: int
    time_edit_window_hours: int
    credit_thresholds: list[int]
    contract_notice_days: int
    renewal_notice_days: int
    oncall_sms_url: str
    oncall_sms_token: str
    oncall_link_hours: int
    survey_delay_minutes: int
    survey_channels: list[str]
    survey_answer_days: int
    report_colour: str
    report_logo: str
    inventory_max_mb: int
    assets_seen_resolution_minutes: int
    directory_key: str | None = None
    directory_sync_minutes: int = 15
    directory_phone_sender: str = "escalade.directory.senders.LogPhoneSender"
    digest_hour: int = 7
    bell_poll_seconds: int = 30

    @property
    def scaled(self) -> bool:
        """True when a database server is configured (PostgreSQL), False in the embedded default."""
        return self.database_url is not None


def _percentages(values: list[int]) -> None:
    if not values or any(not 1 <= value <= 200 for value in values):
        raise ValidationError("give one to several percentages between 1 and 200")


def load_config() -> Config:
    """Parse ``os.environ`` into a :class:`Config`.

    Raises ``environs.EnvValidationError`` naming every invalid variable at once.
    """
    env = Env(eager=False)
    with env.prefixed(PREFIX):
        data_dir = env.path("DATA_DIR", Path("escalade-data")).expanduser().resolve()
        config = Config(
            data_dir=data_dir,
            database_url=env.str("DATABASE_URL", None) or None,
            redis_url=env.str("REDIS_URL", None) or None,
            secret_key=env.str("SECRET_KEY", None) or None,
            debug=env.bool("DEBUG", False),
            allowed_hosts=env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"]),
            csrf_trusted_origins=env.list("CSRF_TRUSTED_ORIGINS", []),
            https=env.bool("HTTPS", False),
            behind_proxy=env.bool("BEHIND_PROXY", False),
            language=env.str("LANGUAGE", "fr", validate=OneOf(["fr", "en"])),
            time_zone=env.str("TIME_ZONE", "Europe/Paris"),
            queue_name=env.str("QUEUE_NAME", "escalade"),
            queue_immediate=env.bool("QUEUE_IMMEDIATE", False),
            worker_threads=env.int("WORKER_THREADS", 2, validate=Range(min=1, max=64)),
            outbox_relay_seconds=env.float("OUTBOX_RELAY_SECONDS", 5.0, validate=Range(min=0.5, max=300)),
            outbox_grace_seconds=env.int("OUTBOX_GRACE_SECONDS", 120, validate=Range(min=1, max=86_400)),
            login_failure_limit=env.int("LOGIN_FAILURE_LIMIT", 5, validate=Range(min=1, max=1_000)),
            login_cooloff_minutes=env.int("LOGIN_COOLOFF_MINUTES", 15, validate=Range(min=1, max=525_600)),
            login_address_failure_limit=env.int(
                "LOGIN_ADDRESS_FAILURE_LIMIT", 30, validate=Range(min=1, max=100_000)
            ),
            password_reset_hours=env.int("PASSWORD_RESET_HOURS", 24, validate=Range(min=1, max=720)),
            two_factor_required=env.bool("TWO_FACTOR_REQUIRED", False),
            log_level=env.str("LOG_LEVEL", "INFO", validate=OneOf(["DEBUG", "INFO", "WARNING", "ERROR"])),
            reopen_window_days=env.int("REOPEN_WINDOW_DAYS", 14, validate=Range(min=0, max=3_650)),
            attachment_max_mb=env.int("ATTACHMENT_MAX_MB", 20, validate=Range(min=1, max=2048)),
            static_root=env.path("STATIC_ROOT", data_dir / "static"),
            media_root=env.path("MEDIA_ROOT", data_dir / "media"),
            site_url=env.str("SITE_URL", "http://127.0.0.1:8000").rstrip("/"),
            email_url=env.str("EMAIL_URL", "console:"),
            email_from=env.str("EMAIL_FROM", "Escalade <escalade@localhost>"),
            mail_max_mb=env.int("MAIL_MAX_MB", 25, validate=Range(min=1, max=2048)),
            mail_rate_per_hour=env.int("MAIL_RATE_PER_HOUR", 30, validate=Range(min=1, max=1_000_000)),
            webhook_connect_timeout=env.float(
                "WEBHOOK_CONNECT_TIMEOUT", 5.0, validate=Range(min=0.1, max=60)
            ),
            webhook_timeout=env.float("WEBHOOK_TIMEOUT", 10.0, validate=Range(min=0.1, max=120)),
            webhook_disable_after_failures=env.int(
                "WEBHOOK_DISABLE_AFTER_FAILURES", 50, validate=Range(min=1)
            ),
            webhook_allowed_networks=env.list("WEBHOOK_ALLOWED_NETWORKS", [], validate=_networks),
            mail_max_parts=env.int("MAIL_MAX_PARTS", 500, validate=Range(min=10, max=100_000)),
            mail_max_attachments=env.int("MAIL_MAX_ATTACHMENTS", 50, validate=Range(min=1, max=10_000)),
            mail_reply_same_organisation=env.bool("MAIL_REPLY_SAME_ORGANISATION", True),
            api_body_max_kb=env.int("API_BODY_MAX_KB", 1024, validate=Range(min=16, max=1_048_576)),
            api_token_cache_seconds=env.int("API_TOKEN_CACHE_SECONDS", 5, validate=Range(min=0, max=60)),
            text_max_chars=env.int("TEXT_MAX_CHARS", 100_000, validate=Range(min=1_000, max=10_000_000)),
            sla_target_max_days=env.int("SLA_TARGET_MAX_DAYS", 366, validate=Range(min=1, max=3_660)),
            directory_key=env.str("DIRECTORY_KEY", None) or None,
            directory_sync_minutes=env.int("DIRECTORY_SYNC_MINUTES", 15, validate=Range(min=1, max=1_440)),
            directory_phone_sender=env.str(
                "DIRECTORY_PHONE_SENDER", "escalade.directory.senders.LogPhoneSender"
            ),
            time_edit_window_hours=env.int("TIME_EDIT_WINDOW_HOURS", 48, validate=Range(min=0, max=8_760)),
            credit_thresholds=env.list(
                "CREDIT_THRESHOLDS", [75, 90, 100], subcast=int, validate=_percentages
            ),
            contract_notice_days=env.int("CONTRACT_NOTICE_DAYS", 30, validate=Range(min=0, max=366)),
            renewal_notice_days=env.int("RENEWAL_NOTICE_DAYS", 60, validate=Range(min=0, max=366)),
            oncall_sms_url=env.str("ONCALL_SMS_URL", ""),
            oncall_sms_token=env.str("ONCALL_SMS_TOKEN", ""),
            oncall_link_hours=env.int("ONCALL_LINK_HOURS", 12, validate=Range(min=1, max=168)),
            survey_delay_minutes=env.int("SURVEY_DELAY_MINUTES", 60, validate=Range(min=0, max=43_200)),
            survey_channels=env.list(
                "SURVEY_CHANNELS",
                ["email", "portal", "phone", "chat"],
                validate=_survey_channels,
            ),
            survey_answer_days=env.int("SURVEY_ANSWER_DAYS", 14, validate=Range(min=1, max=365)),
            report_colour=env.str("REPORT_COLOUR", "#1d4ed8", validate=Regexp(r"^#[0-9a-fA-F]{6}$")),
            report_logo=env.str("REPORT_LOGO", ""),
            inventory_max_mb=env.int("INVENTORY_MAX_MB", 20, validate=Range(min=1, max=1024)),
            assets_seen_resolution_minutes=env.int(
                "ASSETS_SEEN_RESOLUTION_MINUTES", 60, validate=Range(min=0, max=10_080)
            ),
            digest_hour=env.int("DIGEST_HOUR", 7, validate=Range(min=0, max=23)),
            bell_poll_seconds=env.int("BELL_POLL_SECONDS", 30, validate=Range(min=5, max=3_600)),
        )
    env.seal()
    return config


def secret_key(config: Config) -> str:
    """The secret key: ``ESCALADE_SECRET_KEY`` when given, else one generated once into the data dir.

    The file is created atomically (``O_EXCL``) with mode 0600, so two processes starting together agree
    on one key.
    """
    if config.secret_key:
        return config.secret_key
    path = config.data_dir / SECRET_KEY_FILE
    config.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as key_file:
        key_file.write(secrets.token_urlsafe(64))
    return path.read_text(encoding="ascii").strip()


def email_settings(url: str) -> dict[str, object]:
    """Django's ``MAILERS["default"]`` from ``ESCALADE_EMAIL_URL``.

    ``smtp://user:password@host:25`` (plain), ``smtp+starttls://…:587``, ``smtps://…:465`` (TLS),
    ``console:`` (print, the default), ``log:`` (one log line per message: the demo's default) or
    ``locmem:`` (tests).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"console", "locmem"}:
        return {"BACKEND": f"django.core.mail.backends.{scheme}.EmailBackend"}
    if scheme == "log":
        return {"BACKEND": "escalade.mail.backends.LogBackend"}
    if scheme not in {"smtp", "smtp+starttls", "smtps"}:
        raise ValueError(f"ESCALADE_EMAIL_URL: unknown scheme {scheme!r}")
    default_port = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}[scheme]
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or default_port,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": scheme == "smtp+starttls",
            "use_ssl": scheme == "smtps",
            "timeout": 30,
        },
    }


def redis_url_with_timeouts(url: str, *, connect: float = 2, read: float = 5) -> str:
    """``url`` with redis-py's socket timeouts added, unless the URL already sets them."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_connect_timeout", str(connect))
    query.setdefault("socket_timeout", str(read))
    return urlunsplit(parts._replace(query=urlencode(query)))
