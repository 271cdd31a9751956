"""Django settings for Escalade, built from :mod:`escalade.config` (environment variables only).

Two modes share this one file: the embedded default (SQLite and a SQLite task queue in the data
directory) and the scaled mode (``ESCALADE_DATABASE_URL`` + ``ESCALADE_REDIS_URL``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from escalade.config import email_settings, load_config, redis_url_with_timeouts, secret_key

CONFIG = load_config()
# Made here, before anything opens a file in it (the SQLite queue opens its file when Huey is set up,
# before `escalade init` or `manage check` could create the directory).
CONFIG.data_dir.mkdir(parents=True, exist_ok=True)
PACKAGE_DIR = Path(__file__).resolve().parent

SECRET_KEY = secret_key(CONFIG)
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
CSRF_TRUSTED_ORIGINS = CONFIG.csrf_trusted_origins

INSTALLED_APPS = [
    "escalade.core",
    "escalade.orgs",
    "escalade.accounts",
    "escalade.sla",
    "escalade.tickets",
    "escalade.contracts",
    "escalade.timetracking",
    "escalade.automation",
    "escalade.notifications",
    "escalade.api",
    "escalade.kb",
    "escalade.search",
    "escalade.mail",
    "escalade.webhooks",
    "escalade.alerts",
    "escalade.oncall",
    "escalade.assets",
    "escalade.maintenance",
    "escalade.workspace",
    "escalade.portal",
    "escalade.identity",
    "escalade.directory",
    "escalade.reports",
    "escalade.core.admin_apps.EscaladeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from our static files, not a CDN
    "huey.contrib.djhuey",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "escalade.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "escalade.api.middleware.ApiBoundaryMiddleware",
    "escalade.core.middleware.InputGuardMiddleware",
    "escalade.api.atomic.ApiWriteTransactionMiddleware",
    "escalade.core.pages.SessionMiddleware",  # escalade.core.pages: for pages, not for the API
    "escalade.core.pages.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "escalade.core.pages.AuthenticationMiddleware",
    "escalade.core.pages.OTPMiddleware",
    "escalade.identity.middleware.TwoFactorEnrolmentMiddleware",
    "escalade.accounts.middleware.UserPreferencesMiddleware",
    "escalade.core.pages.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "escalade.core.pages.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "escalade.urls"
WSGI_APPLICATION = "escalade.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "escalade.core.context_processors.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------- database
if CONFIG.database_url:
    DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(CONFIG.data_dir / "escalade.sqlite3"),
            # WAL lets the in-process worker write while pages read; IMMEDIATE avoids lock upgrades.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- cache and task queue
CACHES: dict[str, dict[str, Any]]
if CONFIG.redis_url:
    # A Redis that does not answer must fail fast (the outbox keeps the work, ADR 0011), not hold a
    # request thread: connect within 2 s, answer within 5 s (longer than Huey's 1 s blocking read).
    REDIS_URL = redis_url_with_timeouts(CONFIG.redis_url)
    CACHES = {
        "default": {
            "BACKEND": "escalade.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CONFIG.queue_name,
        }
    }
    HUEY: dict[str, Any] = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": CONFIG.queue_name,
        "url": REDIS_URL,
        "immediate": CONFIG.queue_immediate,
        "utc": True,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": CONFIG.queue_name,
        "filename": str(CONFIG.data_dir / "queue.sqlite3"),
        "immediate": CONFIG.queue_immediate,
        "utc": True,
    }

# ---------------------------------------------------------------- authentication
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "escalade.identity.sso.SingleSignOnBackend",  # OpenID Connect providers (ADR 0019)
    "escalade.directory.backends.DirectoryBackend",  # client organisations' LDAP/AD (ADR 0020)
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed-login throttling (django-axes, ADR 0019): lock an account after N failures whatever the
# addresses they come from; escalade.identity.throttling also locks an address that fails too often.
AXES_FAILURE_LIMIT = CONFIG.login_failure_limit
AXES_COOLOFF_TIME = timedelta(minutes=CONFIG.login_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = ["username"]
ESCALADE_LOGIN_ADDRESS_FAILURE_LIMIT = CONFIG.login_address_failure_limit
# axes.W006 asks for "ip_address" in the lockout parameters: the address lock is identity.throttling's,
# with its own, higher limit (one office behind one address must not be locked by a few typos).
# models.W040: SQLite ignores an index's INCLUDE columns. The covering indexes are for PostgreSQL (the
# database of record); on the embedded default the same index still serves, by its key columns.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
AXES_USERNAME_FORM_FIELD = "username"  # Django's sign-in form calls the e-mail field "username"
AXES_USERNAME_CALLABLE = "escalade.accounts.throttling.sign_in_name"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "escalade.identity.throttling.lockout_response"  # one page for every lock
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = 1 if CONFIG.behind_proxy else 0

# Escalade's own accounts (ADR 0019): password reset links, two-factor authentication, OpenID Connect.
PASSWORD_RESET_TIMEOUT = CONFIG.password_reset_hours * 3600
ESCALADE_TWO_FACTOR_REQUIRED = CONFIG.two_factor_required
OTP_TOTP_ISSUER = "Escalade"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "identity:sso_callback"

# ---------------------------------------------------------------- i18n
LANGUAGE_CODE = CONFIG.language
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
FORMAT_MODULE_PATH = ["escalade.formats"]  # English dates day-first, 24-hour clock
TIME_ZONE = CONFIG.time_zone
USE_TZ = True

# ---------------------------------------------------------------- static and uploaded files
STATIC_URL = "/static/"
STATIC_ROOT = CONFIG.static_root
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = CONFIG.media_root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# In debug (development) whitenoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# ---------------------------------------------------------------- security
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (ADR 0014): scripts, styles, images and connections from this site only; no
# inline script or style (htmx is configured from a <meta>, its indicator styles are in app.css), no
# eval (htmx's trigger filters are not used), no plugin, no framing. Downloads set their own
# "sandbox" policy (core.http.file_download), which the middleware leaves in place.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Powerful browser features no page of Escalade uses (core.middleware.PermissionsPolicyMiddleware).
ESCALADE_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), usb=(), "
    "screen-wake-lock=(), xr-spatial-tracking=()"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if CONFIG.https:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
if CONFIG.behind_proxy:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# ---------------------------------------------------------------- tickets
ESCALADE_REOPEN_WINDOW_DAYS = CONFIG.reopen_window_days
ESCALADE_ATTACHMENT_MAX_BYTES = CONFIG.attachment_max_mb * 1_048_576
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1_048_576

# ---------------------------------------------------------------- e-mail (escalade.mail)
ESCALADE_SITE_URL = CONFIG.site_url
ESCALADE_MAIL_MAX_BYTES = CONFIG.mail_max_mb * 1_048_576
ESCALADE_MAIL_RATE_PER_HOUR = CONFIG.mail_rate_per_hour
ESCALADE_WEBHOOK_CONNECT_TIMEOUT = CONFIG.webhook_connect_timeout
ESCALADE_WEBHOOK_TIMEOUT = CONFIG.webhook_timeout
ESCALADE_WEBHOOK_DISABLE_AFTER_FAILURES = CONFIG.webhook_disable_after_failures
ESCALADE_WEBHOOK_ALLOWED_NETWORKS = CONFIG.webhook_allowed_networks
ESCALADE_ONCALL_SMS_URL = CONFIG.oncall_sms_url
ESCALADE_ONCALL_SMS_TOKEN = CONFIG.oncall_sms_token
ESCALADE_ONCALL_LINK_HOURS = CONFIG.oncall_link_hours
ESCALADE_MAIL_MAX_PARTS = CONFIG.mail_max_parts
ESCALADE_MAIL_MAX_ATTACHMENTS = CONFIG.mail_max_attachments
ESCALADE_MAIL_REPLY_SAME_ORGANISATION = CONFIG.mail_reply_same_organisation
# Input limits (ADR 0014): a JSON body of the API, a text (description, reply, note, solution), an
# SLA target (its calendar days, so that due dates stay far inside the datetime range).
ESCALADE_API_BODY_MAX_BYTES = CONFIG.api_body_max_kb * 1024
# API tokens kept per process (api/tokens.py): only where the cache that carries their version is
# shared by every process (Redis); the embedded local-memory cache is not.
ESCALADE_API_TOKEN_CACHE_SECONDS = CONFIG.api_token_cache_seconds if CONFIG.redis_url else 0
ESCALADE_TEXT_MAX_CHARS = CONFIG.text_max_chars

# ---------------------------------------------------------------- time tracking and hour credits (ADR 0017)
ESCALADE_TIME_EDIT_WINDOW_HOURS = CONFIG.time_edit_window_hours
ESCALADE_CREDIT_THRESHOLDS = sorted(set(CONFIG.credit_thresholds))
ESCALADE_CONTRACT_NOTICE_DAYS = CONFIG.contract_notice_days
# Preventive maintenance (ADR 0023): renewals (warranties, licences, certificates...) are announced this
# many days before they expire.
ESCALADE_RENEWAL_NOTICE_DAYS = CONFIG.renewal_notice_days
ESCALADE_SLA_TARGET_MAX_DAYS = CONFIG.sla_target_max_days
# ---------------------------------------------------------------- reports (escalade.reports)
# Satisfaction surveys: how long after the resolution, for tickets from which channels, and how long the
# link (and a change of the answer) stays valid.
ESCALADE_SURVEY_DELAY_MINUTES = CONFIG.survey_delay_minutes
ESCALADE_SURVEY_CHANNELS = CONFIG.survey_channels
ESCALADE_SURVEY_ANSWER_DAYS = CONFIG.survey_answer_days
# The monthly client report's colour and logo (a file path; empty: the provider's name only).
ESCALADE_REPORT_COLOUR = CONFIG.report_colour
ESCALADE_REPORT_LOGO = CONFIG.report_logo
DEFAULT_FROM_EMAIL = SERVER_EMAIL = CONFIG.email_from
MAILERS = {"default": email_settings(CONFIG.email_url)}

# ---------------------------------------------------------------- directories (escalade.directory, ADR 0020)
ESCALADE_DIRECTORY_KEY = CONFIG.directory_key  # None: a key derived from SECRET_KEY
ESCALADE_DIRECTORY_SYNC_MINUTES = CONFIG.directory_sync_minutes
ESCALADE_DIGEST_HOUR = CONFIG.digest_hour
ESCALADE_BELL_POLL_SECONDS = CONFIG.bell_poll_seconds
ESCALADE_DIRECTORY_PHONE_SENDER = CONFIG.directory_phone_sender

# ---------------------------------------------------------------- logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "huey": {"level": CONFIG.log_level},
        "axes": {"level": "WARNING"},
    },
}
