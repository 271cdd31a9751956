"""Forms of the agent workspace: they validate input; the services decide and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Language, Team, User
from escalade.core.forms import MultipleFileField, QuickSelect
from escalade.tickets.choices import (
    PENDING_STATES,
    Channel,
    Impact,
    LinkKind,
    Priority,
    ResolutionCode,
    State,
    Urgency,
)
from escalade.tickets.models import Category
from escalade.workspace.selectors import open_loads
from escalade.workspace.services import MACRO_STATES

DURATION = re.compile(r"^\s*(?:(\d{1,3}):)?(\d{1,5})\s*$")


def _choices(options: Any, blank: str = "—") -> list[tuple[str, str]]:
    return [("", blank), *((str(value), str(label)) for value, label in options)]


class QueueFilterForm(forms.Form):
    """The filters above a queue (GET; only renders: the selector reads the query string)."""

    q = forms.CharField(label=_("Search"), required=False)
    # The long lists (organisations, categories, people) use QuickSelect: they are on every queue page.
    organisation = forms.ChoiceField(label=_("Organisation"), required=False, widget=QuickSelect)
    category = forms.ChoiceField(label=_("Category"), required=False, widget=QuickSelect)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=_choices(Priority.choices), widget=QuickSelect
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=_choices(State.choices), widget=QuickSelect
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=_choices([(1, "N1/L1"), (2, "N2/L2"), (3, "N3/L3")]),
        widget=QuickSelect,
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=_choices(Channel.choices), widget=QuickSelect
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, widget=QuickSelect)
    tag = forms.CharField(label=_("Tag"), required=False)

    def __init__(self, *args: Any, organisations: Any, categories: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"data-shortcut": "/", "type": "search"})
        self.fields["organisation"].choices = _choices((o.pk, o.name) for o in organisations)  # type: ignore[attr-defined]
        self.fields["category"].choices = _choices((c.pk, c.name) for c in categories)  # type: ignore[attr-defined]
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            *_choices([("none", _("Nobody"))]),
            *((str(p.pk), p.full_name) for p in people),
        ]


class ReplyForm(forms.Form):
    body = forms.CharField(
        max_length=settings.ESCALADE_TEXT_MAX_CHARS,
        label=_("Message (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 5, "id": "reply-body"}),  # the KB's "insert into reply" target
    )
    internal = forms.BooleanField(label=_("Internal note (the requester does not see it)"), required=False)
    attachments = MultipleFileField(label=_("Attachments"))


class _PeopleWithLoad(ModelChoiceIterator):  # type: ignore[type-arg]
    """Reads the people once, then their loads in one grouped query, then labels them."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        people = list(self.queryset)
        self.field.loads = open_loads(people_ids=[person.pk for person in people])  # type: ignore[attr-defined]
        for person in people:
            yield self.choice(person)


class AgentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """An assignment list: each person with their level and current load ("Alice — level 2 · 3 open
    tickets"). The queryset carries ``level`` (``selectors.people_to_assign``)."""

    iterator = _PeopleWithLoad

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", QuickSelect)
        super().__init__(*args, **kwargs)
        self.loads: dict[int, int] = {}

    def label_from_instance(self, obj: Any) -> str:
        load = self.loads.get(obj.pk, 0)
        words = ngettext("%(count)s open ticket", "%(count)s open tickets", load) % {"count": load}
        level = getattr(obj, "level", None)
        if level is not None:
            words = gettext("level %(level)s") % {"level": level} + " · " + words
        return f"{obj.full_name} — {words}"


class AssignForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), widget=QuickSelect)
    assignee = AgentChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, teams: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = people  # type: ignore[attr-defined]


