"""Who did something: a user, the system (a named job), or a channel (e-mail, phone, API...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalade.core.models import Event

if TYPE_CHECKING:
    from escalade.accounts.models import User


@dataclass(frozen=True, kw_only=True)
class Actor:
    """The author of a change, as recorded in the event log."""

    kind: Event.ActorKind
    label: str
    user: User | None = None
    source_ip: str | None = None
    # A channel that checked itself that ``user`` may reply to the ticket at hand (e-mail:
    # ``authz.can_write_by_mail``, which also admits watchers and colleagues who do not see it).
    vouched: bool = False

    @classmethod
    def of(cls, user: User, *, source_ip: str | None = None) -> Actor:
        """A person acting through the UI or the API."""
        return cls(kind=Event.ActorKind.USER, label=user.email, user=user, source_ip=source_ip)

    @classmethod
    def system(cls, name: str) -> Actor:
        """Escalade itself: a periodic job, the demo loader, a migration."""
        return cls(kind=Event.ActorKind.SYSTEM, label=f"system:{name}")

    @classmethod
    def channel(cls, name: str, *, user: User | None = None, vouched: bool = False) -> Actor:
        """An intake channel (e-mail, phone, monitoring), optionally on behalf of a known user
        (``vouched``: whom the channel checked may reply to the ticket it writes to)."""
        label = f"{name}:{user.email}" if user else name
        return cls(kind=Event.ActorKind.CHANNEL, label=label, user=user, vouched=vouched)
