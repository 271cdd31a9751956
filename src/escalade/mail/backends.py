"""An e-mail backend for the demo and for trying Escalade out: one log line per message (who, what),
not the whole message on the console. Every mail is still an ``OutboundMail`` row, readable in the
admin site with its body."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("escalade.mail.sent")


class LogBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            logger.info("mail to %s: %s", ", ".join(message.recipients()), message.subject)
        return len(email_messages)
