"""Pluggable senders of verification codes: e-mail (Django's mailer) and phone (a class named by
``ESCALADE_DIRECTORY_PHONE_SENDER``, e.g. an SMS gateway; the default only logs, for development)."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class CodeSender(Protocol):
    """Sends a one-time code to an address or a phone number, in the person's language."""

    def send(self, *, to: str, code: str, language: str) -> None: ...


def code_text(code: str) -> str:
    return _(
        "Your Escalade verification code is %(code)s. It is valid for 15 minutes. If you did not ask "
        "for it, ignore this message."
    ) % {"code": code}


class EmailSender:
    """The code by e-mail, to the secondary address registered in the directory."""

    def send(self, *, to: str, code: str, language: str) -> None:
        with translation.override(language):
            send_mail(_("Your verification code"), code_text(code), None, [to])


class LogPhoneSender:
    """Development stand-in for an SMS gateway: logs that a code was sent (never the code)."""

    def send(self, *, to: str, code: str, language: str) -> None:
        logger.info("verification code for %s***", to[:4])


class MemoryPhoneSender:
    """Keeps sent texts in :attr:`sent` (tests and demos)."""

    sent: list[tuple[str, str]] = []

    def send(self, *, to: str, code: str, language: str) -> None:
        with translation.override(language):
            self.sent.append((to, code_text(code)))


def sender_for(channel: str) -> CodeSender:
    if channel == "phone":
        sender: CodeSender = import_string(settings.ESCALADE_DIRECTORY_PHONE_SENDER)()
        return sender
    return EmailSender()
