"""Background tasks of the directory app: send a verification code; sync every directory on schedule."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_task

from escalade.core.outbox import deferrable
from escalade.core.periodic import periodic_job
from escalade.directory.secrets import secret_decrypt
from escalade.directory.senders import sender_for

logger = logging.getLogger(__name__)


@deferrable
@db_task(name="directory.send_code")
def send_code(channel: str, to: str, sealed_code: str, language: str) -> None:
    """Send a verification code (sealed in the outbox row: the code never sits in clear in the database)."""
    sender_for(channel).send(to=to, code=secret_decrypt(sealed_code), language=language)


def _schedule() -> crontab:
    minutes = int(getattr(settings, "ESCALADE_DIRECTORY_SYNC_MINUTES", 15))
    return crontab(
        minute=f"*/{minutes}" if minutes < 60 else "0", hour="*" if minutes <= 60 else f"*/{minutes // 60}"
    )


@periodic_job(_schedule(), name="directory.sync_all")
def sync_all() -> None:
    """Sync every active directory (once per tick across workers; one worker per directory)."""
    from escalade.directory.services import directories_sync  # noqa: PLC0415 - services import tasks

    directories_sync()
