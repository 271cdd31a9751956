"""Settings for the test suite: Escalade's own settings, on PostgreSQL when reachable, else SQLite.

``ESCALADE_TEST_DB`` chooses: ``postgres``, ``sqlite`` or ``auto`` (the default: PostgreSQL at
``ESCALADE_TEST_POSTGRES_URL`` if it answers). Under CI (``CI=true``), ``auto`` insists on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile

import psycopg

POSTGRES_URL = os.environ.get("ESCALADE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/escalade")


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


_choice = os.environ.get("ESCALADE_TEST_DB", "auto")
if _choice == "auto":
    _choice = "postgres" if os.environ.get("CI") == "true" or _postgres_reachable() else "sqlite"
if _choice == "postgres":
    os.environ["ESCALADE_DATABASE_URL"] = POSTGRES_URL
else:
    os.environ.pop("ESCALADE_DATABASE_URL", None)
os.environ["ESCALADE_TEST_DB"] = _choice
os.environ.setdefault("ESCALADE_DATA_DIR", tempfile.mkdtemp(prefix="escalade-test-"))
os.environ["ESCALADE_QUEUE_IMMEDIATE"] = "true"
os.environ.setdefault("ESCALADE_LOG_LEVEL", "ERROR")
os.environ.setdefault("ESCALADE_SECRET_KEY", "test-only-" + "x" * 50)
# Unit tests run the queue inline; tests that need the real Redis queue build their own Huey.
os.environ.pop("ESCALADE_REDIS_URL", None)

from escalade.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not shared-cache memory: concurrency then behaves as in the embedded mode (WAL, busy timeout).
    DATABASES["default"]["TEST"] = {"NAME": str(CONFIG.data_dir / "test.sqlite3")}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
