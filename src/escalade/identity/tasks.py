"""Background tasks of the identity app. Thin: each calls one service with ids."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from escalade.core.outbox import deferrable
from escalade.identity.services import password_reset_mail_send


@deferrable
@db_task(name="identity.password_reset_mail")
def password_reset_mail(user_id: int) -> None:
    """Mail a password reset link (a re-run sends another valid link, which is harmless)."""
    password_reset_mail_send(user_id=user_id)
