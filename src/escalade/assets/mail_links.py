"""A ticket that arrives by e-mail quoting a serial number, a hostname or an inventory tag of one of
its organisation's assets is linked to that asset (``ticket.asset_linked``, saying it was quoted).

Cheap: the message's text is cut into candidate tokens (letters and digits with ``-``, ``.`` or ``_``,
at least one digit or hyphen: "PC-COMPTA-01", "CZC1234567", "pc-compta-01.acme.local" and its first
label), and one query, scoped to the ticket's organisation, looks them up through the ``upper()``
indexes of serial, name and tag. Another client's asset is never linked: the query cannot reach it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from escalade.assets.models import Asset, AssetStatus
from escalade.core.actors import Actor
from escalade.core.events import Published
from escalade.core.models import Event
from escalade.tickets.choices import Channel
from escalade.tickets.models import Ticket

MAX_CANDIDATES = 80  # the first tokens of a long message are where people name their machine
MAX_LINKS = 5
_TOKEN = re.compile(r"(?<![\w.@-])[A-Za-z0-9][A-Za-z0-9._-]{2,62}[A-Za-z0-9](?![\w@-])")


def _worth_looking_up(token: str) -> bool:
    if not any(c.isdigit() for c in token) and "-" not in token:
        return False  # ordinary words
    return not (token.isdigit() and len(token) < 6)  # amounts, years, ticket numbers


def quoted_identifiers(text: str) -> list[str]:
    """The tokens of ``text`` that could be a serial number, a hostname or a tag, upper-cased, in
    order, without repeats (at most :data:`MAX_CANDIDATES`)."""
    found: dict[str, None] = {}
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        for candidate in (token, token.split(".", 1)[0]):
            if len(candidate) >= 4 and _worth_looking_up(candidate):
                found.setdefault(candidate.upper(), None)
        if len(found) >= MAX_CANDIDATES:
            break
    return list(found)[:MAX_CANDIDATES]


def assets_quoted(*, organisation_id: int, text: str) -> list[tuple[Asset, str]]:
    """The assets of organisation ``organisation_id`` whose serial, name or tag ``text`` quotes, with
    what was quoted; one indexed query (none when nothing looks like an identifier)."""
    candidates = quoted_identifiers(text)
    if not candidates:
        return []
    upper = {
        "serial_upper": Upper("serial"),
        "name_upper": Upper("name"),
        "tag_upper": Upper("inventory_tag"),
    }
    assets = (
        Asset.objects.alias(**upper)
        .filter(Q(serial_upper__in=candidates) | Q(name_upper__in=candidates) | Q(tag_upper__in=candidates))
        .filter(organisation_id=organisation_id)
        .exclude(status=AssetStatus.DISPOSED)
        .only("pk", "organisation_id", "name", "serial", "inventory_tag")
        .order_by("pk")[:MAX_LINKS]
    )  # fmt: skip
    wanted = set(candidates)
    found = []
    for asset in assets:
        quoted = next(v for v in (asset.serial, asset.name, asset.inventory_tag) if v and v.upper() in wanted)
        found.append((asset, quoted))
    return found


def assets_on_ticket_created(published: Sequence[Published]) -> None:
    """Subscriber of ``ticket.created``: link the e-mailed tickets to the assets their text quotes."""
    from escalade.assets.services import ticket_asset_link  # noqa: PLC0415 - services import this app's models

    for item in published:
        ticket = item.subject
        if not isinstance(ticket, Ticket) or ticket.channel != Channel.EMAIL or not ticket.organisation_id:
            continue
        text = f"{ticket.title}\n{ticket.description}"
        for asset, quoted in assets_quoted(organisation_id=ticket.organisation_id, text=text):
            ticket_asset_link(actor=Actor.channel("email"), ticket=ticket, asset=asset, quoted=quoted)


def asset_linked_label(event: Event) -> str:
    """The timeline's words for ``ticket.asset_linked``."""
    name = str(event.data.get("asset_name") or "")
    if event.data.get("quoted"):
        return _("Asset %(name)s linked (quoted in the e-mail: %(quoted)s)") % {
            "name": name, "quoted": event.data["quoted"],
        }  # fmt: skip
    return _("Asset %(name)s linked") % {"name": name}
