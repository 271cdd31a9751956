"""Forms of the knowledge base pages: the article editor, feedback, the search filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from escalade.core.forms import MultipleFileField
from escalade.core.widgets import IsoDateInput
from escalade.kb.models import Article, ArticleLanguage, ArticleVisibility, KbCategory
from escalade.orgs.models import Organisation
from escalade.search.models import DocumentKind
from escalade.search.text import QUERY_LENGTH
from escalade.tickets.choices import State


class ArticleForm(forms.Form):
    """Write or change an article (the services decide what is allowed)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Body (Markdown)"), widget=forms.Textarea(attrs={"rows": 18}))
    language = forms.ChoiceField(label=_("Language"), choices=ArticleLanguage.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=KbCategory.objects.all(), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    visibility = forms.ChoiceField(label=_("Who may read it"), choices=ArticleVisibility.choices)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations"), queryset=Organisation.objects.all(), required=False
    )
    review_by = forms.DateField(label=_("Review by"), required=False, widget=IsoDateInput())
    translation_of = forms.ModelChoiceField(
        label=_("Translation of"), queryset=Article.objects.all(), required=False,
        help_text=_("The same article in the other language, if it exists."),
    )  # fmt: skip
    related = forms.ModelMultipleChoiceField(
        label=_("Related articles"), queryset=Article.objects.all(), required=False
    )
    attachments = MultipleFileField(label=_("Files and images"))
    note = forms.CharField(label=_("What changed"), max_length=200, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["language"]
            del self.fields["translation_of"]
        else:
            del self.fields["note"]

    def tag_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data.get("tags", "").split(",") if name.strip()]


class FeedbackForm(forms.Form):
    is_helpful = forms.TypedChoiceField(
        choices=(("1", _("Yes")), ("0", _("No"))), coerce=lambda value: value == "1"
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=QUERY_LENGTH, required=False)
    type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Everything")), *DocumentKind.choices], required=False
    )
    # All states by default: resolved and closed tickets are what an agent most often looks for.
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("All states")), ("open", _("Open")), ("done", _("Resolved or closed")),
            *State.choices, ("published", _("Published articles")),
        ],
    )  # fmt: skip
    organisation = forms.IntegerField(label=_("Organisation"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=IsoDateInput())
    until = forms.DateField(label=_("To"), required=False, widget=IsoDateInput())
