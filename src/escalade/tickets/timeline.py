"""The ticket timeline in plain words: who did it (a person's name, not an address or a code) and what
changed ("Assigned → In progress", "Team: Service desk L1 → Network L2"), in the reader's language.

Events store ids and internal codes (``Event.changes``); this module turns them into sentences when a
page is rendered, with one query per kind of name (people, teams, categories) for the whole timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from escalade.accounts.models import Team, User
from escalade.core.models import Event
from escalade.tickets.choices import Impact, Kind, Priority, ResolutionCode, State, Urgency
from escalade.tickets.models import Category

# The changes a reader cares about, in the order they are shown, with their names.
FIELDS: dict[str, Any] = {
    "state": gettext_lazy("State"),
    "assignee": gettext_lazy("Assignee"),
    "team": gettext_lazy("Team"),
    "support_level": gettext_lazy("Level"),
    "priority": gettext_lazy("Priority"),
    "impact": gettext_lazy("Impact"),
    "urgency": gettext_lazy("Urgency"),
    "category": gettext_lazy("Category"),
    "kind": gettext_lazy("Kind"),
    "resolution_code": gettext_lazy("Resolution"),
}
CHOICES: dict[str, Mapping[Any, Any]] = {
    "state": dict(State.choices),
    "priority": dict(Priority.choices),
    "impact": dict(Impact.choices),
    "urgency": dict(Urgency.choices),
    "kind": dict(Kind.choices),
    "resolution_code": dict(ResolutionCode.choices),
}
SYSTEM_NAMES: dict[str, Any] = {
    "system": gettext_lazy("Escalade"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "portal": gettext_lazy("Portal"),
    "api": gettext_lazy("API"),
    "monitoring": gettext_lazy("Monitoring"),
    "import": gettext_lazy("Import"),
}


class Names:
    """The names behind the ids of a set of events, read once: people, teams, categories."""

    def __init__(self, events: Iterable[Event]) -> None:
        events = list(events)
        wanted: dict[str, set[int]] = {"assignee": set(), "team": set(), "category": set()}
        for event in events:
            for field, ids in wanted.items():
                change = (event.changes or {}).get(field) or {}
                values = (change.get("from"), change.get("to"))
                ids.update(value for value in values if isinstance(value, int))
        people = wanted["assignee"] | {event.actor_id for event in events if event.actor_id}
        self.people = (
            dict(User.objects.filter(pk__in=people).values_list("pk", "full_name")) if people else {}
        )
        teams = wanted["team"]
        self.teams = dict(Team.objects.filter(pk__in=teams).values_list("pk", "name")) if teams else {}
        column = "name_fr" if (get_language() or "").startswith("fr") else "name_en"
        categories = wanted["category"]
        self.categories = (
            dict(Category.objects.filter(pk__in=categories).values_list("pk", column)) if categories else {}
        )

    def value(self, field: str, value: Any) -> str:
        if value is None or value == "":
            return _("none")
        lookups: dict[str, Callable[[Any], Any]] = {
            "assignee": lambda pk: self.people.get(pk) or _("someone"),
            "team": lambda pk: self.teams.get(pk) or _("another team"),
            "category": lambda pk: self.categories.get(pk) or _("another category"),
            "support_level": lambda level: _("level %(level)s") % {"level": level},
        }
        if field in lookups:
            return str(lookups[field](value))
        return str(CHOICES.get(field, {}).get(value, value))

    def actor(self, event: Event) -> str:
        """Who acted: the person's name, else the channel or Escalade itself, in words."""
        if event.actor_id and self.people.get(event.actor_id):
            return self.people[event.actor_id]
        kind = event.actor_label.split(":", 1)[0]
        if kind == "system":
            return str(SYSTEM_NAMES["system"])
        return str(SYSTEM_NAMES.get(kind, event.actor_label))


def describe_changes(event: Event, names: Names) -> list[str]:
    """What an event changed, one line per field a reader cares about, in plain words."""
    changes = event.changes or {}
    lines = []
    for field, label in FIELDS.items():
        change = changes.get(field)
        if not isinstance(change, dict):
            continue
        before, after = names.value(field, change.get("from")), names.value(field, change.get("to"))
        words = {"field": label, "before": before, "after": after}
        lines.append(_("%(field)s: %(before)s → %(after)s") % words)
    return lines
