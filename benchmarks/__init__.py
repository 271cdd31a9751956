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


def bench_name(database: str | None, tickets: int) -> str:
    """The name :func:`bench_env` takes for ``--database`` (``escalade_<name>``, the prefix optional),
    by default the generated benchmark database of ``tickets`` tickets."""
    if not database:
        return f"bench_{tickets}"
    return database.removeprefix("escalade_")


def bench_django(name: str, **overrides: str | None) -> None:
    """Work in this process on the benchmark database ``escalade_<name>``: create it if missing, take
    :func:`bench_env`'s environment (``overrides``: a value replaces, None removes), set Django up and
    migrate."""
    import subprocess

    env = bench_env(name)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    database = f"escalade_{name}"
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname='{database}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {database}"], check=True
        )
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