class EscalateForm(forms.Form):
    """Up to a chosen team (its level shows in its name: "Réseau (N3)"), by default the next level."""

    reason = forms.CharField(
        max_length=settings.ESCALADE_TEXT_MAX_CHARS,
        label=_("Reason for escalating"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    team = forms.ModelChoiceField(
        label=_("Send it to"), queryset=Team.objects.none(), required=False,
        empty_label=_("The next level (automatic)"),
    )  # fmt: skip

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class HandBackForm(forms.Form):
    """Down to a chosen team at a lower level, by default the team that escalated the ticket."""

    reason = forms.CharField(
        max_length=settings.ESCALADE_TEXT_MAX_CHARS,
        label=_("Why it goes back down (the team reads it)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    team = forms.ModelChoiceField(
        label=_("Send it to"), queryset=Team.objects.none(), required=False,
        empty_label=_("The team that escalated it"),
    )  # fmt: skip

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class PendingForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Waiting for"), choices=[(s.value, s.label) for s in State if s in PENDING_STATES]
    )
    reason = forms.CharField(label=_("Reason"), required=False)


WORKFLOW_STATES = [state for state in State if state not in {State.RESOLVED, State.CLOSED}]


class StateForm(forms.Form):
    state = forms.ChoiceField(label=_("New state"), choices=[(s.value, s.label) for s in WORKFLOW_STATES])


class ResolveForm(forms.Form):
    resolution_code = forms.ChoiceField(label=_("Resolution code"), choices=_choices(ResolutionCode.choices))
    solution = forms.CharField(
        max_length=settings.ESCALADE_TEXT_MAX_CHARS,
        label=_("Solution"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MergeForm(forms.Form):
    target = forms.CharField(label=_("Merge into (reference)"), max_length=24)


class LinkForm(forms.Form):
    target = forms.CharField(label=_("Ticket (reference)"), max_length=24)
    kind = forms.ChoiceField(label=_("Link"), choices=LinkKind.choices)


class TagsForm(forms.Form):
    tags = forms.CharField(label=_("Tags (comma-separated)"), required=False)

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class MacroApplyForm(forms.Form):
    macro = forms.ChoiceField(label=_("Macro"), widget=QuickSelect)
    # Filled by the preview step: the macro's text with its variables filled in, as the agent left it.
    body = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, macros: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["macro"].choices = _choices((m.pk, str(m)) for m in macros)  # type: ignore[attr-defined]


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    body = forms.CharField(max_length=settings.ESCALADE_TEXT_MAX_CHARS,
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Placeholders: {{requester_name}} {{requester_first_name}} {{reference}} {{title}} "
                    "{{organisation}} {{agent_name}}"),
    )  # fmt: skip
    team = forms.ModelChoiceField(
        label=_("Share with team"), queryset=Team.objects.none(), required=False,
        empty_label=_("Nobody (personal)"),
    )  # fmt: skip
    set_state = forms.ChoiceField(
        label=_("Set the state to"), required=False,
        choices=_choices((s.value, s.label) for s in State if s in MACRO_STATES),
    )  # fmt: skip
    category = forms.ModelChoiceField(
        label=_("Set the category to"), queryset=Category.objects.none(), required=False
    )
    add_tags = forms.CharField(label=_("Add tags (comma-separated)"), required=False)

    def __init__(self, *args: Any, teams: Any, categories: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]

    def clean_add_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["add_tags"].split(",") if tag.strip()]


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("View name"), max_length=80)
    team = forms.ModelChoiceField(
        label=_("Share with team"), queryset=Team.objects.none(), required=False,
        empty_label=_("Nobody (personal)"),
    )  # fmt: skip

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class PhoneCallForm(forms.Form):
    """The call form: on an open ticket of the caller, or a new phone ticket."""

    caller = forms.IntegerField(widget=forms.HiddenInput)
    started_at = forms.DateTimeField(widget=forms.HiddenInput)
    ticket = forms.ChoiceField(label=_("About"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(
        max_length=settings.ESCALADE_TEXT_MAX_CHARS,
        label=_("Summary of the call"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Impact.choices, coerce=int, initial=Impact.LOW)
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.MEDIUM
    )
    duration = forms.CharField(label=_("Duration (min:sec)"), max_length=12)
    # The agent who takes the call, unless they choose someone else or the team's automatic choice.
    assignee = AgentChoiceField(
        label=_("Assignee of a new ticket"), queryset=User.objects.none(), required=False,
        empty_label=_("Automatic (the team's choice)"),
    )  # fmt: skip

    def __init__(
        self, *args: Any, open_tickets: Any, categories: Any, people: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if people is None:
            del self.fields["assignee"]
        else:
            self.fields["assignee"].queryset = people  # type: ignore[attr-defined]
        self.fields["ticket"].choices = [  # type: ignore[attr-defined]
            ("", _("A new ticket")),
            *((t.reference, f"{t.reference} — {t.title}") for t in open_tickets),
        ]
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]

    def clean_duration(self) -> int:
        match = DURATION.match(self.cleaned_data["duration"])
        if match is None:
            raise forms.ValidationError(_("Write the duration as minutes:seconds, e.g. 4:30."))
        minutes, seconds = match.groups()
        return int(minutes or 0) * 60 + int(seconds)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("ticket") and not str(cleaned.get("title", "")).strip():
            self.add_error("title", _("A title is required for a new ticket."))
        return cleaned


class IdListField(forms.Field):
    """Ticket ids ticked in a list (``tickets=1&tickets=2``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        try:
            return sorted({int(item) for item in values})[:200]
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(_("Choose tickets in the list.")) from error

    def validate(self, value: Any) -> None:
        if not value:
            raise forms.ValidationError(_("Tick at least one ticket."))


BULK_ACTIONS = (
    ("take", _("Take")),
    ("assign", _("Assign to")),
    ("state", _("Change state")),
    ("escalate", _("Escalate")),
    ("tag", _("Add tags")),
)


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=_("Bulk action"), choices=BULK_ACTIONS, widget=QuickSelect)
    tickets = IdListField(label=_("Tickets"))
    assignee = AgentChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=_choices((s.value, s.label) for s in WORKFLOW_STATES),
        widget=QuickSelect,
    )
    reason = forms.CharField(label=_("Reason"), required=False)
    tags = forms.CharField(label=_("Tags"), required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        needs = {"assign": "assignee", "state": "state", "escalate": "reason", "tag": "tags"}
        field = needs.get(cleaned.get("action", ""))
        if field and not cleaned.get(field):
            self.add_error(field, _("This field is required for this action."))
        return cleaned
