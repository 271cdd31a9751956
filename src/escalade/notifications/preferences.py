"""Which kinds of news each role hears of, its default channel for each, and people's own choices.

A person's choice is stored only where it differs from their role's default (most people never
change anything, so the table stays small); :func:`channels_for` reads the choices of many people
in one query.
"""

from __future__ import annotations

from collections.abc import Iterable

from escalade.accounts.models import Role, User
from escalade.notifications.models import Channel, NotificationKind, NotificationPreference

K, C = NotificationKind, Channel

# What a requester hears of about their own requests (and the renewals of the items they own).
CUSTOMER_DEFAULTS: dict[str, str] = {
    K.TICKET_RECEIVED: C.EMAIL, K.AGENT_REPLY: C.EMAIL, K.WAITING_FOR_YOU: C.EMAIL,
    K.RESOLVED: C.EMAIL, K.SURVEY: C.EMAIL, K.CONTRACT: C.EMAIL,
}  # fmt: skip
# What the person working on tickets hears of: their own work at once, the rest in the app.
AGENT_DEFAULTS: dict[str, str] = {
    K.ASSIGNED: C.EMAIL, K.ESCALATED: C.EMAIL, K.REQUESTER_REPLY: C.EMAIL, K.SLA_WARNING: C.IN_APP,
    K.SLA_BREACH: C.EMAIL, K.AUTOMATION: C.IN_APP,
}  # fmt: skip
# A supervisor hears of every breach: in the app and once a day by mail, not one mail per ticket.
SUPERVISOR_DEFAULTS: dict[str, str] = {
    **AGENT_DEFAULTS, K.SLA_WARNING: C.DIGEST, K.SLA_BREACH: C.DIGEST, K.OUT_OF_CONTRACT: C.IN_APP,
    K.BAD_SURVEY: C.EMAIL, K.CONTRACT: C.EMAIL,
}  # fmt: skip
ROLE_DEFAULTS: dict[str, dict[str, str]] = {
    Role.REQUESTER: CUSTOMER_DEFAULTS,
    # A client manager approves out-of-contract requests: they hear of them by mail.
    Role.CLIENT_MANAGER: {**CUSTOMER_DEFAULTS, K.OUT_OF_CONTRACT: C.EMAIL},
    Role.AGENT: {**CUSTOMER_DEFAULTS, **AGENT_DEFAULTS},
    Role.SUPERVISOR: {**CUSTOMER_DEFAULTS, **SUPERVISOR_DEFAULTS},
    Role.ADMINISTRATOR: {**CUSTOMER_DEFAULTS, **SUPERVISOR_DEFAULTS, K.WEBHOOK_DISABLED: C.EMAIL},
}
# Staff see their own kinds first on the preferences page; the requester kinds come last.
ROLE_KINDS: dict[str, list[str]] = {
    role: sorted(defaults, key=lambda kind: (kind in CUSTOMER_DEFAULTS, K.values.index(kind)))
    for role, defaults in ROLE_DEFAULTS.items()
}


def kinds_for(user: User) -> list[str]:
    """The kinds of news ``user``'s role can receive (the rows of their preferences page)."""
    return ROLE_KINDS.get(user.role, list(CUSTOMER_DEFAULTS))


def default_channel(role: str, kind: str) -> str:
    """The role's channel for ``kind``; a kind the role does not expect is shown in the app only."""
    return ROLE_DEFAULTS.get(role, CUSTOMER_DEFAULTS).get(kind, C.IN_APP)


def channels_for(people: Iterable[User], kinds: Iterable[str]) -> dict[tuple[int, str], str]:
    """The channel of each person for each kind, their own choice else their role's default, in one
    query for all of them."""
    people, kinds = list(people), set(kinds)
    chosen = {
        (user_id, kind): channel
        for user_id, kind, channel in NotificationPreference.objects.filter(
            user__in=[person.pk for person in people], kind__in=kinds
        ).values_list("user_id", "kind", "channel")
    }
    return {
        (person.pk, kind): chosen.get((person.pk, kind), default_channel(person.role, kind))
        for person in people
        for kind in kinds
    }


def preferences_of(user: User) -> dict[str, str]:
    """``user``'s channel for each kind of news their role receives (for the preferences page)."""
    kinds = kinds_for(user)
    channels = channels_for([user], kinds)
    return {kind: channels[user.pk, kind] for kind in kinds}
