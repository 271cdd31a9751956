"""Ticket services: every change to a ticket goes through one of these functions.

Each validates, checks ``escalade.authz`` for the acting person, writes in a transaction, records an
event, refreshes the SLA clock, and leaves notifications/mail to after the commit.
"""

from escalade.tickets.services.bulk import (
    AttachmentRequest,
    ReplyRequest,
    attachment_add_many,
    ticket_create_many,
    ticket_reply_many,
)
from escalade.tickets.services.conversation import attachment_add, ticket_add_note, ticket_reply
from escalade.tickets.services.editing import ticket_update
from escalade.tickets.services.intake import TicketRequest, priority_for, ticket_create
from escalade.tickets.services.relations import ticket_link, ticket_merge
from escalade.tickets.services.workflow import (
    ticket_assign,
    ticket_close,
    ticket_escalate,
    ticket_hand_back,
    ticket_qualify,
    ticket_reopen,
    ticket_resolve,
    ticket_set_priority,
    ticket_take,
    ticket_transition,
)

__all__ = [
    "AttachmentRequest", "ReplyRequest", "TicketRequest", "attachment_add", "attachment_add_many",
    "priority_for", "ticket_add_note", "ticket_assign", "ticket_close", "ticket_create", "ticket_create_many",
    "ticket_escalate", "ticket_hand_back", "ticket_link", "ticket_merge", "ticket_qualify", "ticket_reopen",
    "ticket_reply", "ticket_reply_many", "ticket_resolve", "ticket_set_priority", "ticket_take",
    "ticket_transition", "ticket_update",
]  # fmt: skip
