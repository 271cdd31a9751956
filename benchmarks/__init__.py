"""Escalade's benchmark suite (run on demand; see README.md)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def bench_env(name: str) -> dict[str, str]:
    """The environment of an Escalade process working on the benchmark database ``escalade_<name>``
    (PostgreSQL and Redis on 127.0.0.1, its own queue and data directory)."""
    return {
        **os.environ,
        "ESCALADE_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/escalade_{name}",
        "ESCALADE_REDIS_URL": "redis://127.0.0.1:6379/5",
        "ESCALADE_QUEUE_NAME": name,
        "ESCALADE_DATA_DIR": str(Path(tempfile.gettempdir()) / f"escalade-{name}"),
        "ESCALADE_SECRET_KEY": "benchmark-only-" + "b" * 50,
        "ESCALADE_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "escalade.settings",
        "ESCALADE_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
