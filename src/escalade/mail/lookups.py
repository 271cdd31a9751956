"""What the poller reads once for a chunk of fetched messages rather than once per message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from escalade.accounts.models import User
from escalade.mail.models import Direction, MailMessage
from escalade.mail.parsing import ParsedMessage, copied
from escalade.mail.threads import Known, KnownMessages, Threaded, ThreadTickets, known_messages


class Senders:
    """The senders of a group of messages, looked up once for the group rather than once per message.

    Their accounts (with the organisation) and how many messages each sent in the last hour (the rate
    limit): two queries for the poller's group. Accounts created and messages imported meanwhile are
    added as they happen.
    """

    def __init__(self, addresses: Iterable[str]) -> None:
        wanted = {address for address in addresses if address}
        self.users: dict[str, User] = {
            user.email: user for user in User.objects.select_related("organisation").filter(email__in=wanted)
        }
        since = timezone.now() - timedelta(hours=1)
        recent = (
            MailMessage.objects.filter(direction=Direction.INBOUND, sender__in=wanted, created_at__gte=since)
            .values_list("sender").annotate(count=Count("id")).order_by()
        )  # fmt: skip
        self.recent: dict[str, int] = dict(recent)
        self.addresses = wanted

    def user(self, address: str) -> User | None:
        """The account found for the group (None: none then, or not one of the group's senders)."""
        return self.users.get(address)

    def recent_count(self, address: str) -> int:
        if address not in self.addresses:
            return recent_count(address)
        return self.recent.get(address, 0)

    def imported(self, address: str, user: User | None, *, count: bool = True) -> None:
        """A message from ``address`` was imported (``count``), by ``user`` (None: an account being
        created for them)."""
        if address in self.addresses:
            if user is not None:
                self.users[address] = user
            if count:
                self.recent[address] = self.recent.get(address, 0) + 1

    def not_imported(self, address: str) -> None:
        """A message counted by :meth:`imported` was quarantined in the end."""
        if address in self.addresses:
            self.recent[address] -= 1


class Lookups:
    """A chunk's :class:`Senders` (and the people they copied), :class:`KnownMessages` (our records of
    its messages and of those they answer: given when the poller read them from the messages' headers,
    before parsing) and :class:`ThreadTickets`: four queries for the chunk, kept current with what the
    poller writes meanwhile."""

    def __init__(self, messages: Sequence[ParsedMessage], *, known: KnownMessages | None = None) -> None:
        # The people copied are looked up with the senders (same query): they become watchers.
        self.senders = Senders(
            address for parsed in messages for address in (parsed.sender, *copied(parsed.headers))
        )
        self.known = known if known is not None else KnownMessages(messages)
        self.tickets = ThreadTickets(messages, self.known)

    def recorded(self, record: MailMessage, user: User) -> None:
        """An inbound message from ``user`` was just recorded."""
        self.senders.imported(record.sender, user)
        self.known.add(
            message_id=record.message_id, direction=record.direction, ticket_id=record.ticket_id,
            digest=record.digest,
        )  # fmt: skip


def known_of(parsed: Threaded, lookups: Lookups | None) -> list[Known]:
    """Our records of ``parsed`` and of the messages it answers (see ``threads.known_messages``)."""
    return lookups.known.of(parsed) if lookups is not None else known_messages(parsed)


def recent_count(sender: str) -> int:
    """How many messages ``sender`` sent us in the last hour."""
    since = timezone.now() - timedelta(hours=1)
    return MailMessage.objects.filter(
        direction=Direction.INBOUND, sender=sender, created_at__gte=since
    ).count()
